/** The MVCC store's public data types (the shape the server's applier is written against). */

export interface KeyValue {
  key: Buffer;
  /** Main revision of the put that created this incarnation (generation) of the key. */
  createRevision: number;
  /** Main revision of the last change. */
  modRevision: number;
  /** 1 on create, +1 per put; a delete ends the generation and the next put starts at 1 again. */
  version: number;
  value: Buffer;
  /** 0n: no lease. */
  lease: bigint;
}

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

export interface RangeOptions {
  /** <= 0 or undefined: the current revision. */
  rev?: number;
  /** <= 0 or undefined: unlimited. */
  limit?: number;
  countOnly?: boolean;
  keysOnly?: boolean;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  /** The min/max filters prune kvs but never change count (etcd's documented behaviour). 0: no filter. */
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** True when more keys matched than limit allowed to return. */
  more: boolean;
  /** Keys in the range at the requested revision, ignoring limit and the min/max filters. */
  count: number;
  /** The store's current revision (a write txn's own revision inside it), not the requested one. */
  rev: number;
}

/** One change of a write txn. A DELETE's kv carries only key and modRevision (the deletion revision). */
export interface Event {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  /** The key's value before this change, when it existed. */
  prevKv?: KeyValue;
}

export interface WriteTxn {
  /** Sees this txn's own writes; rev as in MvccStore.range, relative to this txn's revision. */
  range(key: Buffer, rangeEnd: Buffer, opts?: RangeOptions): RangeResult;
  put(key: Buffer, value: Buffer, lease: bigint): { prev?: KeyValue };
  /** deleted: the kvs as they were before the delete. */
  deleteRange(key: Buffer, rangeEnd: Buffer): { deleted: KeyValue[] };
  /** The revision this txn has reached: the current revision, +1 once it has changed anything. */
  rev(): number;
  /** Closes the txn. rev: the new current revision (unchanged when nothing changed). */
  end(): { rev: number; events: Event[] };
}

export interface HashKVResult {
  /** CRC-32C over the revisions up to hashRevision that a compaction keeps (etcd's HashKV). */
  hash: number;
  /** The compaction revision, -1 when the store was never compacted (as etcd reports it). */
  compactRevision: number;
  hashRevision: number;
}

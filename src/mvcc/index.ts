/**
 * The MVCC store's public surface. How the server drives it:
 * - one write() txn per raft entry, ended before the next; then setConsistentIndex() for the last
 *   entry of the apply batch and one backend.commit() for the whole batch;
 * - compact(rev).done settles only after the batch holding the compaction is committed (never
 *   await it before that commit); it rejects (handled) if the store is closed first, and the
 *   compaction then resumes at the next open;
 * - close() the store before backend.replaceAll() (a raft snapshot), then open a new one.
 */
export { MvccStore } from './kv_store.js';
export type { ConsistentIndex } from './meta.js';
export type {
  Event,
  HashKVResult,
  KeyValue,
  RangeOptions,
  RangeResult,
  SortOrder,
  SortTarget,
  WriteTxn,
} from './types.js';

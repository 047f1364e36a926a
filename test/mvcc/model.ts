/**
 * A naive model of etcd's MVCC for differential testing: the whole history as a list of changes,
 * every read answered by replaying it. No index, no generations, no storage: slow and obviously
 * right, which is the point.
 */
import { compareBytes, rangeContains } from '../../src/base/bytes.js';
import { etcdError } from '../../src/base/errors.js';
import type { KeyValue, RangeOptions, RangeResult } from '../../src/mvcc/index.js';

interface Change {
  key: Buffer;
  /** null: a delete. */
  value: Buffer | null;
  lease: bigint;
  main: number;
  sub: number;
}

export type ModelOp =
  | { type: 'put'; key: Buffer; value: Buffer; lease: bigint }
  | { type: 'delete'; key: Buffer; end: Buffer };

interface Durable {
  length: number;
  rev: number;
  compactRev: number;
}

export class MvccModel {
  private history: Change[] = [];
  currentRev = 1;
  compactRev = -1;
  private durable: Durable = { length: 0, rev: 1, compactRev: -1 };

  /** The live keys at rev, sorted by key. */
  stateAt(rev: number): KeyValue[] {
    const live = new Map<string, KeyValue>();
    for (const c of this.history) {
      if (c.main > rev) break;
      const id = c.key.toString('latin1');
      if (c.value === null) {
        live.delete(id);
        continue;
      }
      const prev = live.get(id);
      live.set(id, {
        key: c.key,
        value: c.value,
        lease: c.lease,
        createRevision: prev ? prev.createRevision : c.main,
        modRevision: c.main,
        version: prev ? prev.version + 1 : 1,
      });
    }
    return [...live.values()].sort((a, b) => compareBytes(a.key, b.key));
  }

  range(key: Buffer, end: Buffer, opts: RangeOptions): RangeResult {
    const requested = opts.rev ?? 0;
    if (requested > this.currentRev) throw etcdError('FutureRev');
    const atRev = requested > 0 ? requested : this.currentRev;
    if (atRev < this.compactRev) throw etcdError('Compacted');
    const all = this.stateAt(atRev).filter((kv) => rangeContains(key, end, kv.key));
    const count = all.length;
    if (opts.countOnly) return { kvs: [], more: false, count, rev: this.currentRev };
    const limit = Math.max(0, opts.limit ?? 0);
    const filters: Array<(kv: KeyValue) => boolean> = [];
    if (opts.minModRevision) filters.push((kv) => kv.modRevision >= opts.minModRevision!);
    if (opts.maxModRevision) filters.push((kv) => kv.modRevision <= opts.maxModRevision!);
    if (opts.minCreateRevision) filters.push((kv) => kv.createRevision >= opts.minCreateRevision!);
    if (opts.maxCreateRevision) filters.push((kv) => kv.createRevision <= opts.maxCreateRevision!);
    let order = opts.sortOrder ?? 'NONE';
    const target = opts.sortTarget ?? 'KEY';
    // etcd reads limit+1 rows unless a sort order or a filter makes it read everything.
    let rows = order === 'NONE' && filters.length === 0 && limit > 0 ? all.slice(0, limit + 1) : all;
    rows = rows.filter((kv) => filters.every((f) => f(kv)));
    if (order === 'NONE' && target !== 'KEY') order = 'ASCEND';
    if (order !== 'NONE') {
      const field = (kv: KeyValue): number | Buffer =>
        target === 'KEY' ? kv.key : target === 'VALUE' ? kv.value : target === 'VERSION' ? kv.version : target === 'CREATE' ? kv.createRevision : kv.modRevision;
      const cmp = (a: KeyValue, b: KeyValue): number => {
        const x = field(a);
        const y = field(b);
        return typeof x === 'number' ? x - (y as number) : compareBytes(x, y as Buffer);
      };
      rows = [...rows].sort((a, b) => (order === 'DESCEND' ? -cmp(a, b) : cmp(a, b)));
    }
    const more = limit > 0 && rows.length > limit;
    if (more) rows = rows.slice(0, limit);
    if (opts.keysOnly) rows = rows.map((kv) => ({ ...kv, value: Buffer.alloc(0) }));
    return { kvs: rows, more, count, rev: this.currentRev };
  }

  /** Applies one write txn; returns the new current revision. */
  write(ops: ModelOp[]): number {
    const main = this.currentRev + 1;
    let sub = 0;
    for (const op of ops) {
      if (op.type === 'put') {
        this.history.push({ key: op.key, value: op.value, lease: op.lease, main, sub: sub++ });
        continue;
      }
      for (const kv of this.stateAt(main)) {
        if (rangeContains(op.key, op.end, kv.key)) this.history.push({ key: kv.key, value: null, lease: 0n, main, sub: sub++ });
      }
    }
    if (sub > 0) this.currentRev = main;
    return this.currentRev;
  }

  compact(rev: number): void {
    if (rev <= this.compactRev) throw etcdError('Compacted');
    if (rev > this.currentRev) throw etcdError('FutureRev');
    this.compactRev = rev;
  }

  /**
   * The revisions a finished compaction leaves on disk, as main_sub[t]: everything above the
   * compaction revision, and per key the newest change at or below it unless that is a delete.
   */
  retainedRevisions(): string[] {
    const newestAtOrBelow = new Map<string, Change>();
    const out: Change[] = [];
    for (const c of this.history) {
      if (c.main > this.compactRev) out.push(c);
      else newestAtOrBelow.set(c.key.toString('latin1'), c);
    }
    for (const c of newestAtOrBelow.values()) if (c.value !== null) out.push(c);
    return out
      .sort((a, b) => a.main - b.main || a.sub - b.sub)
      .map((c) => `${c.main}_${c.sub}${c.value === null ? 't' : ''}`);
  }

  /** Everything so far is on disk. */
  committed(): void {
    this.durable = { length: this.history.length, rev: this.currentRev, compactRev: this.compactRev };
  }

  /** A crash: what was not committed is gone. */
  crashed(): void {
    this.history = this.history.slice(0, this.durable.length);
    this.currentRev = this.durable.rev;
    this.compactRev = this.durable.compactRev;
  }
}

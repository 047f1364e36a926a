/**
 * The multi-version key-value store: etcd's MVCC over the backend's 'key' bucket. Every write txn
 * takes one main revision (only if it changes something); each change in it takes the next sub
 * revision. Values are stored under their revision, never overwritten; the in-memory key index
 * says which revision of each key is visible at any retained revision, and is rebuilt at open.
 *
 * Writes go into the backend's pending batch: the caller (the applier) decides when to commit, so
 * the data of a batch of raft entries and the consistent index land in one atomic write. Reads
 * are synchronous and see pending writes.
 */
import { invariant } from '../base/assert.js';
import { EMPTY, isOpenEnded } from '../base/bytes.js';
import { etcdError } from '../base/errors.js';
import { nullLogger, type Logger } from '../base/logger.js';
import type { Backend } from '../storage/backend.js';
import { Compactor } from './compactor.js';
import { Crc32c } from './crc32c.js';
import { KeyIndex, TreeIndex, droppedEntry, newHit, type DroppedRevisions } from './key_index.js';
import { decodeKeyValue, encodeKeyValue, encodeTombstone, readIndexFields, type IndexFields } from './kv_codec.js';
import {
  readConsistentIndex,
  readFinishedCompaction,
  readScheduledCompaction,
  stageConsistentIndex,
  stageScheduledCompaction,
  type ConsistentIndex,
} from './meta.js';
import { planFetch, shapeRows } from './range_rules.js';
import { isTombstoneKey, revisionKey, revisionMain, revisionSub } from './revision.js';
import type { Event, HashKVResult, KeyValue, RangeOptions, RangeResult, WriteTxn } from './types.js';

const HASH_BUCKET_NAME = Buffer.from('key');

type Visit = (key: string, ki: KeyIndex, main: number, sub: number) => void;

export class MvccStore {
  private readonly index = new TreeIndex();
  /** The revision of the last write txn that changed something; 1 on an empty store. */
  private currentRev = 1;
  /** Reads below it fail; -1 until the first compaction (etcd accepts a first compaction at 0). */
  private compactRev = -1;
  private openTxn: StoreWriteTxn | undefined;
  private readonly hit = newHit();
  private readonly compactor: Compactor;
  private readonly logger: Logger;

  private constructor(
    private readonly backend: Backend,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'mvcc' });
    this.compactor = new Compactor(backend, this.logger);
  }

  /** Rebuilds the key index from the 'key' bucket and resumes an unfinished compaction. */
  static async open(backend: Backend, opts: { logger?: Logger } = {}): Promise<MvccStore> {
    const store = new MvccStore(backend, opts.logger ?? nullLogger);
    await store.restore();
    return store;
  }

  currentRevision(): number {
    return this.currentRev;
  }

  /** 0 when never compacted. */
  compactedRevision(): number {
    return Math.max(0, this.compactRev);
  }

  /** Range at opts.rev (current when <= 0), with etcd's range encoding and Range options. */
  range(key: Buffer, rangeEnd: Buffer, opts: RangeOptions = {}): RangeResult {
    return this.rangeAt(key, rangeEnd, opts, this.currentRev);
  }

  /** Starts the write txn of one raft entry. Only one may be open at a time. */
  write(): WriteTxn {
    invariant(this.openTxn === undefined, 'a write txn is already open');
    this.openTxn = new StoreWriteTxn(this, this.currentRev);
    return this.openTxn;
  }

  /**
   * Compacts at rev: reads below rev fail from now on; the intent is staged in the backend's
   * pending batch; `done` resolves once superseded revisions are deleted from disk, which starts
   * only after that batch is committed.
   */
  compact(rev: number): { done: Promise<void> } {
    invariant(this.openTxn === undefined, 'compact inside a write txn');
    if (rev <= this.compactRev) throw etcdError('Compacted');
    if (rev > this.currentRev) throw etcdError('FutureRev');
    this.compactRev = rev;
    stageScheduledCompaction(this.backend, rev);
    return { done: this.compactor.schedule(rev, this.index.compact(rev)) };
  }

  /** Resolves once no physical compaction is queued or running (e.g. one resumed at open). */
  compactionIdle(): Promise<void> {
    return this.compactor.idle();
  }

  /**
   * etcd's HashKV: CRC-32C over the bucket name, then the key and value of every revision up to rev
   * (current when <= 0) that a compaction keeps, in revision order. Equal to etcd's own hash for
   * the same history. Synchronous and proportional to the retained history: an admin operation.
   */
  hashKV(rev: number): HashKVResult {
    if (rev > 0 && rev <= this.compactRev) throw etcdError('Compacted');
    if (rev > this.currentRev) throw etcdError('FutureRev');
    const hashRev = rev > 0 ? rev : this.currentRev;
    const revisions: Array<{ main: number; sub: number; tombstone: boolean }> = [];
    this.index.forEach((_key, ki) =>
      ki.forEachRevision(hashRev, (main, sub, tombstone) => revisions.push({ main, sub, tombstone })),
    );
    revisions.sort((a, b) => a.main - b.main || a.sub - b.sub);
    const crc = new Crc32c().update(HASH_BUCKET_NAME);
    for (const r of revisions) {
      const revKey = revisionKey(r.main, r.sub, r.tombstone);
      const value = this.backend.get('key', revKey);
      if (value === undefined) invariant(false, `revision ${r.main}_${r.sub} is indexed but not stored`);
      crc.update(revKey).update(value);
    }
    return { hash: crc.digest(), compactRevision: this.compactRev, hashRevision: hashRev };
  }

  /** Stages the consistent index in the backend's pending batch, beside the data it produced. */
  setConsistentIndex(index: number, term: number): void {
    stageConsistentIndex(this.backend, { index, term });
  }

  /** The consistent index, including a staged one not yet committed. */
  consistentIndex(): ConsistentIndex {
    return readConsistentIndex(this.backend);
  }

  /** Stops background work (a running compaction stops after its current batch and resumes at open). */
  async close(): Promise<void> {
    await this.compactor.stop();
  }

  // ---- internals shared with the write txn ----

  /** @internal */
  rangeAt(key: Buffer, rangeEnd: Buffer, opts: RangeOptions, curRev: number): RangeResult {
    const requested = opts.rev ?? 0;
    if (requested > curRev) throw etcdError('FutureRev');
    const atRev = requested > 0 ? requested : curRev;
    if (atRev < this.compactRev) throw etcdError('Compacted');

    let count = 0;
    if (opts.countOnly) {
      this.visit(key, rangeEnd, atRev, () => count++);
      return { kvs: [], more: false, count, rev: curRev };
    }
    const plan = planFetch(opts);
    const found: number[] = [];
    this.visit(key, rangeEnd, atRev, (_key, _ki, main, sub) => {
      if (count++ < plan.fetchLimit) found.push(main, sub);
    });
    const kvs: KeyValue[] = new Array(found.length / 2);
    for (let i = 0; i < found.length; i += 2) kvs[i / 2] = this.readRevision(found[i]!, found[i + 1]!);
    const shaped = shapeRows(kvs, opts, plan);
    return { kvs: shaped.kvs, more: shaped.more, count, rev: curRev };
  }

  /** Calls fn, in key order, for every key of the range that exists at atRev. */
  private visit(key: Buffer, rangeEnd: Buffer, atRev: number, fn: Visit): void {
    const hit = this.hit;
    const start = key.toString('latin1');
    if (rangeEnd.length === 0) {
      const ki = this.index.get(start);
      if (ki !== undefined && ki.find(atRev, hit)) fn(start, ki, hit.revs[hit.at]!, hit.revs[hit.at + 1]!);
      return;
    }
    let end: string | undefined;
    if (!isOpenEnded(rangeEnd)) {
      end = rangeEnd.toString('latin1');
      if (end <= start) return;
    }
    this.index.forRange(start, end, (k, ki) => {
      if (ki.find(atRev, hit)) fn(k, ki, hit.revs[hit.at]!, hit.revs[hit.at + 1]!);
    });
  }

  /** @internal The stored KeyValue of a put revision. */
  readRevision(main: number, sub: number): KeyValue {
    const value = this.backend.get('key', revisionKey(main, sub));
    if (value === undefined) invariant(false, `revision ${main}_${sub} is indexed but not stored`);
    return decodeKeyValue(value);
  }

  /** @internal */
  stagePut(key: Buffer, value: Buffer, lease: bigint, main: number, sub: number): PutEvent {
    const keyString = key.toString('latin1');
    const ki = this.index.getOrCreate(keyString);
    let createRevision = main;
    let version = 1;
    let prevMain = 0;
    let prevSub = 0;
    if (ki.isLive()) {
      createRevision = ki.created;
      version = ki.version + 1;
      prevMain = ki.lastMain();
      prevSub = ki.lastSub();
    }
    const kv: KeyValue = { key, createRevision, modRevision: main, version, value, lease };
    this.backend.put('key', revisionKey(main, sub), encodeKeyValue(kv));
    this.index.put(ki, main, sub, createRevision, version);
    return new PutEvent(kv, this, prevMain, prevSub);
  }

  /** @internal Tombstones every live key of the range, appending one DELETE event per key. */
  stageDeleteRange(key: Buffer, rangeEnd: Buffer, main: number, events: Event[]): KeyValue[] {
    const victims: KeyIndex[] = [];
    const prevs: KeyValue[] = [];
    // The txn's own writes have main revision `main`: visiting at `main` sees them.
    this.visit(key, rangeEnd, main, (_key, ki, m, s) => {
      victims.push(ki);
      prevs.push(this.readRevision(m, s));
    });
    for (let i = 0; i < victims.length; i++) {
      const prevKv = prevs[i]!;
      const sub = events.length;
      this.backend.put('key', revisionKey(main, sub, true), encodeTombstone(prevKv.key));
      this.index.tombstone(victims[i]!, main, sub);
      const kv: KeyValue = {
        key: prevKv.key,
        createRevision: 0,
        modRevision: main,
        version: 0,
        value: EMPTY,
        lease: 0n,
      };
      events.push({ type: 'DELETE', kv, prevKv });
    }
    return prevs;
  }

  /** @internal */
  endTxn(txn: StoreWriteTxn, changed: boolean): number {
    invariant(this.openTxn === txn, 'ending a txn that is not the open one');
    this.openTxn = undefined;
    if (changed) this.currentRev += 1;
    return this.currentRev;
  }

  private async restore(): Promise<void> {
    const started = Date.now();
    const scheduled = readScheduledCompaction(this.backend);
    const finished = readFinishedCompaction(this.backend);
    const fields: IndexFields = { keyStart: 0, keyEnd: 0, createRevision: 0, version: 0 };
    /** Tombstones whose puts an interrupted compaction already deleted: garbage themselves. */
    const orphans: DroppedRevisions = [];
    let lastMain = 0;
    let revisions = 0;
    this.index.beginLoad();
    for await (const chunk of this.backend.iterateChunks('key')) {
      for (const [revKey, value] of chunk) {
        const main = revisionMain(revKey);
        const sub = revisionSub(revKey);
        readIndexFields(value, fields);
        const keyString = value.toString('latin1', fields.keyStart, fields.keyEnd);
        if (isTombstoneKey(revKey)) {
          const ki = this.index.get(keyString);
          if (ki !== undefined && ki.isLive()) {
            this.index.tombstone(ki, main, sub);
          } else {
            invariant(main <= scheduled, () => `tombstone ${main}_${sub} of a key that is not live, above any compaction`);
            orphans.push(main, droppedEntry(sub, true));
          }
        } else {
          this.index.put(this.index.getOrCreate(keyString), main, sub, fields.createRevision, fields.version);
        }
        lastMain = main;
        revisions++;
      }
    }
    this.index.endLoad();
    // A compaction may have removed the newest revisions (a deleted key), never past its revision.
    this.currentRev = Math.max(1, lastMain, scheduled);
    this.compactRev = scheduled;
    if (scheduled > finished || orphans.length > 0) {
      this.logger.info({ scheduled, finished }, 'resuming unfinished compaction');
      const dropped = this.index.compact(scheduled);
      for (const entry of orphans) dropped.push(entry);
      void this.compactor.schedule(scheduled, dropped);
    }
    this.logger.info(
      { keys: this.index.size, revisions, currentRevision: this.currentRev, tookMs: Date.now() - started },
      'restored key index',
    );
  }
}

class StoreWriteTxn implements WriteTxn {
  private readonly events: Event[] = [];
  private ended = false;

  constructor(
    private readonly store: MvccStore,
    private readonly beginRev: number,
  ) {}

  range(key: Buffer, rangeEnd: Buffer, opts: RangeOptions = {}): RangeResult {
    this.assertOpen();
    return this.store.rangeAt(key, rangeEnd, opts, this.rev());
  }

  put(key: Buffer, value: Buffer, lease: bigint): { prev?: KeyValue } {
    this.assertOpen();
    const event = this.store.stagePut(key, value, lease, this.beginRev + 1, this.events.length);
    this.events.push(event);
    return event;
  }

  deleteRange(key: Buffer, rangeEnd: Buffer): { deleted: KeyValue[] } {
    this.assertOpen();
    return { deleted: this.store.stageDeleteRange(key, rangeEnd, this.beginRev + 1, this.events) };
  }

  rev(): number {
    return this.events.length > 0 ? this.beginRev + 1 : this.beginRev;
  }

  end(): { rev: number; events: Event[] } {
    this.assertOpen();
    this.ended = true;
    return { rev: this.store.endTxn(this, this.events.length > 0), events: this.events };
  }

  private assertOpen(): void {
    invariant(!this.ended, 'write txn already ended');
  }
}

/**
 * A PUT event. Its previous value costs a backend read (a LevelDB block decode when not cached),
 * which most puts never need (the applier reads prev_kv itself when asked), so it is read on first
 * access. It is readable at least until the apply batch holding this put is committed: physical
 * compaction, the only thing that deletes revisions, waits for the batch that recorded it.
 */
class PutEvent implements Event {
  readonly type = 'PUT' as const;
  #store: MvccStore | undefined;
  #prev: KeyValue | undefined;

  constructor(
    readonly kv: KeyValue,
    store: MvccStore,
    private readonly prevMain: number,
    private readonly prevSub: number,
  ) {
    // prevMain 0: the key did not exist before this put.
    this.#store = prevMain > 0 ? store : undefined;
  }

  get prevKv(): KeyValue | undefined {
    if (this.#store !== undefined) {
      this.#prev = this.#store.readRevision(this.prevMain, this.prevSub);
      this.#store = undefined;
    }
    return this.#prev;
  }

  /** WriteTxn.put's result is the event itself: { prev } is the same lazily read value. */
  get prev(): KeyValue | undefined {
    return this.prevKv;
  }
}

/**
 * The member's state-machine database: one LevelDB whose key space is split into buckets by a
 * one-byte prefix, so that a single LevelDB batch can span every bucket. The applier writes the
 * data changes of a batch of raft entries and the consistent index into the pending batch and
 * commits them together: after a crash either both are on disk or neither is.
 *
 * Reads are synchronous (the MVCC read path must not yield to the event loop halfway through a
 * request): the pending batch and the batches still being written are consulted first, then
 * LevelDB's getSync. Iteration is asynchronous and sees committed data only.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { invariant } from '../base/assert.js';
import { nullLogger, type Logger } from '../base/logger.js';

export type BucketName = 'key' | 'meta' | 'lease' | 'members' | 'auth';

const BUCKET_PREFIX: Readonly<Record<BucketName, number>> = {
  key: 0x6b, // 'k'
  meta: 0x6d, // 'm'
  lease: 0x6c, // 'l'
  members: 0x4d, // 'M'
  auth: 0x61, // 'a'
};

/** One write of a batch, in the shape abstract-level's batch takes. */
export type BackendWrite =
  | { type: 'put'; bucket: BucketName; key: Buffer; value: Buffer }
  | { type: 'del'; bucket: BucketName; key: Buffer };

export interface IterateOptions {
  gte?: Buffer;
  lt?: Buffer;
  reverse?: boolean;
  limit?: number;
}

/** A write of a batch, keyed by the full (prefixed) LevelDB key. value undefined = delete. */
interface StagedWrite {
  fullKey: Buffer;
  value: Buffer | undefined;
}

interface FlushWaiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** Writes staged for one commit, keyed by the full key as a latin1 string (byte order preserved). */
type Layer = Map<string, StagedWrite>;

const SCAN_CHUNK = 4000;

/**
 * LevelDB's 8 MiB default block cache makes most reads of a large store decompress a block again;
 * etcd's bbolt serves every read from the page cache. A larger write buffer means fewer level-0
 * compactions under write load, at the cost of a longer log replay at open.
 */
const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;
const DEFAULT_WRITE_BUFFER_BYTES = 32 * 1024 * 1024;

export interface BackendOptions {
  logger?: Logger;
  cacheSizeBytes?: number;
  writeBufferBytes?: number;
}

export class Backend {
  /** Writes not yet handed to commit(). */
  private pending: Layer = new Map();
  /** Batches handed to commit() and not yet on disk, oldest first; still readable through get(). */
  private readonly writing: Layer[] = [];
  /** Tail of the serialized write chain: every batch starts after the previous one finished. */
  private chain: Promise<void> = Promise.resolve();
  /** Set once a write failed: the database is in an unknown state and nothing more is written. */
  private failure: Error | undefined;
  /** Callers of flushed() waiting for the writes that are pending now to reach the disk. */
  private flushWaiters: FlushWaiter[] = [];
  private closed = false;

  private constructor(
    private readonly db: Level<Buffer, Buffer>,
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  static async open(path: string, opts: BackendOptions = {}): Promise<Backend> {
    const db = new Level<Buffer, Buffer>(path, {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
      cacheSize: opts.cacheSizeBytes ?? DEFAULT_CACHE_BYTES,
      writeBufferSize: opts.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES,
    });
    await db.open();
    return new Backend(db, path, (opts.logger ?? nullLogger).child({ component: 'backend' }));
  }

  /** The newest value of key: staged writes first (newest batch first), then the database. */
  get(bucket: BucketName, key: Buffer): Buffer | undefined {
    const fullKey = prefixed(bucket, key);
    if (this.pending.size > 0 || this.writing.length > 0) {
      const id = fullKey.toString('latin1');
      const staged = this.pending.get(id) ?? this.findWriting(id);
      if (staged) return staged.value;
    }
    return this.db.getSync(fullKey);
  }

  /** Stages a put in the pending batch. The buffers are kept, not copied: do not mutate them. */
  put(bucket: BucketName, key: Buffer, value: Buffer): void {
    this.stage(prefixed(bucket, key), value);
  }

  /** Stages a delete in the pending batch. */
  del(bucket: BucketName, key: Buffer): void {
    this.stage(prefixed(bucket, key), undefined);
  }

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Writes the whole pending batch as one atomic LevelDB batch. Commits are written in call order;
   * until its batch is on disk, its writes stay readable through get().
   */
  commit(opts: { sync: boolean }): Promise<void> {
    invariant(!this.closed, 'backend is closed');
    if (this.failure) return Promise.reject(this.failure);
    const layer = this.pending;
    // Nothing to write: the caller may still rely on earlier commits being done.
    if (layer.size === 0) return this.chain;
    const waiters = this.flushWaiters;
    this.pending = new Map();
    this.flushWaiters = [];
    this.writing.push(layer);
    const done = this.enqueue(async () => {
      const batch = this.db.batch();
      for (const w of layer.values()) {
        if (w.value === undefined) batch.del(w.fullKey);
        else batch.put(w.fullKey, w.value);
      }
      await batch.write({ sync: opts.sync });
    }).finally(() => {
      invariant(this.writing[0] === layer, 'batches finish in the order they were committed');
      this.writing.shift();
    });
    done.then(
      () => waiters.forEach((w) => w.resolve()),
      (err: unknown) => waiters.forEach((w) => w.reject(err)),
    );
    return done;
  }

  /**
   * Writes a batch of its own, outside the pending one, in order with commits. For background work
   * whose writes must not drag the applier's half-built batch to disk (compaction's deletes).
   */
  writeDetached(writes: readonly BackendWrite[], opts: { sync: boolean }): Promise<void> {
    invariant(!this.closed, 'backend is closed');
    if (this.failure) return Promise.reject(this.failure);
    if (writes.length === 0) return this.chain;
    return this.enqueue(async () => {
      const batch = this.db.batch();
      for (const w of writes) {
        if (w.type === 'put') batch.put(prefixed(w.bucket, w.key), w.value);
        else batch.del(prefixed(w.bucket, w.key));
      }
      await batch.write({ sync: opts.sync });
    });
  }

  /**
   * Resolves once every write staged so far is on disk. Writes still pending need a commit() by
   * whoever owns the pending batch; this never commits by itself.
   */
  flushed(): Promise<void> {
    if (this.pending.size === 0) return this.chain;
    return new Promise((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
  }

  /** Committed entries of a bucket in key order, keys without the bucket prefix. */
  async *iterate(bucket: BucketName, opts: IterateOptions = {}): AsyncIterable<[Buffer, Buffer]> {
    for await (const chunk of this.iterateChunks(bucket, opts)) yield* chunk;
  }

  /** As iterate(), in chunks: far fewer promise turns for whole-bucket scans. */
  async *iterateChunks(bucket: BucketName, opts: IterateOptions = {}): AsyncIterable<Array<[Buffer, Buffer]>> {
    const prefix = BUCKET_PREFIX[bucket];
    const iterator = this.db.iterator({
      gte: opts.gte ? prefixed(bucket, opts.gte) : Buffer.from([prefix]),
      lt: opts.lt ? prefixed(bucket, opts.lt) : Buffer.from([prefix + 1]),
      reverse: opts.reverse ?? false,
      limit: opts.limit ?? -1,
      // Whole-bucket scans would evict the blocks that reads keep hot.
      fillCache: false,
    });
    yield* readAhead(iterator, (entries) => {
      for (const entry of entries) entry[0] = entry[0].subarray(1);
      return entries;
    });
  }

  /**
   * Every committed entry of every bucket, keys with their bucket prefix, read from one LevelDB
   * snapshot (so consistent with itself: the consistent index and the data it covers agree).
   * The raw form is what replaceAll() takes: a raft snapshot between members.
   */
  async *dumpAll(): AsyncIterable<Array<[Buffer, Buffer]>> {
    yield* readAhead(this.db.iterator({ fillCache: false }), (entries) => entries);
  }

  /**
   * Replaces the whole database with entries as dumpAll() yields them. Not atomic: a crash
   * halfway leaves a mix, so the caller records its intent first and redoes it at restart (the
   * raft log's snapshot marker does that). Nothing may be pending, and nothing else may read the
   * backend meanwhile: close the MVCC store first (its index and a running compaction pass
   * describe the old contents).
   */
  replaceAll(chunks: AsyncIterable<Array<[Buffer, Buffer]>>): Promise<void> {
    invariant(!this.closed, 'backend is closed');
    invariant(this.pending.size === 0, 'replaceAll with uncommitted writes');
    if (this.failure) return Promise.reject(this.failure);
    return this.enqueue(async () => {
      await this.db.clear();
      // Each chunk is written once the next one arrives, so that the last one can be synced.
      let previous: Array<[Buffer, Buffer]> | undefined;
      for await (const chunk of chunks) {
        if (previous) await this.writeRaw(previous, false);
        previous = chunk;
      }
      await this.writeRaw(previous ?? [], true);
    });
  }

  /** Approximate on-disk size: the bytes of the files in the database directory. */
  async sizeBytes(): Promise<number> {
    let total = 0;
    for (const name of await readdir(this.path)) {
      try {
        total += (await stat(join(this.path, name))).size;
      } catch {
        // LevelDB removed the file (a finished compaction) between readdir and stat.
      }
    }
    return total;
  }

  /** Waits for the batches already committed, then closes. Pending writes are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pending.size > 0) this.logger.warn({ writes: this.pending.size }, 'closing with uncommitted writes');
    await this.chain;
    await this.db.close();
  }

  private async writeRaw(entries: Array<[Buffer, Buffer]>, sync: boolean): Promise<void> {
    const batch = this.db.batch();
    for (const [key, value] of entries) batch.put(key, value);
    await batch.write({ sync });
  }

  private stage(fullKey: Buffer, value: Buffer | undefined): void {
    this.assertWritable();
    this.pending.set(fullKey.toString('latin1'), { fullKey, value });
  }

  private findWriting(id: string): StagedWrite | undefined {
    for (let i = this.writing.length - 1; i >= 0; i--) {
      const staged = this.writing[i]!.get(id);
      if (staged) return staged;
    }
    return undefined;
  }

  /** Appends a write to the chain; a failed write stops every later one (fail-stop). */
  private enqueue(write: () => Promise<void>): Promise<void> {
    const run = this.chain.then(() => {
      if (this.failure) throw this.failure;
      return write();
    });
    this.chain = run.catch((err: unknown) => {
      if (!this.failure) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.logger.error({ err: this.failure.message }, 'backend write failed; no further writes');
      }
    });
    return run;
  }

  private assertWritable(): void {
    invariant(!this.closed, 'backend is closed');
    if (this.failure) throw this.failure;
  }
}

function prefixed(bucket: BucketName, key: Buffer): Buffer {
  const full = Buffer.allocUnsafe(key.length + 1);
  full[0] = BUCKET_PREFIX[bucket];
  key.copy(full, 1);
  return full;
}

interface ChunkIterator {
  nextv(size: number): Promise<Array<[Buffer, Buffer]>>;
  close(): Promise<void>;
}

/**
 * Yields the iterator's chunks while LevelDB already reads the next one (on the thread pool), so
 * that reading and the consumer's work overlap. Closes the iterator however the loop ends.
 */
async function* readAhead(
  iterator: ChunkIterator,
  shape: (entries: Array<[Buffer, Buffer]>) => Array<[Buffer, Buffer]>,
): AsyncIterable<Array<[Buffer, Buffer]>> {
  let next = iterator.nextv(SCAN_CHUNK);
  try {
    for (;;) {
      const entries = await next;
      if (entries.length === 0) return;
      next = iterator.nextv(SCAN_CHUNK);
      yield shape(entries);
    }
  } finally {
    // An abandoned read-ahead must settle before the iterator closes.
    await next.catch(() => undefined);
    await iterator.close();
  }
}

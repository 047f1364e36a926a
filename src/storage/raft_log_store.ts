/**
 * The durable raft log: entries, hard state and snapshot markers in a WAL of segment files
 * (`<seq>-<firstIndex>.wal`, both 16 hex digits) under one directory (`<data-dir>/member/wal`
 * or `--wal-dir`). Record framing and torn-tail detection: wal_record.ts. Replay rules:
 * raft_log_replay.ts.
 *
 * Durability: every save() is one record, one write and one fdatasync (group commit: a whole Ready
 * per fsync), and resolves only after the fsync. New segment files are written as `.tmp`, synced,
 * renamed, and the directory synced. After any I/O error the store refuses all further work: a
 * failed fsync may have dropped the data it was meant to flush, so the only safe move is to stop
 * and recover from what is on disk.
 *
 * Each segment starts with a header record, then the snapshot marker and hard state current when
 * it was started, so releasing older segments never loses either. A host persisting a Ready that
 * carries a snapshot calls saveSnapshotMarker() before save(), so a crash between the two never
 * leaves a hard state committing entries the log does not have.
 */
import { join } from 'node:path';
import { invariant } from '../base/assert.js';
import { nullLogger, type Logger } from '../base/logger.js';
import type { Entry, HardState, SnapshotMetadata } from '../raft/types.js';
import { nodeDisk, type Disk, type DiskFile } from './disk.js';
import { LogTerms } from './raft_log_terms.js';
import { LogReplay, ReplayError, emptyHardState, type RaftLogState } from './raft_log_replay.js';
import { frameRecord, scanRecords, WalRecordType, type WalRecord } from './wal_record.js';
import {
  WAL_FORMAT_VERSION,
  decodeBatch,
  decodeSegmentHeader,
  decodeSnapshotMarker,
  encodeBatch,
  encodeSegmentHeader,
  encodeSnapshotMarker,
} from './wal_payload.js';

export type { RaftLogState } from './raft_log_replay.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface RaftLogStoreOptions {
  logger?: Logger;
  /** File-system seam (tests count fsyncs or inject faults through it). */
  disk?: Disk;
  /** A segment is closed and a new one started once a save leaves it at least this large. */
  segmentBytes?: number;
}

/** The WAL holds something the writer cannot have produced: the node must not start on it. */
export class WalCorruptionError extends Error {
  override name = 'WalCorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`WAL corrupt: ${file} at offset ${offset}: ${reason}`);
  }
}

interface Segment {
  seq: number;
  firstIndex: number;
  path: string;
}

const SEGMENT_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

function segmentName(seq: number, firstIndex: number): string {
  return `${seq.toString(16).padStart(16, '0')}-${firstIndex.toString(16).padStart(16, '0')}.wal`;
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function isEmptyHardState(hs: HardState): boolean {
  return hardStateEqual(hs, emptyHardState());
}

export class RaftLogStore {
  /** Settles when the previous operation has; operations run one at a time, in call order. */
  private queue: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly disk: Disk,
    private readonly logger: Logger,
    private readonly segmentBytes: number,
    private readonly segments: Segment[],
    private tail: DiskFile,
    private tailSize: number,
    private hardState: HardState,
    private snapshot: SnapshotMetadata | undefined,
    /** The stored log's shape, to refuse writes that replay would reject. */
    private readonly terms: LogTerms,
  ) {}

  static async open(
    dir: string,
    opts: RaftLogStoreOptions = {},
  ): Promise<{ store: RaftLogStore; state: RaftLogState; fresh: boolean }> {
    const disk = opts.disk ?? nodeDisk;
    const logger = (opts.logger ?? nullLogger).child({ component: 'wal' });
    const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    invariant(segmentBytes > 0, 'segmentBytes must be positive');
    await disk.mkdirp(dir);
    const segments = await listSegments(disk, dir, logger);

    const scanned: { segment: Segment; records: WalRecord[]; validEnd: number }[] = [];
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      const bytes = await disk.readFile(segment.path);
      const scan = scanRecords(bytes);
      if (scan.damage) {
        if (i < segments.length - 1 || !scan.damage.torn) throw new WalCorruptionError(segment.path, scan.damage.offset, scan.damage.reason);
        await repairTornTail(disk, segment.path, bytes, scan.validEnd, scan.damage.reason, logger);
      }
      scanned.push({ segment, records: scan.records, validEnd: scan.validEnd });
    }
    if (scanned.length > 0 && scanned.at(-1)!.records.length === 0) {
      // Its header was synced before the file got its name, so only a lying fsync (or a hand)
      // empties a last segment; nothing in it was ever acknowledged.
      const empty = scanned.pop()!;
      segments.pop();
      await disk.remove(empty.segment.path);
      await disk.syncDir(dir);
      logger.warn({ file: empty.segment.path }, 'removed an empty last WAL segment');
    }
    if (segments.length === 0) return RaftLogStore.create(dir, disk, logger, segmentBytes);

    const replay = new LogReplay();
    for (const { segment, records } of scanned) applySegment(replay, segment, records);
    let state: RaftLogState;
    try {
      state = replay.finish();
    } catch (err) {
      if (!(err instanceof ReplayError)) throw err;
      const last = segments.at(-1)!;
      throw new WalCorruptionError(last.path, scanned.at(-1)!.validEnd, `after reading every segment: ${err.message}`);
    }
    const tailSegment = segments.at(-1)!;
    const tail = await disk.open(tailSegment.path, 'readwrite');
    const terms = LogTerms.of(state.snapshot, state.entries);
    const tailSize = scanned.at(-1)!.validEnd;
    const store = new RaftLogStore(dir, disk, logger, segmentBytes, segments, tail, tailSize, state.hardState, state.snapshot, terms);
    logger.info(
      { dir, segments: segments.length, entries: state.entries.length, lastIndex: terms.lastIndex, snapshotIndex: state.snapshot?.index ?? 0 },
      'opened the WAL',
    );
    return { store, state, fresh: false };
  }

  private static async create(dir: string, disk: Disk, logger: Logger, segmentBytes: number): Promise<{ store: RaftLogStore; state: RaftLogState; fresh: boolean }> {
    const first = await createSegment(disk, dir, 0, 1, [segmentHeaderRecord(0, 1)]);
    const store = new RaftLogStore(dir, disk, logger, segmentBytes, [first.segment], first.file, first.size, emptyHardState(), undefined, new LogTerms());
    logger.info({ dir }, 'created a new WAL');
    return { store, state: { hardState: emptyHardState(), entries: [] }, fresh: true };
  }

  /**
   * Appends `entries` (overwriting any stored suffix from entries[0].index on) and records
   * `hardState`, with one fsync. Resolves once both are durable; nothing to write means no fsync.
   */
  save(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void> {
    return this.enqueue(async () => {
      const newHardState = hardState && !hardStateEqual(hardState, this.hardState) ? { ...hardState } : undefined;
      if (entries.length === 0 && !newHardState) return;
      // Checks the entries against the stored log before anything is written; if the write then
      // fails, the store is poisoned, so the early update never describes a log anyone reads.
      this.terms.append(entries);
      await this.append(frameRecord(WalRecordType.Batch, encodeBatch(entries, newHardState)));
      if (newHardState) this.hardState = newHardState;
      if (this.tailSize >= this.segmentBytes) await this.startSegment();
    });
  }

  /** Durably records that a snapshot at meta.index exists (its file must already be durable). */
  saveSnapshotMarker(meta: SnapshotMetadata): Promise<void> {
    return this.enqueue(async () => {
      const current = this.snapshot;
      if (current && meta.index <= current.index) {
        invariant(meta.index === current.index, () => `snapshot marker ${meta.index} is older than the one at ${current.index}`);
        invariant(meta.term === current.term, () => `snapshot ${meta.index} saved again with term ${meta.term}, was ${current.term}`);
        return;
      }
      const replacesLog = !this.terms.holds(meta);
      await this.append(frameRecord(WalRecordType.SnapshotMarker, encodeSnapshotMarker({ metadata: meta, replacesLog })));
      this.snapshot = meta;
      this.terms.applySnapshot(meta);
    });
  }

  /** Deletes old segments whose entries all lie below `index` and are covered by the durable snapshot. */
  releaseBefore(index: number): Promise<void> {
    return this.enqueue(async () => {
      const limit = Math.min(index, (this.snapshot?.index ?? 0) + 1);
      // The live entries of a segment all lie below the index the next segment started at; the
      // hard state and snapshot marker live on in the heads of later segments.
      while (this.segments.length > 1 && this.segments[1]!.firstIndex <= limit) {
        const released = this.segments[0]!;
        await this.disk.remove(released.path);
        // One directory sync per unlink: a crash must never leave a gap in the sequence.
        await this.disk.syncDir(this.dir);
        this.segments.shift();
        this.logger.debug({ file: released.path }, 'released a WAL segment');
      }
    });
  }

  /** Waits for pending work, then closes the tail segment (also after a failure). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.tail.close();
  }

  /** Segment files in use, oldest first (for tests and diagnostics). */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.path);
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`WAL ${this.dir} is closed`));
    const run = this.queue.then(() => {
      if (this.failure) throw new Error(`WAL ${this.dir} failed earlier and accepts no more work`, { cause: this.failure });
      return op();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** One write, one fsync; any I/O failure poisons the store. */
  private async append(record: Buffer): Promise<void> {
    try {
      await this.tail.write(record, this.tailSize);
      await this.tail.sync();
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
    this.tailSize += record.length;
  }

  private async startSegment(): Promise<void> {
    const seq = this.segments.at(-1)!.seq + 1;
    const firstIndex = this.terms.lastIndex + 1;
    const head = [segmentHeaderRecord(seq, firstIndex)];
    // The copy in a head keeps the log: the log after it is the current one.
    if (this.snapshot) head.push(frameRecord(WalRecordType.SnapshotMarker, encodeSnapshotMarker({ metadata: this.snapshot, replacesLog: false })));
    if (!isEmptyHardState(this.hardState)) head.push(frameRecord(WalRecordType.Batch, encodeBatch([], this.hardState)));
    try {
      const next = await createSegment(this.disk, this.dir, seq, firstIndex, head);
      await this.tail.close();
      this.tail = next.file;
      this.tailSize = next.size;
      this.segments.push(next.segment);
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
    this.logger.debug({ seq, firstIndex }, 'started a WAL segment');
  }
}

function segmentHeaderRecord(seq: number, firstIndex: number): Buffer {
  return frameRecord(WalRecordType.SegmentHeader, encodeSegmentHeader({ version: WAL_FORMAT_VERSION, seq, firstIndex }));
}

async function listSegments(disk: Disk, dir: string, logger: Logger): Promise<Segment[]> {
  const segments: Segment[] = [];
  let removedTemp = false;
  for (const name of await disk.list(dir)) {
    if (name.endsWith('.tmp')) {
      // A segment whose creation did not finish: it was never part of the log.
      await disk.remove(join(dir, name));
      removedTemp = true;
      logger.warn({ file: name }, 'removed an unfinished WAL segment');
      continue;
    }
    const m = SEGMENT_NAME.exec(name);
    if (m) segments.push({ seq: parseInt(m[1]!, 16), firstIndex: parseInt(m[2]!, 16), path: join(dir, name) });
  }
  if (removedTemp) await disk.syncDir(dir);
  segments.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segments.length; i++) {
    if (segments[i]!.seq !== segments[i - 1]!.seq + 1) {
      throw new WalCorruptionError(segments[i]!.path, 0, `segment ${segments[i - 1]!.seq + 1} is missing before it`);
    }
  }
  return segments;
}

async function createSegment(
  disk: Disk,
  dir: string,
  seq: number,
  firstIndex: number,
  head: Buffer[],
): Promise<{ segment: Segment; file: DiskFile; size: number }> {
  const path = join(dir, segmentName(seq, firstIndex));
  invariant(!(await disk.exists(path)), () => `WAL segment ${path} already exists`);
  const tmp = `${path}.tmp`;
  const bytes = Buffer.concat(head);
  const file = await disk.create(tmp);
  try {
    await file.write(bytes, 0);
    await file.sync();
    await disk.rename(tmp, path);
    await disk.syncDir(dir);
  } catch (err) {
    await file.close().catch(() => {});
    throw err;
  }
  return { segment: { seq, firstIndex, path }, file, size: bytes.length };
}

/** Keeps the torn bytes beside the segment for forensics, then cuts them off durably. */
async function repairTornTail(disk: Disk, path: string, bytes: Buffer, validEnd: number, reason: string, logger: Logger): Promise<void> {
  const evidence = `${path}.${validEnd}.broken`;
  const copy = await disk.create(evidence);
  try {
    await copy.write(bytes.subarray(validEnd), 0);
    await copy.sync();
  } finally {
    await copy.close();
  }
  const file = await disk.open(path, 'readwrite');
  try {
    await file.truncate(validEnd);
    await file.sync();
  } finally {
    await file.close();
  }
  await disk.syncDir(join(path, '..'));
  logger.warn({ file: path, offset: validEnd, cutBytes: bytes.length - validEnd, reason, evidence }, 'repaired a torn WAL tail');
}

function applySegment(replay: LogReplay, segment: Segment, records: readonly WalRecord[]): void {
  const fail = (offset: number, reason: string): never => {
    throw new WalCorruptionError(segment.path, offset, reason);
  };
  if (records.length === 0) fail(0, 'segment holds no records, not even its header');
  records.forEach((record, i) => {
    try {
      if (record.type === WalRecordType.SegmentHeader) {
        if (i !== 0) fail(record.offset, 'segment header record in the middle of a segment');
        const header = decodeSegmentHeader(record.payload);
        if (header.seq !== segment.seq) fail(record.offset, `segment header says sequence ${header.seq}, the file name ${segment.seq}`);
        return;
      }
      if (i === 0) fail(record.offset, 'segment does not start with a header record');
      if (record.type === WalRecordType.Batch) {
        const batch = decodeBatch(record.payload);
        replay.applyEntries(batch.entries);
        if (batch.hardState) replay.applyHardState(batch.hardState);
      } else {
        const marker = decodeSnapshotMarker(record.payload);
        replay.applySnapshotMarker(marker.metadata, marker.replacesLog);
      }
    } catch (err) {
      if (err instanceof WalCorruptionError) throw err;
      throw new WalCorruptionError(segment.path, record.offset, err instanceof Error ? err.message : String(err));
    }
  });
}

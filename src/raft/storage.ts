/**
 * The core's read-only view of the durable log, and an in-memory implementation of it.
 *
 * The core never writes storage: the host persists what a Ready asks for (to disk and to its
 * LogStorage), then calls advance(). Reads are synchronous, so the host keeps the log since the
 * last snapshot in memory (MemoryLogStorage), rebuilt at boot from its durable log.
 */
import { invariant } from '../base/assert.js';
import { emptyConfState, normalizeConfState } from './conf_state.js';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js';
import type { ConfState, Entry, HardState, NodeId, Snapshot } from './types.js';
import { EntryType } from './types.js';
import { EMPTY_BYTES, limitSize } from './util.js';

export interface LogStorage {
  /**
   * The persisted hard state and the configuration of the latest snapshot (the config as of
   * firstIndex()-1). Conf changes in the log after the snapshot are replayed by the core up to
   * RaftConfig.applied, or re-delivered as committed entries above it; do not fold them in here.
   */
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most maxSizeBytes of them but at least one. Throws CompactedError / UnavailableError. */
  entries(lo: number, hi: number, maxSizeBytes: number): Entry[];
  /** Term of the entry at index, for index in [firstIndex()-1, lastIndex()]. Throws CompactedError / UnavailableError. */
  term(index: number): number;
  /** Index of the first entry still held; the snapshot covers everything before it. */
  firstIndex(): number;
  /** Index of the last entry (firstIndex()-1 when the log is empty). */
  lastIndex(): number;
  /** The latest snapshot. May throw SnapshotTemporarilyUnavailableError while one is being prepared. */
  snapshot(): Snapshot;
}

export function emptyHardState(): HardState {
  return { term: 0, vote: 0n, commit: 0 };
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === 0n && hs.commit === 0;
}

export function hardStatesEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function emptySnapshot(): Snapshot {
  return { data: EMPTY_BYTES, metadata: { index: 0, term: 0, confState: emptyConfState() } };
}

/** The index at which bootstrapState() places the initial configuration. */
export const BOOTSTRAP_INDEX = 1;

/**
 * The durable state a brand-new cluster starts from: a snapshot at index 1, term 1 holding the
 * initial configuration, and a hard state at term 1 with that index committed. Every founding member
 * persists exactly this before its first RawNode; a member that joins later starts empty and gets
 * the configuration from the leader (as a snapshot, because the leader's log starts after index 1).
 *
 * Why not index 0: a node with an empty log matches any leader at index 0, so a joiner would be
 * sent entries from index 1 on and would never learn the founding configuration.
 */
export function bootstrapState(
  voters: readonly NodeId[],
  learners: readonly NodeId[] = [],
): { snapshot: Snapshot; hardState: HardState } {
  invariant(voters.length > 0, 'bootstrap needs at least one voter');
  const confState = normalizeConfState({ ...emptyConfState(), voters: [...voters], learners: [...learners] });
  return {
    snapshot: { data: EMPTY_BYTES, metadata: { index: BOOTSTRAP_INDEX, term: 1, confState } },
    hardState: { term: 1, vote: 0n, commit: BOOTSTRAP_INDEX },
  };
}

/**
 * LogStorage in memory. entries[0] is a placeholder for the entry the snapshot covers last (its index
 * and term are the snapshot's), so term(firstIndex()-1) is always answerable.
 */
export class MemoryLogStorage implements LogStorage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot = emptySnapshot();
  /** entries[i].index === entries[0].index + i; entries[0] is the placeholder. */
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }];

  /** A storage holding bootstrapState(voters, learners): the first boot of a founding member. */
  static bootstrap(voters: readonly NodeId[], learners: readonly NodeId[] = []): MemoryLogStorage {
    const s = new MemoryLogStorage();
    const { snapshot, hardState } = bootstrapState(voters, learners);
    s.applySnapshot(snapshot);
    s.setHardState(hardState);
    return s;
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: this.snap.metadata.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  private get offset(): number {
    return this.ents[0]!.index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(index: number): number {
    const offset = this.offset;
    if (index < offset) throw new CompactedError(index, offset + 1);
    if (index - offset >= this.ents.length) throw new UnavailableError(index, this.lastIndex());
    return this.ents[index - offset]!.term;
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    const offset = this.offset;
    if (lo <= offset) throw new CompactedError(lo, offset + 1);
    invariant(lo <= hi, () => `entries: bad range [${lo}, ${hi})`);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSizeBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log by the snapshot (the snapshot is newer than anything held). */
  applySnapshot(snap: Snapshot): void {
    const index = snap.metadata.index;
    invariant(
      index > 0,
      'a snapshot at index 0 cannot carry a configuration; bootstrap a cluster with bootstrapState() / MemoryLogStorage.bootstrap()',
    );
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    this.snap = snap;
    this.ents = [{ term: snap.metadata.term, index, type: EntryType.Normal, data: EMPTY_BYTES }];
  }

  /**
   * Records a snapshot of the application state at `index` (which the host has applied). Entries stay
   * until compact() is called, so slow followers can still catch up from the log.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    invariant(index <= this.lastIndex(), () => `snapshot ${index} is beyond the last index ${this.lastIndex()}`);
    this.snap = { data, metadata: { index, term: this.term(index), confState: normalizeConfState(confState) } };
    return this.snap;
  }

  /** Discards the entries before `index`; the entry at `index` becomes the placeholder. */
  compact(index: number): void {
    const offset = this.offset;
    if (index <= offset) throw new CompactedError(index, offset + 1);
    invariant(index <= this.lastIndex(), () => `compact ${index} is beyond the last index ${this.lastIndex()}`);
    const placeholder = this.ents[index - offset]!;
    this.ents = [
      { term: placeholder.term, index: placeholder.index, type: EntryType.Normal, data: EMPTY_BYTES },
      ...this.ents.slice(index - offset + 1),
    ];
  }

  /**
   * Appends entries, replacing any existing suffix from the first new index on (the log-matching
   * property guarantees everything before it agrees). Entries already compacted are skipped.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[entries.length - 1]!.index;
    if (last < first) return;
    let ents = entries;
    if (first > ents[0]!.index) ents = ents.slice(first - ents[0]!.index);
    const at = ents[0]!.index - this.offset;
    invariant(at <= this.ents.length, () => `missing log entries: last index ${this.lastIndex()}, appending at ${ents[0]!.index}`);
    if (at < this.ents.length) this.ents = this.ents.slice(0, at);
    for (const e of ents) this.ents.push(e);
  }
}

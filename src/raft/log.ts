/**
 * The node's log: the durable part (LogStorage) followed by the unstable tail, with the commit and
 * apply cursors. Invariant: firstIndex()-1 <= applied <= committed <= lastIndex().
 */
import { invariant } from '../base/assert.js';
import { CompactedError, UnavailableError } from './errors.js';
import { UnstableLog } from './log_unstable.js';
import type { LogStorage } from './storage.js';
import type { Entry, Snapshot } from './types.js';
import { limitSize } from './util.js';

/** An (index, term) pair naming one entry. */
export interface EntryId {
  index: number;
  term: number;
}

export class RaftLog {
  readonly storage: LogStorage;
  readonly unstable: UnstableLog;
  /** Highest index known to be committed on a quorum. Never decreases. */
  committed: number;
  /** Highest index the application has applied. applied <= committed. */
  applied: number;
  /** Bound on the bytes of committed entries handed out in one Ready. */
  readonly maxApplyingBytes: number;

  constructor(storage: LogStorage, maxApplyingBytes: number) {
    this.storage = storage;
    this.maxApplyingBytes = maxApplyingBytes;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    // Everything the snapshot covers is committed and applied by definition.
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  lastEntryId(): EntryId {
    const index = this.lastIndex();
    return { index, term: this.term(index) };
  }

  /** Term of the entry at index, for index in [firstIndex()-1, lastIndex()]; throws CompactedError / UnavailableError otherwise. */
  term(index: number): number {
    const t = this.termIfHeld(index);
    if (t !== undefined) return t;
    const first = this.firstIndex();
    if (index + 1 < first) throw new CompactedError(index, first);
    throw new UnavailableError(index, this.lastIndex());
  }

  /**
   * The term at index, or undefined when the index is outside [firstIndex()-1, lastIndex()]. The
   * non-throwing form of term(): followers ask it for every append, and exceptions are costly.
   */
  private termIfHeld(index: number): number | undefined {
    const t = this.unstable.maybeTerm(index);
    if (t !== undefined) return t;
    if (index + 1 < this.firstIndex() || index > this.lastIndex()) return undefined;
    return this.storage.term(index);
  }

  /** The term at index, or 0 when the index is outside the log (compacted or beyond the end). */
  termOrZero(index: number): number {
    return this.termIfHeld(index) ?? 0;
  }

  matchTerm(index: number, term: number): boolean {
    return this.termIfHeld(index) === term;
  }

  /**
   * Raft §5.4.1: a candidate's log is at least as up-to-date as ours when its last term is higher,
   * or equal with a last index at least ours.
   */
  isUpToDate(candidate: EntryId): boolean {
    const last = this.lastEntryId();
    return candidate.term > last.term || (candidate.term === last.term && candidate.index >= last.index);
  }

  /**
   * The follower side of AppendEntries: if our log holds (prevIndex, prevTerm), append the entries
   * (dropping any conflicting suffix), advance the commit index up to what the leader vouches for,
   * and return the index of the last new entry (and where our log was truncated, if it was). Returns
   * undefined when the logs do not match at prevIndex.
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    leaderCommit: number,
    entries: readonly Entry[],
  ): { lastNew: number; truncatedFrom: number | undefined } | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    let truncatedFrom: number | undefined;
    if (conflict !== 0) {
      invariant(conflict > this.committed, () => `entry ${conflict} conflicts with committed entry (committed ${this.committed})`);
      if (conflict <= this.lastIndex()) truncatedFrom = conflict;
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    // Only up to lastNew: beyond it our log may still disagree with the leader's.
    this.commitTo(Math.min(leaderCommit, lastNew));
    return { lastNew, truncatedFrom };
  }

  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0]!.index - 1;
    invariant(after >= this.committed, () => `cannot append after ${after}: it is below committed ${this.committed}`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * The index of the first entry that is new or disagrees with our log (0 if all are already here).
   * Entries must be contiguous.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term: the last entry that may still
   * match a log whose entry at `index` has term `term`. Used on both sides of a rejected append to skip
   * a whole term per round trip instead of one entry (thesis §5.3, "fast backtracking"). An unknown term
   * (compacted or beyond our log) is returned as a possible match with term 0.
   */
  findConflictByTerm(index: number, term: number): EntryId {
    for (; index > 0; index--) {
      let ours: number;
      try {
        ours = this.term(index);
      } catch (err) {
        if (err instanceof CompactedError || err instanceof UnavailableError) return { index, term: 0 };
        throw err;
      }
      if (ours <= term) return { index, term: ours };
    }
    return { index: 0, term: 0 };
  }

  hasNextUnstableEntries(): boolean {
    return this.unstable.entries.length > 0;
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  hasNextOrInProgressSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Committed entries not yet applied, bounded by maxApplyingBytes. None while a snapshot is pending. */
  nextCommittedEntries(): Entry[] {
    if (this.hasNextOrInProgressSnapshot()) return [];
    const lo = this.applied + 1;
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    return this.slice(lo, hi, this.maxApplyingBytes);
  }

  hasNextCommittedEntries(): boolean {
    return !this.hasNextOrInProgressSnapshot() && this.applied < this.committed;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    invariant(index <= this.lastIndex(), () => `commit ${index} is out of range (last index ${this.lastIndex()}); was the log truncated or lost?`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    invariant(
      this.applied <= index && index <= this.committed,
      () => `applied ${index} is out of range [prevApplied ${this.applied}, committed ${this.committed}]`,
    );
    this.applied = index;
  }

  stableTo(id: EntryId): void {
    this.unstable.stableTo(id.index, id.term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }

  /**
   * Commits up to maxIndex if that entry is of the given term. The leader passes its current term:
   * raft §5.4.2 — an entry of an earlier term is never committed by counting replicas, only indirectly
   * by committing a later entry of the current term (the Figure 8 scenario).
   */
  maybeCommit(maxIndex: number, term: number, skipTermCheck = false): boolean {
    if (maxIndex > this.committed && (skipTermCheck || this.termOrZero(maxIndex) === term)) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries in [lo, hi), at most maxSizeBytes (but at least one). Throws CompactedError if lo is compacted. */
  slice(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    this.checkOutOfBounds(lo, hi);
    if (lo === hi) return [];
    let ents: Entry[] = [];
    const offset = this.unstable.offset;
    if (lo < offset) {
      const stored = this.storage.entries(lo, Math.min(hi, offset), maxSizeBytes);
      // Storage returned fewer than asked for (size limit): the rest would exceed the limit anyway.
      if (stored.length < Math.min(hi, offset) - lo) return stored;
      ents = stored;
    }
    if (hi > offset) {
      const fromUnstable = this.unstable.slice(Math.max(lo, offset), hi);
      ents = ents.length > 0 ? ents.concat(fromUnstable) : fromUnstable;
    }
    return limitSize(ents, maxSizeBytes);
  }

  /** Entries from index lo to the end, bounded in bytes. */
  entriesFrom(lo: number, maxSizeBytes: number): Entry[] {
    const last = this.lastIndex();
    if (lo > last) return [];
    return this.slice(lo, last + 1, maxSizeBytes);
  }

  private checkOutOfBounds(lo: number, hi: number): void {
    invariant(lo <= hi, () => `invalid slice ${lo} > ${hi}`);
    const first = this.firstIndex();
    if (lo < first) throw new CompactedError(lo, first);
    const length = this.lastIndex() + 1 - first;
    invariant(hi <= first + length, () => `slice[${lo},${hi}) out of bound [${first},${this.lastIndex()}]`);
  }
}

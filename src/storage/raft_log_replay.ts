/**
 * Rebuilds the raft log's durable state by folding WAL records in the order they were written.
 * Pure, so the truncation and snapshot rules are testable without files.
 *
 * Rules:
 *  - An entry at index i replaces the stored entry at i and drops everything after it (raft only
 *    rewrites an uncommitted suffix; the later write wins, as in etcd's WAL).
 *  - A snapshot marker (S, T) makes entries <= S unnecessary. If the writer found entry S with
 *    term T in the log (a local snapshot), the entries after S stay; otherwise the snapshot came
 *    from a leader and replaced a log it does not match, so every entry written before the marker
 *    is void (raft's restore() did the same in memory). The writer records which case it was.
 *  - After old segments were released, replay starts mid-log: the first entry seen may follow a
 *    gap, which a later snapshot marker must cover; finish() checks that it did.
 */
import type { Entry, HardState, SnapshotMetadata } from '../raft/types.js';

export interface RaftLogState {
  hardState: HardState;
  snapshot?: SnapshotMetadata;
  /** Entries after the snapshot index, contiguous, conflicts resolved. */
  entries: Entry[];
}

/** A record sequence that the writer cannot have produced. The store adds the file and offset. */
export class ReplayError extends Error {
  override name = 'ReplayError';
}

export function emptyHardState(): HardState {
  return { term: 0, vote: 0n, commit: 0 };
}

export class LogReplay {
  private hardState: HardState = emptyHardState();
  private snapshot: SnapshotMetadata | undefined;
  private entries: Entry[] = [];

  private snapshotIndex(): number {
    return this.snapshot?.index ?? 0;
  }

  applyEntries(batch: readonly Entry[]): void {
    for (const e of batch) this.applyEntry(e);
  }

  private applyEntry(e: Entry): void {
    if (e.index <= this.snapshotIndex()) {
      throw new ReplayError(`entry ${e.index} is at or below the snapshot at ${this.snapshotIndex()}`);
    }
    const first = this.entries[0]?.index;
    if (first === undefined || e.index < first) {
      this.entries = [e];
      return;
    }
    const last = first + this.entries.length - 1;
    if (e.index > last + 1) throw new ReplayError(`entry ${e.index} leaves a gap after entry ${last}`);
    if (e.index <= last) this.entries.length = e.index - first;
    this.entries.push(e);
  }

  applyHardState(hs: HardState): void {
    this.hardState = hs;
  }

  applySnapshotMarker(meta: SnapshotMetadata, replacesLog: boolean): void {
    const current = this.snapshot;
    if (current && meta.index < current.index) {
      throw new ReplayError(`snapshot marker ${meta.index} is older than the snapshot at ${current.index}`);
    }
    if (current && meta.index === current.index) {
      if (meta.term !== current.term) {
        throw new ReplayError(`snapshot marker ${meta.index} has term ${meta.term}, an earlier one term ${current.term}`);
      }
      return;
    }
    if (replacesLog) {
      this.entries = [];
    } else {
      const first = this.entries[0]?.index;
      const atSnapshot = first === undefined ? undefined : this.entries[meta.index - first];
      if (atSnapshot && atSnapshot.term !== meta.term) {
        throw new ReplayError(`snapshot marker ${meta.index}/${meta.term} was written as held by the log, whose entry has term ${atSnapshot.term}`);
      }
      this.entries = this.entries.filter((e) => e.index > meta.index);
    }
    this.snapshot = meta;
  }

  /** The final state, after checking that the records added up to a well-formed log. */
  finish(): RaftLogState {
    const snapshotIndex = this.snapshotIndex();
    const first = this.entries[0]?.index;
    if (first !== undefined && first !== snapshotIndex + 1) {
      throw new ReplayError(`the log starts at entry ${first} but the newest snapshot is at ${snapshotIndex}: entries are missing`);
    }
    const lastIndex = first === undefined ? snapshotIndex : first + this.entries.length - 1;
    const hardState = { ...this.hardState };
    if (hardState.commit > lastIndex) {
      throw new ReplayError(`the hard state commits entry ${hardState.commit} but the log ends at ${lastIndex}: entries are missing`);
    }
    // A snapshot is only ever of committed state; the marker may have been saved just before the
    // hard state that says so, and raft refuses a commit below its snapshot.
    if (hardState.commit < snapshotIndex) hardState.commit = snapshotIndex;
    const state: RaftLogState = { hardState, entries: this.entries };
    if (this.snapshot) state.snapshot = this.snapshot;
    return state;
  }
}

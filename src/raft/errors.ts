/**
 * Expected outcomes of the raft core, as typed errors. A broken invariant is not one of these: it is
 * an AssertionFailure from base/assert.ts and stops the process.
 */

/** Why a proposal was refused. The server maps these to etcd's `no leader` / `leader changed`. */
export type ProposalDropReason =
  | 'no-leader'
  | 'leader-transfer'
  | 'not-a-member'
  | 'conf-change-pending'
  /** The conf change cannot apply to the current configuration (e.g. must leave a joint config first). */
  | 'conf-change-invalid'
  | 'forwarding-disabled'
  | 'uncommitted-size-limit';

/** The proposal was not appended anywhere; retrying later (or elsewhere) is safe. */
export class ProposalDroppedError extends Error {
  override name = 'ProposalDroppedError';
  constructor(
    readonly reason: ProposalDropReason,
    detail?: string,
  ) {
    super(`raft proposal dropped: ${reason}${detail === undefined ? '' : ` (${detail})`}`);
  }
}

/** The requested index is below the first index the storage still holds (compacted into a snapshot). */
export class CompactedError extends Error {
  override name = 'CompactedError';
  constructor(index: number, firstIndex: number) {
    super(`requested index ${index} is unavailable due to compaction (first index ${firstIndex})`);
  }
}

/** The requested index is above the last index the storage holds. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
  constructor(index: number, lastIndex: number) {
    super(`requested entry at index ${index} is unavailable (last index ${lastIndex})`);
  }
}

/** A snapshot older than (or as old as) the one the storage already holds. */
export class SnapshotOutOfDateError extends Error {
  override name = 'SnapshotOutOfDateError';
  constructor(index: number, current: number) {
    super(`requested snapshot index ${index} is older than the existing snapshot (index ${current})`);
  }
}

/** Storage may throw this from snapshot() when it is still preparing one; the leader retries later. */
export class SnapshotTemporarilyUnavailableError extends Error {
  override name = 'SnapshotTemporarilyUnavailableError';
  constructor() {
    super('snapshot is temporarily unavailable');
  }
}

/** A RaftConfig that cannot work; thrown by the RawNode constructor. */
export class RaftConfigError extends Error {
  override name = 'RaftConfigError';
}

/** A conf change that cannot be applied to the current configuration. */
export class ConfChangeError extends Error {
  override name = 'ConfChangeError';
}

/** RawNode.step was given a message type that only the node itself may generate. */
export class StepLocalMessageError extends Error {
  override name = 'StepLocalMessageError';
}

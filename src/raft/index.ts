/**
 * The raft core: a pure, synchronous, deterministic Raft state machine (no I/O, timers, clock or
 * global randomness). See raw_node.ts for the host loop and ready.ts for the persistence contract.
 */
export * from './types.js';
export type { RaftConfig } from './config.js';
export type { LogStorage } from './storage.js';
export {
  MemoryLogStorage,
  bootstrapState,
  BOOTSTRAP_INDEX,
  emptyHardState,
  emptySnapshot,
  isEmptyHardState,
  hardStatesEqual,
} from './storage.js';
export { RawNode } from './raw_node.js';
export { newMessage } from './raft.js';
export type { Ready, Status, ProgressStatus } from './ready.js';
export type { ProgressState } from './tracker/progress.js';
export type { ReadOnlyOption } from './read_only.js';
export {
  ProposalDroppedError,
  type ProposalDropReason,
  CompactedError,
  UnavailableError,
  SnapshotOutOfDateError,
  SnapshotTemporarilyUnavailableError,
  RaftConfigError,
  ConfChangeError,
  StepLocalMessageError,
} from './errors.js';
export { encodeConfChangeV2, decodeConfChangeV2, isLeaveJoint, leaveJointConfChange } from './confchange/codec.js';
export { emptyConfState, normalizeConfState, confStatesEqual, confStateMembers } from './conf_state.js';
export {
  describeBytes,
  describeConfChange,
  describeConfState,
  describeEntry,
  describeEntries,
  describeHardState,
  describeMessage,
  describeReadState,
  describeReady,
  describeSnapshot,
  describeSoftState,
  describeStateType,
} from './describe.js';
export { isLocalMessage, isResponseMessage, entrySize } from './util.js';
export { raftTestBugs, resetRaftTestBugs, type RaftTestBug } from './testing_bugs.js';

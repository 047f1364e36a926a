/**
 * The raft core's data types (the shape of etcd-io/raft's raftpb). The core works on these plain
 * objects; storage/ and peer/ own their binary encodings. Node ids are 64-bit (bigint), indexes and
 * terms are safe integers (number).
 *
 * This file is a contract shared by raft/, storage/, peer/, server/ and test/sim: fields may be
 * added, not renamed or removed.
 */

export type NodeId = bigint;
/** "No node": no leader known, no vote cast. */
export const NONE: NodeId = 0n;

export enum EntryType {
  Normal = 0,
  /** data = encoded ConfChangeV2 (joint consensus or simple change). */
  ConfChangeV2 = 2,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** What must be durable before any message that vouches for it leaves the node. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
  /** Voters of the outgoing config while in a joint config; empty otherwise. */
  votersOutgoing: NodeId[];
  /** Learners added while in a joint config that become learners when it is left. */
  learnersNext: NodeId[];
  /** Leave the joint config automatically once it is committed. */
  autoLeave: boolean;
}

export interface SnapshotMetadata {
  confState: ConfState;
  index: number;
  term: number;
}

export interface Snapshot {
  /** The application's state at metadata.index, opaque to the core. */
  data: Uint8Array;
  metadata: SnapshotMetadata;
}

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  UpdateNode = 2,
  AddLearnerNode = 3,
}

export enum ConfChangeTransition {
  /** Simple change when possible (one voter changes), joint consensus otherwise, leaving automatically. */
  Auto = 0,
  JointImplicit = 1,
  JointExplicit = 2,
}

export interface ConfChangeSingle {
  type: ConfChangeType;
  nodeId: NodeId;
}

export interface ConfChangeV2 {
  transition: ConfChangeTransition;
  changes: ConfChangeSingle[];
  /** Opaque to raft: the server puts member data (name, URLs) here. */
  context: Uint8Array;
}

export enum MessageType {
  MsgHup = 0,
  MsgBeat = 1,
  MsgProp = 2,
  MsgApp = 3,
  MsgAppResp = 4,
  MsgVote = 5,
  MsgVoteResp = 6,
  MsgSnap = 7,
  MsgHeartbeat = 8,
  MsgHeartbeatResp = 9,
  MsgUnreachable = 10,
  MsgSnapStatus = 11,
  MsgCheckQuorum = 12,
  MsgTransferLeader = 13,
  MsgTimeoutNow = 14,
  MsgReadIndex = 15,
  MsgReadIndexResp = 16,
  MsgPreVote = 17,
  MsgPreVoteResp = 18,
}

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  /** For MsgApp: term of the entry at `index` (the entry preceding `entries`). */
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  rejectHint: number;
  /** ReadIndex request context (and heartbeat context), opaque bytes. */
  context: Uint8Array;
}

/** A ReadIndex answer: the read identified by `requestCtx` may be served once applied >= index. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

export enum StateType {
  Follower = 0,
  Candidate = 1,
  Leader = 2,
  PreCandidate = 3,
}

export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

import type { ProgressState } from './tracker/progress.js';
import type { ConfState, Entry, HardState, Message, NodeId, ReadState, Snapshot, SoftState } from './types.js';

/**
 * What the host must do, in this order, before calling RawNode.advance(rd):
 * 1. persist `snapshot` (if any), then `entries` (appending, truncating any conflicting suffix), then
 *    `hardState` (if any) — with one fsync when `mustSync`;
 * 2. send `messages` (only now: votes and acks among them vouch for what step 1 made durable);
 * 3. apply `snapshot` to the state machine, then `committedEntries` in order (conf-change entries via
 *    RawNode.applyConfChange);
 * 4. serve the reads of `readStates` once the applied index reaches their index.
 */
export interface Ready {
  /** Set only when the leader or role changed since the last Ready. */
  softState?: SoftState;
  /** Set only when term, vote or commit changed since the last Ready. */
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  /** Already durable on a quorum; may include entries from `entries` of this same Ready (persist first). */
  committedEntries: Entry[];
  messages: Message[];
  /** True when the term, the vote, entries or a snapshot changed: these must be fsynced before sending. */
  mustSync: boolean;
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  isLearner: boolean;
  recentActive: boolean;
  /** Whether sending to this follower is paused (probe outstanding, window full, or awaiting a snapshot). */
  paused: boolean;
  pendingSnapshot: number;
  inflightCount: number;
  inflightBytes: number;
}

export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  /** Target of an ongoing leadership transfer, NONE otherwise. */
  leadTransferee: NodeId;
  /** Per-node replication progress; present only on the leader. */
  progress?: ReadonlyMap<NodeId, ProgressStatus>;
  /** The active configuration (as of the last applied conf change). */
  config: ConfState;
}

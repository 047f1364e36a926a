import type { Logger } from '../base/logger.js';
import { nullLogger } from '../base/logger.js';
import type { Rand } from '../base/rand.js';
import { RaftConfigError } from './errors.js';
import type { ReadOnlyOption } from './read_only.js';
import type { LogStorage } from './storage.js';
import type { NodeId } from './types.js';
import { NONE } from './types.js';

export interface RaftConfig {
  /** This node's id; non-zero. */
  id: NodeId;
  /**
   * Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn
   * uniformly from [electionTick, 2*electionTick) by `rand` after every reset, so that split votes
   * resolve (Raft §5.2). Must be greater than heartbeatTick; 10x is typical.
   */
  electionTick: number;
  /** Ticks between leader heartbeats. */
  heartbeatTick: number;
  /** Synchronous view of the durable log. The core only reads it. */
  storage: LogStorage;
  /**
   * Last index the application applied before a restart. Committed entries above it are delivered
   * again; conf changes at or below it are replayed into the configuration by the core. Must not be
   * below the storage's snapshot index (the host restores the snapshot first).
   */
  applied?: number;
  /** Bytes of entries per MsgApp (at least one entry is always sent). */
  maxSizePerMsg: number;
  /** Per-follower window of unacknowledged MsgApps in the replicate state. */
  maxInflightMsgs: number;
  /** Per-follower window in bytes; 0/undefined = unlimited. Must be >= maxSizePerMsg when set. */
  maxInflightBytes?: number;
  /** Bytes of committed entries per Ready; 0/undefined = maxSizePerMsg. */
  maxCommittedSizePerReady?: number;
  /** Proposals are dropped while the leader's uncommitted tail exceeds this many payload bytes; 0/undefined = unlimited. */
  maxUncommittedEntriesSize?: number;
  /**
   * The leader steps down when it has not heard from a quorum within an election timeout, and nodes
   * that heard from a leader within an election timeout ignore vote requests (the leader's "lease").
   */
  checkQuorum: boolean;
  /** Thesis §9.6: ask for votes without bumping the term first, so a partitioned node cannot disrupt. */
  preVote: boolean;
  /**
   * 'safe': a read index is confirmed by a quorum heartbeat round. 'lease-based': the leader answers
   * from its lease alone (assumes bounded clock drift); requires checkQuorum.
   */
  readOnlyOption: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /** The only randomness the core uses. */
  rand: Rand;
  logger?: Logger;
}

/** A validated config with defaults filled in. */
export interface ResolvedConfig extends Required<Omit<RaftConfig, 'logger'>> {
  logger: Logger;
}

export function resolveConfig(c: RaftConfig): ResolvedConfig {
  const fail = (msg: string): never => {
    throw new RaftConfigError(`invalid raft config: ${msg}`);
  };
  if (c.id === NONE) fail('id must not be 0');
  if (!(Number.isSafeInteger(c.heartbeatTick) && c.heartbeatTick > 0)) fail('heartbeatTick must be a positive integer');
  if (!(Number.isSafeInteger(c.electionTick) && c.electionTick > c.heartbeatTick)) fail('electionTick must be greater than heartbeatTick');
  if (!(Number.isSafeInteger(c.maxInflightMsgs) && c.maxInflightMsgs > 0)) fail('maxInflightMsgs must be a positive integer');
  if (!(c.maxSizePerMsg >= 0)) fail('maxSizePerMsg must not be negative');
  const maxInflightBytes = c.maxInflightBytes ?? 0;
  if (maxInflightBytes < 0) fail('maxInflightBytes must not be negative');
  if (maxInflightBytes > 0 && maxInflightBytes < c.maxSizePerMsg) fail('maxInflightBytes must be >= maxSizePerMsg');
  const applied = c.applied ?? 0;
  if (!(Number.isSafeInteger(applied) && applied >= 0)) fail('applied must be a non-negative integer');
  if (c.readOnlyOption !== 'safe' && c.readOnlyOption !== 'lease-based') fail(`unknown readOnlyOption ${String(c.readOnlyOption)}`);
  if (c.readOnlyOption === 'lease-based' && !c.checkQuorum) fail('lease-based reads require checkQuorum');
  return {
    id: c.id,
    electionTick: c.electionTick,
    heartbeatTick: c.heartbeatTick,
    storage: c.storage,
    applied,
    maxSizePerMsg: c.maxSizePerMsg,
    maxInflightMsgs: c.maxInflightMsgs,
    maxInflightBytes,
    maxCommittedSizePerReady: c.maxCommittedSizePerReady || c.maxSizePerMsg,
    maxUncommittedEntriesSize: c.maxUncommittedEntriesSize ?? 0,
    checkQuorum: c.checkQuorum,
    preVote: c.preVote,
    readOnlyOption: c.readOnlyOption,
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    rand: c.rand,
    logger: c.logger ?? nullLogger,
  };
}

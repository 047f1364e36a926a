/**
 * The active configuration (joint voters, learners) and the leader's per-node Progress, plus the
 * votes of the current election. The configuration changes only through confchange/.
 */
import type { JointConfig } from '../quorum/joint.js';
import { isJoint, jointCommittedIndex, jointVoteResult, jointVoterIds } from '../quorum/joint.js';
import type { VoteResult } from '../quorum/majority.js';
import type { ConfState, NodeId } from '../types.js';
import { sortedIds } from '../util.js';
import type { Progress } from './progress.js';

export interface TrackerConfig {
  voters: JointConfig;
  /** Non-voting members. Disjoint from both halves of `voters`. */
  learners: ReadonlySet<NodeId>;
  /**
   * Voters of the outgoing half that become learners when the joint configuration is left. They cannot
   * be in `learners` yet, because a node must not be a voter and a learner at the same time.
   */
  learnersNext: ReadonlySet<NodeId>;
  /** Leave the joint configuration automatically once it is applied (the leader proposes it). */
  autoLeave: boolean;
}

export type ProgressMap = Map<NodeId, Progress>;

export function emptyTrackerConfig(): TrackerConfig {
  return {
    voters: { incoming: new Set(), outgoing: new Set() },
    learners: new Set(),
    learnersNext: new Set(),
    autoLeave: false,
  };
}

export function trackerConfigToConfState(c: TrackerConfig): ConfState {
  return {
    voters: sortedIds(c.voters.incoming),
    votersOutgoing: sortedIds(c.voters.outgoing),
    learners: sortedIds(c.learners),
    learnersNext: sortedIds(c.learnersNext),
    autoLeave: c.autoLeave,
  };
}

export class ProgressTracker {
  config: TrackerConfig = emptyTrackerConfig();
  progress: ProgressMap = new Map();
  private votes = new Map<NodeId, boolean>();

  constructor(
    readonly maxInflightMsgs: number,
    readonly maxInflightBytes: number,
  ) {}

  confState(): ConfState {
    return trackerConfigToConfState(this.config);
  }

  isJoint(): boolean {
    return isJoint(this.config.voters);
  }

  /** `id` is the only voter (and the configuration is not joint): it decides alone. */
  isSoleVoter(id: NodeId): boolean {
    return this.config.voters.incoming.size === 1 && this.config.voters.incoming.has(id) && !this.isJoint();
  }

  /** The largest index acknowledged by a quorum (of both halves, in a joint configuration). */
  committed(): number {
    return jointCommittedIndex(this.config.voters, (id) => this.progress.get(id)?.match);
  }

  /** Calls fn for every tracked node in ascending id order (deterministic output). */
  visit(fn: (id: NodeId, pr: Progress) => void): void {
    for (const id of sortedIds(this.progress.keys())) fn(id, this.progress.get(id)!);
  }

  /** Whether a quorum has been active (per recentActive) since the last check. */
  quorumActive(): boolean {
    const active = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) {
      if (!pr.isLearner) active.set(id, pr.recentActive);
    }
    return jointVoteResult(this.config.voters, active) === 'won';
  }

  /** Whether a quorum of voters (`self` always counting) was heard from at or after `tick`. */
  quorumHeardSince(self: NodeId, tick: number): boolean {
    const heard = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) {
      if (!pr.isLearner) heard.set(id, id === self || pr.lastHeardTick >= tick);
    }
    return jointVoteResult(this.config.voters, heard) === 'won';
  }

  isVoter(id: NodeId): boolean {
    return this.config.voters.incoming.has(id) || this.config.voters.outgoing.has(id);
  }

  voterIds(): NodeId[] {
    return sortedIds(jointVoterIds(this.config.voters));
  }

  resetVotes(): void {
    this.votes = new Map();
  }

  /** Records a vote; only the first answer of each voter counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      const v = this.votes.get(id);
      if (v === undefined) continue;
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected, result: jointVoteResult(this.config.voters, this.votes) };
  }
}

/**
 * Joint consensus (Raft thesis §4.3): while a configuration changes, every decision needs a majority
 * of the incoming voters AND a majority of the outgoing voters. Outside a change the outgoing half is
 * empty, and an empty half agrees with everything, so the simple case is the joint case.
 */
import type { NodeId } from '../types.js';
import type { AckedIndexer, MajorityConfig, VoteResult } from './majority.js';
import { majorityCommittedIndex, majorityVoteResult } from './majority.js';

export interface JointConfig {
  incoming: MajorityConfig;
  /** Empty unless the configuration is joint. */
  outgoing: MajorityConfig;
}

export function jointCommittedIndex(c: JointConfig, acked: AckedIndexer): number {
  return Math.min(majorityCommittedIndex(c.incoming, acked), majorityCommittedIndex(c.outgoing, acked));
}

export function jointVoteResult(c: JointConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const a = majorityVoteResult(c.incoming, votes);
  const b = majorityVoteResult(c.outgoing, votes);
  if (a === b) return a;
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}

/** Every voter of either half. */
export function jointVoterIds(c: JointConfig): Set<NodeId> {
  return new Set([...c.incoming, ...c.outgoing]);
}

export function isJoint(c: JointConfig): boolean {
  return c.outgoing.size > 0;
}

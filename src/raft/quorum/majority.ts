/**
 * Decisions of one majority configuration: which index a majority has acknowledged, and whether a
 * majority granted a vote. Pure functions over a set of voter ids.
 */
import type { NodeId } from '../types.js';

export type VoteResult = 'pending' | 'lost' | 'won';

/** Index acknowledged by a voter, or undefined when nothing is known about it (counts as 0). */
export type AckedIndexer = (id: NodeId) => number | undefined;

/**
 * The index that an empty configuration "commits": larger than any real index, so that in a joint
 * configuration an empty half never holds the other half back.
 */
export const UNBOUNDED_INDEX = Number.MAX_SAFE_INTEGER;

export type MajorityConfig = ReadonlySet<NodeId>;

/**
 * The largest index acknowledged by a majority: sort the acknowledged indexes in descending order and
 * take the one at position n/2 (the smallest index a majority has reached).
 */
export function majorityCommittedIndex(voters: MajorityConfig, acked: AckedIndexer): number {
  const n = voters.size;
  if (n === 0) return UNBOUNDED_INDEX;
  const indexes: number[] = [];
  for (const id of voters) indexes.push(acked(id) ?? 0);
  indexes.sort((a, b) => b - a);
  return indexes[n >> 1]!;
}

/**
 * Won when a majority voted yes, lost when a majority can no longer be reached, pending otherwise.
 * An empty configuration wins (it places no constraint, for the same reason as UNBOUNDED_INDEX).
 */
export function majorityVoteResult(voters: MajorityConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return 'won';
  let yes = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) yes++;
  }
  const quorum = (voters.size >> 1) + 1;
  if (yes >= quorum) return 'won';
  if (yes + missing >= quorum) return 'pending';
  return 'lost';
}

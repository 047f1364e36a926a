/**
 * Quorum math against deliberately naive versions: the committed index by trying every candidate
 * index, vote results by enumerating every way the missing votes could go.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRand } from '../../src/base/rand.js';
import { jointCommittedIndex, jointVoteResult } from '../../src/raft/quorum/joint.js';
import type { VoteResult } from '../../src/raft/quorum/majority.js';
import { majorityCommittedIndex, majorityVoteResult, UNBOUNDED_INDEX } from '../../src/raft/quorum/majority.js';

function naiveCommitted(voters: ReadonlySet<bigint>, acked: ReadonlyMap<bigint, number>): number {
  if (voters.size === 0) return UNBOUNDED_INDEX;
  const quorum = Math.floor(voters.size / 2) + 1;
  let best = 0;
  for (const candidate of [0, ...acked.values()]) {
    let n = 0;
    for (const id of voters) if ((acked.get(id) ?? 0) >= candidate) n++;
    if (n >= quorum && candidate > best) best = candidate;
  }
  return best;
}

/** Won if a majority said yes already; lost if no completion of the missing votes wins; else pending. */
function naiveVote(halves: ReadonlyArray<ReadonlySet<bigint>>, votes: ReadonlyMap<bigint, boolean>): VoteResult {
  const wins = (v: ReadonlyMap<bigint, boolean>): boolean =>
    halves.every((h) => h.size === 0 || [...h].filter((id) => v.get(id) === true).length > h.size / 2);
  if (wins(votes)) return 'won';
  const all = new Set(halves.flatMap((h) => [...h]));
  const missing = [...all].filter((id) => !votes.has(id));
  for (let mask = 0; mask < 1 << missing.length; mask++) {
    const v = new Map(votes);
    missing.forEach((id, i) => v.set(id, (mask & (1 << i)) !== 0));
    if (wins(v)) return 'pending';
  }
  return 'lost';
}

function randomSet(rand: SeededRand, universe: number, maxSize: number): Set<bigint> {
  const s = new Set<bigint>();
  const size = rand.int(maxSize + 1);
  while (s.size < Math.min(size, universe)) s.add(BigInt(1 + rand.int(universe)));
  return s;
}

test('majority committed index: examples', () => {
  const acked = (m: Record<string, number>) => (id: bigint) => m[id.toString()];
  assert.equal(majorityCommittedIndex(new Set(), acked({})), UNBOUNDED_INDEX);
  assert.equal(majorityCommittedIndex(new Set([1n]), acked({ 1: 5 })), 5);
  assert.equal(majorityCommittedIndex(new Set([1n, 2n, 3n]), acked({ 1: 5, 2: 3, 3: 9 })), 5);
  assert.equal(majorityCommittedIndex(new Set([1n, 2n, 3n]), acked({ 1: 5 })), 0);
  assert.equal(majorityCommittedIndex(new Set([1n, 2n, 3n, 4n]), acked({ 1: 5, 2: 6, 3: 7, 4: 8 })), 6);
});

test('joint committed index takes the smaller half, ignoring an empty half', () => {
  const acked = (id: bigint) => Number(id) * 10;
  const c = { incoming: new Set([1n, 2n, 3n]), outgoing: new Set([3n, 4n, 5n]) };
  assert.equal(jointCommittedIndex(c, acked), 20);
  assert.equal(jointCommittedIndex({ incoming: c.incoming, outgoing: new Set() }, acked), 20);
  assert.equal(jointCommittedIndex({ incoming: new Set([4n, 5n, 6n]), outgoing: c.incoming }, acked), 20);
});

test('vote results: examples', () => {
  const votes = (m: Record<string, boolean>) => new Map(Object.entries(m).map(([k, v]) => [BigInt(k), v]));
  const three = new Set([1n, 2n, 3n]);
  assert.equal(majorityVoteResult(new Set(), votes({})), 'won');
  assert.equal(majorityVoteResult(three, votes({ 1: true })), 'pending');
  assert.equal(majorityVoteResult(three, votes({ 1: true, 2: true })), 'won');
  assert.equal(majorityVoteResult(three, votes({ 1: false, 2: false })), 'lost');
  assert.equal(majorityVoteResult(new Set([1n, 2n, 3n, 4n]), votes({ 1: true, 2: true, 3: false })), 'pending');
  assert.equal(jointVoteResult({ incoming: three, outgoing: new Set([3n, 4n, 5n]) }, votes({ 1: true, 2: true })), 'pending');
  assert.equal(jointVoteResult({ incoming: three, outgoing: new Set([3n, 4n, 5n]) }, votes({ 1: true, 4: false, 5: false })), 'lost');
});

test('property: committed index matches the naive computation (majority and joint)', () => {
  const rand = new SeededRand(0x51);
  for (let i = 0; i < 3000; i++) {
    const incoming = randomSet(rand, 9, 7);
    const outgoing = rand.int(3) === 0 ? new Set<bigint>() : randomSet(rand, 9, 7);
    const acked = new Map<bigint, number>();
    for (let id = 1n; id <= 9n; id++) if (rand.int(4) !== 0) acked.set(id, rand.int(20));
    const get = (id: bigint) => acked.get(id);
    assert.equal(majorityCommittedIndex(incoming, get), naiveCommitted(incoming, acked));
    const joint = jointCommittedIndex({ incoming, outgoing }, get);
    assert.equal(joint, Math.min(naiveCommitted(incoming, acked), naiveCommitted(outgoing, acked)));
  }
});

test('property: vote results match enumeration of the missing votes (majority and joint)', () => {
  const rand = new SeededRand(0x52);
  for (let i = 0; i < 3000; i++) {
    const incoming = randomSet(rand, 7, 6);
    const outgoing = rand.int(3) === 0 ? new Set<bigint>() : randomSet(rand, 7, 6);
    const votes = new Map<bigint, boolean>();
    for (let id = 1n; id <= 7n; id++) {
      const r = rand.int(3);
      if (r > 0) votes.set(id, r === 1);
    }
    assert.equal(majorityVoteResult(incoming, votes), naiveVote([incoming], votes), `incoming ${[...incoming]}`);
    assert.equal(jointVoteResult({ incoming, outgoing }, votes), naiveVote([incoming, outgoing], votes));
  }
});

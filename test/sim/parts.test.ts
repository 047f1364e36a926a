/**
 * The simulator's own parts, tested alone: if the scheduler, the disk or a checker were wrong, a
 * green simulation would prove nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRand } from '../../src/base/rand.js';
import { newMessage } from '../../src/raft/raft.js';
import type { Entry, Message } from '../../src/raft/types.js';
import { EntryType, MessageType, StateType } from '../../src/raft/types.js';
import { Choices } from './choices.js';
import { SimDisk } from './disk.js';
import { Ghost, Violation } from './ghost.js';
import { encodePut, decodePut, ToyKv } from './kv.js';
import { copyMessage, SimNetwork } from './network.js';
import { Scheduler } from './scheduler.js';

function entry(index: number, term: number, data: number[] = []): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(data) };
}

function message(over: Partial<Message>): Message {
  return newMessage({ type: MessageType.MsgApp, to: 2n, from: 1n, term: 1, ...over });
}

function violation(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof Violation) return err.invariant;
    throw err;
  }
  return 'none';
}

test('scheduler runs events by time, then in scheduling order', () => {
  const s = new Scheduler<string>();
  s.at(5, 'c');
  s.at(1, 'a');
  s.at(5, 'd');
  s.at(3, 'b');
  s.at(1, 'a2');
  const order: string[] = [];
  for (let e = s.pop(); e !== undefined; e = s.pop()) order.push(`${e}@${s.now()}`);
  assert.deepEqual(order, ['a@1', 'a2@1', 'b@3', 'c@5', 'd@5']);
  assert.throws(() => s.at(4, 'past'));
});

test('a crash loses unsynced writes only; a later append truncates a conflicting suffix', () => {
  const d = new SimDisk();
  d.write({ entries: [entry(1, 1), entry(2, 1), entry(3, 1)], hardState: { term: 1, vote: 1n, commit: 1 } });
  d.sync();
  d.write({ entries: [entry(4, 1)], hardState: { term: 2, vote: 2n, commit: 3 } });
  d.crash();
  assert.equal(d.durableLastIndex(), 3);
  assert.deepEqual(d.durableRaft().hardState, { term: 1, vote: 1n, commit: 1 });
  d.write({ entries: [entry(3, 2), entry(4, 2)] });
  d.sync();
  assert.deepEqual(
    d.durableRaft().entries.map((e) => `${e.index}/${e.term}`),
    ['1/1', '2/1', '3/2', '4/2'],
  );
  assert.equal(d.durableTerm(3), 2);
});

test('a saved snapshot replaces the entries it covers', () => {
  const d = new SimDisk();
  d.write({ entries: [entry(1, 1), entry(2, 1), entry(3, 2)] });
  d.sync();
  const confState = { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  d.saveSnapshot({ data: new Uint8Array(0), metadata: { index: 2, term: 1, confState } });
  assert.equal(d.durableLastIndex(), 3);
  assert.deepEqual(d.durableRaft().entries.map((e) => e.index), [3]);
  assert.equal(d.durableTerm(2), 1);
  assert.equal(d.durableTerm(1), undefined);
});

test('kv applies a put once, and its digest depends only on the state', () => {
  const a = new ToyKv();
  const b = new ToyKv();
  const put = (kv: ToyKv, i: number, opId: number, key: number) => kv.apply(i, decodePut(encodePut({ opId, key }, i % 3)));
  put(a, 1, 10, 0);
  assert.equal(put(a, 2, 10, 0), false, 'a retried put is applied once');
  put(a, 3, 11, 1);
  put(b, 1, 10, 0);
  b.skip(2);
  put(b, 3, 11, 1);
  assert.equal(a.digest(), b.digest());
  assert.equal(ToyKv.decode(a.encode()).digest(), a.digest());
  assert.equal(a.appliedAt(10), 1);
  assert.throws(() => a.apply(5, undefined), /apply 5 after 3/);
});

test('messages are deep-copied across the network', () => {
  const m = message({ entries: [entry(1, 1, [1, 2, 3])], context: new Uint8Array([9]) });
  const c = copyMessage(m);
  c.entries[0]!.data[0] = 42;
  c.context[0] = 0;
  assert.equal(m.entries[0]!.data[0], 1);
  assert.equal(m.context[0], 9);
});

test('the network partitions, loses and duplicates by the seed', () => {
  const net = new SimNetwork(new Choices(new SeededRand(7)), { minDelay: 2, meanJitter: 0, dropRate: 0, duplicateRate: 0, badLinkDropRate: 0 });
  assert.deepEqual(net.plan(1n, 2n), [2]);
  net.partition('isolate-leader', [1n, 2n, 3n], 1n);
  assert.deepEqual(net.plan(1n, 2n), []);
  assert.deepEqual(net.plan(3n, 1n), []);
  assert.deepEqual(net.plan(2n, 3n), [2]);
  net.heal();
  assert.deepEqual(net.plan(1n, 2n), [2]);
  const lossy = new SimNetwork(new Choices(new SeededRand(7)), { minDelay: 1, meanJitter: 10, dropRate: 0.5, duplicateRate: 0.5, badLinkDropRate: 0 });
  const outcomes = Array.from({ length: 200 }, () => lossy.plan(1n, 2n).length);
  assert.ok(outcomes.includes(0) && outcomes.includes(1) && outcomes.includes(2));
});

test('election safety: two leaders in one term', () => {
  const g = new Ghost();
  g.bootstrap();
  g.onLeader(1n, 2, () => 1, 2);
  assert.equal(violation(() => g.onLeader(2n, 2, () => 1, 2)), 'election-safety');
});

test('leader completeness: a leader missing a committed entry', () => {
  const g = new Ghost();
  g.bootstrap();
  g.onPersistEntries(1n, [entry(2, 2)], 1);
  g.onCommit(1n, 1, 2, () => entry(2, 2), () => 2);
  assert.equal(violation(() => g.onLeader(2n, 3, (i) => (i === 1 ? 1 : undefined), 2)), 'leader-completeness');
});

test('log matching: same (index, term), different payload or predecessor', () => {
  const g = new Ghost();
  g.onPersistEntries(1n, [entry(2, 2, [1])], 1);
  assert.equal(violation(() => g.onPersistEntries(2n, [entry(2, 2, [2])], 1)), 'log-matching');
  assert.equal(violation(() => g.onPersistEntries(3n, [entry(2, 2, [1])], 3)), 'log-matching');
});

test('a committed entry replaced by another is caught', () => {
  const g = new Ghost();
  g.bootstrap();
  g.onCommit(1n, 1, 2, () => entry(2, 2), () => 2);
  assert.equal(violation(() => g.onCommit(2n, 1, 2, () => entry(2, 3), () => 3)), 'committed-entry-lost');
});

test('state machine safety: applying out of order, or before commit', () => {
  const g = new Ghost();
  g.bootstrap();
  g.onCommit(1n, 1, 2, () => entry(2, 2), () => 2);
  assert.equal(violation(() => g.onApply(1n, 1, entry(3, 2))), 'state-machine-safety');
  assert.equal(violation(() => g.onApply(1n, 2, entry(3, 2))), 'state-machine-safety');
  g.onApply(1n, 1, entry(2, 2));
});

/** A ghost and a disk holding term 3 (voted for n1) and entry 1; in memory, entries 1–2. */
function durableAtTerm3(): { g: Ghost; d: SimDisk; termAt: (i: number) => number | undefined } {
  const d = new SimDisk();
  d.write({ hardState: { term: 3, vote: 1n, commit: 0 }, entries: [entry(1, 1)] });
  d.sync();
  return { g: new Ghost(), d, termAt: (i) => (i <= 2 ? 1 : undefined) };
}

test('durability before send: a vote grant or ack the disk does not back', () => {
  const { g, d, termAt } = durableAtTerm3();
  g.onSend(2n, message({ type: MessageType.MsgVoteResp, to: 1n, term: 3 }), d, termAt);
  assert.equal(violation(() => g.onSend(2n, message({ type: MessageType.MsgVoteResp, to: 5n, term: 3 }), d, termAt)), 'durability-before-send');
  assert.equal(violation(() => g.onSend(2n, message({ type: MessageType.MsgHeartbeatResp, term: 4 }), d, termAt)), 'durability-before-send');
  g.onSend(2n, message({ type: MessageType.MsgAppResp, term: 3, index: 1 }), d, termAt);
  assert.equal(violation(() => g.onSend(2n, message({ type: MessageType.MsgAppResp, term: 3, index: 2 }), d, termAt)), 'durability-before-send');
  g.onSend(2n, message({ type: MessageType.MsgPreVote, term: 9 }), d, termAt);
  // A grant for an earlier term is backed by the later durable term: no vote in term 2 can follow.
  g.onSend(2n, message({ type: MessageType.MsgVoteResp, to: 5n, term: 2 }), d, termAt);
});

test("durability before send: only a leader's appends, heartbeats and snapshots may leave before the write", () => {
  const { g, d, termAt } = durableAtTerm3();
  const leader = { role: StateType.Leader };
  // Entries the leader has not written yet may leave early: its own ack waits for the write.
  g.onSend(1n, message({ type: MessageType.MsgApp, term: 3, entries: [entry(2, 1)] }), d, termAt, leader);
  g.onSend(1n, message({ type: MessageType.MsgHeartbeat, term: 3 }), d, termAt, leader);
  g.onSend(1n, message({ type: MessageType.MsgSnap, term: 3 }), d, termAt, leader);
  // ...but not under a term the leader could forget, and nothing else, and not from a follower.
  assert.equal(violation(() => g.onSend(1n, message({ type: MessageType.MsgApp, term: 4 }), d, termAt, leader)), 'durability-before-send');
  assert.equal(violation(() => g.onSend(1n, message({ type: MessageType.MsgTimeoutNow, term: 3 }), d, termAt, leader)), 'durability-before-send');
  assert.equal(violation(() => g.onSend(2n, message({ type: MessageType.MsgAppResp, term: 3, index: 1 }), d, termAt, { role: StateType.Follower })), 'durability-before-send');
  assert.equal(violation(() => g.onSend(2n, message({ type: MessageType.MsgApp, term: 3 }), d, termAt, { role: StateType.Follower })), 'durability-before-send');
});

test('hard state: a vote is never changed within its term', () => {
  const g = new Ghost();
  assert.equal(violation(() => g.onHardState(1n, { term: 2, vote: 1n, commit: 0 }, { term: 2, vote: 3n, commit: 0 })), 'hard-state-monotonic');
  assert.equal(violation(() => g.onHardState(1n, { term: 2, vote: 1n, commit: 0 }, { term: 1, vote: 0n, commit: 0 })), 'hard-state-monotonic');
  g.onHardState(1n, { term: 2, vote: 1n, commit: 0 }, { term: 3, vote: 2n, commit: 0 });
});

test('linearizable reads: stale read index, or a value that is not the state at the served index', () => {
  const g = new Ghost();
  g.bootstrap();
  const put = (i: number, opId: number) => entry(i, 2, [...encodePut({ opId, key: 0 }, 0)]);
  g.onCommit(1n, 1, 3, (i) => (i === 2 ? put(2, 7) : put(3, 8)), () => 2);
  g.onWriteAcked(8, 3);
  assert.equal(g.maxAckedWriteIndex, 3);
  g.onReadServed(1n, { id: 1, key: 0, mustSee: 3 }, 3, 3, 8);
  g.onReadServed(1n, { id: 2, key: 0, mustSee: 0 }, 2, 2, 7);
  assert.equal(violation(() => g.onReadServed(1n, { id: 3, key: 0, mustSee: 3 }, 2, 3, 8)), 'read-linearizable');
  assert.equal(violation(() => g.onReadServed(1n, { id: 4, key: 0, mustSee: 0 }, 3, 3, 7)), 'read-linearizable');
});

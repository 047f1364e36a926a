/** RawNode's contract: configuration checks, the Ready/advance protocol, randomness, typed errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssertionFailure } from '../../src/base/assert.js';
import { SeededRand } from '../../src/base/rand.js';
import type { Rand } from '../../src/base/rand.js';
import {
  ConfChangeError,
  ConfChangeTransition,
  ConfChangeType,
  EntryType,
  MemoryLogStorage,
  MessageType,
  ProposalDroppedError,
  RaftConfigError,
  RawNode,
  StateType,
  StepLocalMessageError,
} from '../../src/raft/index.js';
import type { Message, RaftConfig, Ready } from '../../src/raft/index.js';
import { newMessage } from '../../src/raft/raft.js';

const zeroRand: Rand = { int: () => 0, float: () => 0 };

function config(id: bigint, storage: MemoryLogStorage, over: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    maxSizePerMsg: 1 << 20,
    maxInflightMsgs: 64,
    checkQuorum: false,
    preVote: false,
    readOnlyOption: 'safe',
    rand: zeroRand,
    ...over,
  };
}

/** Runs the host loop once: persist into storage, then advance. Returns the Ready. */
function handle(node: RawNode, storage: MemoryLogStorage): Ready {
  const rd = node.ready();
  if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
  node.advance(rd);
  return rd;
}

function drain(node: RawNode, storage: MemoryLogStorage): Ready[] {
  const out: Ready[] = [];
  while (node.hasReady()) out.push(handle(node, storage));
  return out;
}

test('invalid configurations are refused with RaftConfigError', () => {
  const s = MemoryLogStorage.bootstrap([1n]);
  assert.throws(() => new RawNode(config(0n, s)), RaftConfigError);
  assert.throws(() => new RawNode(config(1n, s, { electionTick: 1, heartbeatTick: 1 })), RaftConfigError);
  assert.throws(() => new RawNode(config(1n, s, { readOnlyOption: 'lease-based' })), /checkQuorum/);
  assert.throws(() => new RawNode(config(1n, s, { maxInflightMsgs: 0 })), RaftConfigError);
  assert.throws(() => new RawNode(config(1n, s, { maxSizePerMsg: 100, maxInflightBytes: 10 })), RaftConfigError);
  assert.doesNotThrow(() => new RawNode(config(1n, s, { readOnlyOption: 'lease-based', checkQuorum: true })));
});

/** Ticks until the (single-voter) node campaigns; returns how many ticks that took. */
function ticksUntilCampaign(rand: Rand): number {
  const s = MemoryLogStorage.bootstrap([1n, 2n, 3n]);
  const node = new RawNode(config(1n, s, { rand }));
  for (let ticks = 1; ticks <= 100; ticks++) {
    node.tick();
    if (node.status().softState.raftState === StateType.Candidate) return ticks;
  }
  throw new Error('never campaigned');
}

test('the election timeout is drawn from the injected Rand in [electionTick, 2*electionTick)', () => {
  const seen = new Set<number>();
  for (let seed = 0; seed < 200; seed++) {
    const ticks = ticksUntilCampaign(new SeededRand(seed));
    assert.ok(ticks >= 10 && ticks < 20, `timeout ${ticks} out of range`);
    assert.equal(ticksUntilCampaign(new SeededRand(seed)), ticks, 'same seed, same timeout');
    seen.add(ticks);
  }
  assert.ok(seen.size >= 8, `only ${seen.size} distinct timeouts`);
  assert.equal(ticksUntilCampaign(zeroRand), 10);
});

test('a single voter elects itself and commits, counting itself only after persisting', () => {
  const s = MemoryLogStorage.bootstrap([1n]);
  const node = new RawNode(config(1n, s));
  node.campaign();
  const first = handle(node, s);
  assert.equal(first.softState?.raftState, StateType.Candidate);
  assert.deepEqual(first.hardState, { term: 2, vote: 1n, commit: 1 });
  assert.equal(first.mustSync, true);
  assert.equal(node.status().softState.raftState, StateType.Leader, 'the self-vote is counted on advance');
  const second = handle(node, s);
  assert.deepEqual(second.entries.map((e) => `${e.term}/${e.index}`), ['2/2'], 'the leader appends an empty entry');
  assert.deepEqual(second.committedEntries, [], 'not committed before it is persisted');
  node.propose(new TextEncoder().encode('x'));
  const readys = drain(node, s);
  const committed = readys.flatMap((rd) => rd.committedEntries).map((e) => new TextDecoder().decode(e.data));
  assert.deepEqual(committed, ['', 'x']);
  assert.equal(node.status().hardState.commit, 3);
  assert.equal(node.status().applied, 3);
});

test('ready() and advance() must alternate; hasReady() is false while a Ready is outstanding', () => {
  const s = MemoryLogStorage.bootstrap([1n]);
  const node = new RawNode(config(1n, s));
  node.campaign();
  assert.equal(node.hasReady(), true);
  const rd = node.ready();
  assert.equal(node.hasReady(), false);
  assert.throws(() => node.ready(), AssertionFailure);
  assert.throws(() => node.advance({ ...rd }), AssertionFailure);
  node.advance(rd);
  assert.throws(() => node.advance(rd), AssertionFailure);
});

test('local message types cannot be stepped from the network; proposals without a leader throw', () => {
  const s = MemoryLogStorage.bootstrap([1n, 2n, 3n]);
  const node = new RawNode(config(1n, s));
  assert.throws(() => node.step(newMessage({ type: MessageType.MsgHup, from: 2n, to: 1n })), StepLocalMessageError);
  assert.throws(
    () => node.propose(new Uint8Array([1])),
    (err: unknown) => err instanceof ProposalDroppedError && err.reason === 'no-leader',
  );
  // A forwarded proposal that cannot be taken is dropped silently: it is not this host's request.
  assert.doesNotThrow(() => node.step(newMessage({ type: MessageType.MsgProp, from: 2n, to: 1n, entries: [{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array([1]) }] })));
  // Answers from nodes outside the configuration are ignored.
  assert.doesNotThrow(() => node.step(newMessage({ type: MessageType.MsgAppResp, from: 9n, to: 1n, term: 5, index: 3 })));
  assert.equal(node.status().hardState.term, 1);
});

test('applyConfChange refuses an invalid change with ConfChangeError', () => {
  const s = MemoryLogStorage.bootstrap([1n]);
  const node = new RawNode(config(1n, s));
  assert.throws(
    () => node.applyConfChange({ transition: ConfChangeTransition.Auto, changes: [{ type: ConfChangeType.RemoveNode, nodeId: 1n }], context: new Uint8Array() }),
    ConfChangeError,
  );
  assert.deepEqual(node.status().config.voters, [1n]);
});

test('restart: a commit index on disk behind the applied index is raised to it', () => {
  const s = MemoryLogStorage.bootstrap([1n]);
  const node = new RawNode(config(1n, s));
  node.campaign();
  drain(node, s);
  node.propose(new Uint8Array([7]));
  drain(node, s);
  assert.equal(node.status().applied, 3);
  // The last commit-only hard state was not made durable.
  s.setHardState({ ...s.initialState().hardState, commit: 1 });
  const restarted = new RawNode(config(1n, s, { applied: 3 }));
  assert.equal(restarted.status().hardState.commit, 3);
  assert.equal(restarted.status().applied, 3);
  assert.equal(restarted.hasReady(), false, 'nothing at or below applied is delivered again');
  assert.throws(() => new RawNode(config(1n, s, { applied: 9 })), AssertionFailure, 'applied beyond the log');
});

test('an ack queued for an entry that a newer leader overwrites before the Ready is dropped', () => {
  const s = MemoryLogStorage.bootstrap([1n, 2n, 3n]);
  const node = new RawNode(config(3n, s));
  const entry = (term: number, index: number) => ({ term, index, type: EntryType.Normal, data: new Uint8Array() });
  const app = (from: bigint, term: number, entries: ReturnType<typeof entry>[]): Message =>
    newMessage({ type: MessageType.MsgApp, from, to: 3n, term, index: 1, logTerm: 1, commit: 1, entries });
  node.step(app(1n, 2, [entry(2, 2), entry(2, 3)]));
  // Before the host took a Ready, leader 2 of term 3 replaces index 2 onwards.
  node.step(app(2n, 3, [entry(3, 2)]));
  const rd = node.ready();
  const acks = rd.messages.filter((m) => m.type === MessageType.MsgAppResp).map((m) => `${m.to}:${m.term}:${m.index}`);
  assert.deepEqual(acks, ['2:3:2'], 'the ack to 1 for index 3 (term 2) would vouch for entries 3 no longer has');
  assert.deepEqual(rd.entries.map((e) => `${e.term}/${e.index}`), ['3/2']);
});

test('status reports progress only on the leader', () => {
  const s = MemoryLogStorage.bootstrap([1n]);
  const node = new RawNode(config(1n, s));
  assert.equal(node.status().progress, undefined);
  node.campaign();
  drain(node, s);
  const progress = node.status().progress;
  assert.ok(progress !== undefined);
  assert.equal(progress.get(1n)?.state, 'replicate');
  assert.equal(progress.get(1n)?.match, 2);
});

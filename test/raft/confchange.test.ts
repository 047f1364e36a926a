/**
 * Configuration changes: validation rules, and for random sequences of changes, that every reachable
 * configuration satisfies the invariants and survives a round trip through ConfState (restore).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRand } from '../../src/base/rand.js';
import type { ChangerContext, ChangerState } from '../../src/raft/confchange/changer.js';
import { checkInvariants, enterJoint, leaveJoint, simpleChange } from '../../src/raft/confchange/changer.js';
import { restoreConfig } from '../../src/raft/confchange/restore.js';
import { ConfChangeError, ConfChangeType } from '../../src/raft/index.js';
import type { ConfChangeSingle } from '../../src/raft/index.js';
import { emptyTrackerConfig, trackerConfigToConfState } from '../../src/raft/tracker/tracker.js';

const base = { maxInflightMsgs: 4, maxInflightBytes: 0, lastIndex: 10 };

function empty(): ChangerState {
  return { config: emptyTrackerConfig(), progress: new Map() };
}

function ctx(s: ChangerState): ChangerContext {
  return { ...base, ...s };
}

const v = (id: number): ConfChangeSingle => ({ type: ConfChangeType.AddNode, nodeId: BigInt(id) });
const l = (id: number): ConfChangeSingle => ({ type: ConfChangeType.AddLearnerNode, nodeId: BigInt(id) });
const r = (id: number): ConfChangeSingle => ({ type: ConfChangeType.RemoveNode, nodeId: BigInt(id) });

function voters(...ids: number[]): ChangerState {
  let s = empty();
  for (const id of ids) s = simpleChange(ctx(s), [v(id)]);
  return s;
}

test('simple change: one voter at a time', () => {
  const s = voters(1, 2, 3);
  assert.deepEqual(trackerConfigToConfState(s.config).voters, [1n, 2n, 3n]);
  assert.throws(() => simpleChange(ctx(s), [v(4), v(5)]), ConfChangeError);
  assert.throws(() => simpleChange(ctx(s), [r(1), v(4)]), ConfChangeError, 'a replace needs joint consensus');
  const withLearners = simpleChange(ctx(s), [v(4), l(5), l(6)]);
  assert.deepEqual(trackerConfigToConfState(withLearners.config).learners, [5n, 6n]);
  assert.throws(() => simpleChange(ctx(voters(1)), [r(1)]), /removed all voters/);
});

test('joint: demoting a voter goes through learnersNext until the joint config is left', () => {
  const s = voters(1, 2, 3);
  const joint = enterJoint(ctx(s), false, [l(3), v(4)]);
  const cs = trackerConfigToConfState(joint.config);
  assert.deepEqual(cs.voters, [1n, 2n, 4n]);
  assert.deepEqual(cs.votersOutgoing, [1n, 2n, 3n]);
  assert.deepEqual(cs.learnersNext, [3n]);
  assert.deepEqual(cs.learners, []);
  assert.throws(() => enterJoint(ctx(joint), false, []), /already joint/);
  assert.throws(() => simpleChange(ctx(joint), [v(5)]), /joint/);
  const left = leaveJoint(ctx(joint));
  const after = trackerConfigToConfState(left.config);
  assert.deepEqual(after.voters, [1n, 2n, 4n]);
  assert.deepEqual(after.learners, [3n]);
  assert.deepEqual(after.votersOutgoing, []);
  assert.equal(left.progress.get(3n)!.isLearner, true);
  assert.throws(() => leaveJoint(ctx(left)), /non-joint/);
});

test('joint: a removed outgoing voter keeps its progress until the joint config is left', () => {
  const joint = enterJoint(ctx(voters(1, 2, 3)), true, [r(1), v(4)]);
  assert.ok(joint.progress.has(1n));
  assert.equal(joint.config.autoLeave, true);
  const left = leaveJoint(ctx(joint));
  assert.ok(!left.progress.has(1n));
  assert.equal(left.config.autoLeave, false);
});

test('changes are copy-on-write: the input state is untouched, even on error', () => {
  const s = voters(1, 2, 3);
  const before = JSON.stringify(trackerConfigToConfState(s.config), (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  enterJoint(ctx(s), false, [l(3), v(4)]);
  assert.throws(() => simpleChange(ctx(s), [v(4), v(5)]));
  const after = JSON.stringify(trackerConfigToConfState(s.config), (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  assert.equal(after, before);
  assert.equal(s.progress.get(3n)!.isLearner, false);
});

test('property: random change sequences keep the invariants and round-trip through ConfState', () => {
  const rand = new SeededRand(0xcc);
  let applied = 0;
  for (let round = 0; round < 400; round++) {
    let s = voters(1 + rand.int(3));
    for (let step = 0; step < 12; step++) {
      const changes: ConfChangeSingle[] = [];
      const n = 1 + rand.int(3);
      for (let i = 0; i < n; i++) {
        const id = 1 + rand.int(6);
        changes.push([v, l, r][rand.int(3)]!(id));
      }
      const op = rand.int(3);
      try {
        if (op === 0) s = simpleChange(ctx(s), changes);
        else if (op === 1) s = enterJoint(ctx(s), rand.int(2) === 0, changes);
        else s = leaveJoint(ctx(s));
        applied++;
      } catch (err) {
        assert.ok(err instanceof ConfChangeError, String(err));
        continue;
      }
      checkInvariants(s.config, s.progress);
      const cs = trackerConfigToConfState(s.config);
      const restored = restoreConfig({ ...base, ...empty() }, cs);
      assert.deepEqual(trackerConfigToConfState(restored.config), cs);
      assert.deepEqual([...restored.progress.keys()].sort(), [...s.progress.keys()].sort());
      for (const [id, pr] of s.progress) assert.equal(restored.progress.get(id)!.isLearner, pr.isLearner);
    }
  }
  assert.ok(applied > 1000, `only ${applied} changes applied`);
});

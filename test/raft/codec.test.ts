/**
 * The hand-written ConfChangeV2 codec against protobufjs on the same schema (the field numbers of
 * proto/raftpb/raft.proto and etcd's raftpb), in both directions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { SeededRand } from '../../src/base/rand.js';
import { ConfChangeError, ConfChangeTransition, ConfChangeType, decodeConfChangeV2, encodeConfChangeV2 } from '../../src/raft/index.js';
import type { ConfChangeV2 } from '../../src/raft/index.js';

const root = protobuf.Root.fromJSON({
  nested: {
    ConfChangeSingle: { fields: { type: { type: 'int32', id: 1 }, nodeId: { type: 'uint64', id: 2 } } },
    ConfChangeV2: {
      fields: {
        transition: { type: 'int32', id: 1 },
        changes: { rule: 'repeated', type: 'ConfChangeSingle', id: 2 },
        context: { type: 'bytes', id: 3 },
      },
    },
  },
});
const ConfChangeV2Type = root.lookupType('ConfChangeV2');

function randomConfChange(rand: SeededRand): ConfChangeV2 {
  const changes = Array.from({ length: rand.int(4) }, () => ({
    type: [ConfChangeType.AddNode, ConfChangeType.RemoveNode, ConfChangeType.UpdateNode, ConfChangeType.AddLearnerNode][rand.int(4)]!,
    // Full 64-bit ids, including ones above 2^63 and 0.
    nodeId: rand.int(5) === 0 ? 0n : (BigInt(rand.int(2 ** 32)) << 32n) | BigInt(rand.int(2 ** 32)),
  }));
  const context = Uint8Array.from({ length: rand.int(3) === 0 ? 0 : rand.int(20) }, () => rand.int(256));
  return { transition: rand.int(3) as ConfChangeTransition, changes, context };
}

test('ConfChangeV2 codec round-trips and matches protobufjs both ways', () => {
  const rand = new SeededRand(7);
  for (let i = 0; i < 500; i++) {
    const cc = randomConfChange(rand);
    const ours = encodeConfChangeV2(cc);
    assert.deepEqual(decodeConfChangeV2(ours), cc);

    const theirs = ConfChangeV2Type.toObject(ConfChangeV2Type.decode(ours), { longs: String, defaults: true, bytes: Array });
    assert.equal(theirs['transition'], cc.transition);
    assert.deepEqual(
      (theirs['changes'] as Array<{ type: number; nodeId: string }>).map((c) => ({ type: c.type, nodeId: BigInt(c.nodeId) })),
      cc.changes,
    );
    assert.deepEqual(Uint8Array.from(theirs['context'] as number[]), cc.context);

    const encodedByThem = ConfChangeV2Type.encode(
      ConfChangeV2Type.fromObject({
        transition: cc.transition,
        changes: cc.changes.map((c) => ({ type: c.type, nodeId: c.nodeId.toString() })),
        context: cc.context,
      }),
    ).finish();
    assert.deepEqual(decodeConfChangeV2(encodedByThem), cc);
  }
});

test('ConfChangeV2 decoding rejects garbage with a typed error', () => {
  assert.throws(() => decodeConfChangeV2(Uint8Array.from([0x12, 0x05, 0x08])), ConfChangeError);
  assert.throws(() => decodeConfChangeV2(Uint8Array.from([0x08, 0x09])), ConfChangeError, 'unknown transition');
});

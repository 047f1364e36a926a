import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import {
  DecodeError,
  confChangeV2Codec,
  confStateCodec,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeMessageBatch,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeMessageBatch,
  entryCodec,
  hardStateCodec,
  messageCodec,
  snapshotCodec,
  snapshotMetadataCodec,
  type RaftCodec,
} from '../../src/raftpb/codec.js';
import {
  ConfChangeTransition,
  ConfChangeType,
  EntryType,
  MessageType,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Snapshot,
} from '../../src/raft/types.js';

const U64_MAX = (1n << 64n) - 1n;
const BIG_IDS = [1n, 0x7fn, 0x80n, 0xffffffffn, 0x100000000n, (1n << 53n) + 1n, 1n << 63n, (1n << 63n) + 12345n, U64_MAX];

const protoPath = fileURLToPath(new URL('../../../proto/raftpb/raft.proto', import.meta.url));
const root = protobuf.loadSync(protoPath);
const T = (name: string): protobuf.Type => root.lookupType(`tetcd.raftpb.${name}`);

function entry(index: number, term: number, data: Uint8Array = Buffer.from(`e${index}`), type = EntryType.Normal): Entry {
  return { index, term, type, data };
}

function message(overrides: Partial<Message> = {}): Message {
  return {
    type: MessageType.MsgApp,
    to: 0x8211f1d0f64f3269n,
    from: 0xfd422379fda50e48n,
    term: 7,
    logTerm: 6,
    index: 100,
    entries: [entry(101, 7), entry(102, 7, Buffer.alloc(0))],
    commit: 99,
    reject: false,
    rejectHint: 0,
    context: Buffer.alloc(0),
    ...overrides,
  };
}

const confState: ConfState = {
  voters: [1n, 1n << 63n, U64_MAX],
  learners: [0x91bc3c398fb3c146n],
  votersOutgoing: [2n],
  learnersNext: [3n, 4n],
  autoLeave: true,
};

function varint(v: bigint): Buffer {
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Buffer.from(out);
}

function roundTrip<V>(codec: RaftCodec<V>, value: V): V {
  return codec.decode(codec.encode(value));
}

/** Our objects use bigint ids and Buffers; protobufjs reflection uses Long and snake_case→camelCase. */
function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(normalize);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = normalize(v);
  return out;
}

function reflect(typeName: string, bytes: Uint8Array): unknown {
  const type = T(typeName);
  return type.toObject(type.decode(bytes), { defaults: true, longs: String, bytes: String, enums: Number });
}

test('Entry round-trips: empty data, large data, both types, max safe index', () => {
  const cases = [
    entry(1, 1),
    entry(5, 2, Buffer.alloc(0)),
    entry(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1),
    entry(3, 3, Buffer.alloc(4 << 20, 0xab), EntryType.ConfChangeV2),
    entry(0, 0, Buffer.alloc(0)),
  ];
  for (const e of cases) {
    const back = decodeEntry(encodeEntry(e));
    assert.equal(back.index, e.index);
    assert.equal(back.term, e.term);
    assert.equal(back.type, e.type);
    assert.ok(Buffer.from(back.data).equals(Buffer.from(e.data)));
  }
  assert.equal(encodeEntry(entry(0, 0, Buffer.alloc(0))).length, 0, 'all-default entry encodes to nothing');
});

test('HardState round-trips every interesting vote id, including ids at and above 2^63', () => {
  for (const vote of [0n, ...BIG_IDS]) {
    const hs: HardState = { term: 2 ** 40, vote, commit: 2 ** 33 + 1 };
    assert.deepEqual(decodeHardState(encodeHardState(hs)), hs);
  }
});

test('ConfState, SnapshotMetadata, Snapshot and ConfChangeV2 round-trip', () => {
  assert.deepEqual(roundTrip(confStateCodec, confState), confState);
  const meta = { confState, index: 1234567, term: 89 };
  assert.deepEqual(roundTrip(snapshotMetadataCodec, meta), meta);
  const snap: Snapshot = { data: Buffer.from('state machine bytes'), metadata: meta };
  const back = roundTrip(snapshotCodec, snap);
  assert.deepEqual(back.metadata, meta);
  assert.equal(Buffer.from(back.data).toString(), 'state machine bytes');

  const cc: ConfChangeV2 = {
    transition: ConfChangeTransition.JointExplicit,
    changes: [
      { type: ConfChangeType.AddNode, nodeId: U64_MAX },
      { type: ConfChangeType.AddLearnerNode, nodeId: 1n << 63n },
      { type: ConfChangeType.RemoveNode, nodeId: 7n },
      { type: ConfChangeType.UpdateNode, nodeId: 0n },
    ],
    context: Buffer.from('{"name":"infra1"}'),
  };
  const ccBack = roundTrip(confChangeV2Codec, cc);
  assert.deepEqual({ ...ccBack, context: Buffer.from(ccBack.context) }, { ...cc, context: Buffer.from(cc.context) });
});

test('Message and MessageBatch round-trip with entries, snapshot and context', () => {
  const withSnap = message({
    type: MessageType.MsgSnap,
    entries: [],
    snapshot: { data: Buffer.alloc(70000, 1), metadata: { confState, index: 50, term: 3 } },
    reject: true,
    rejectHint: 42,
    context: Buffer.from('read-ctx'),
  });
  for (const m of [message(), withSnap, message({ type: MessageType.MsgHup, to: 0n, from: 0n, entries: [] })]) {
    assert.deepEqual(normalize(decodeMessage(encodeMessage(m))), normalize(m));
  }
  const batch = Array.from({ length: 50 }, (_, i) => message({ index: i, to: BigInt(i) << 58n }));
  assert.deepEqual(normalize(decodeMessageBatch(encodeMessageBatch(batch))), normalize(batch));
  assert.deepEqual(decodeMessageBatch(encodeMessageBatch([])), []);
});

test('our encoding is what the .proto schema describes (protobufjs reflection decodes it)', () => {
  const m = message({ snapshot: { data: Buffer.from('s'), metadata: { confState, index: 9, term: 2 } } });
  const reflected = reflect('Message', encodeMessage(m)) as Record<string, unknown>;
  assert.equal(reflected['type'], MessageType.MsgApp);
  assert.equal(reflected['to'], m.to.toString());
  assert.equal(reflected['from'], m.from.toString());
  assert.equal(reflected['logTerm'], '6');
  assert.equal(reflected['commit'], '99');
  const entries = reflected['entries'] as Record<string, unknown>[];
  assert.equal(entries.length, 2);
  assert.equal(entries[0]!['index'], '101');
  const snap = reflected['snapshot'] as { metadata: { confState: { voters: string[]; autoLeave: boolean } } };
  assert.deepEqual(snap.metadata.confState.voters, confState.voters.map(String));
  assert.equal(snap.metadata.confState.autoLeave, true);

  const hs = reflect('HardState', encodeHardState({ term: 3, vote: U64_MAX, commit: 2 }));
  assert.deepEqual(hs, { term: '3', vote: U64_MAX.toString(), commit: '2' });
});

test('we decode what protobufjs reflection encodes from the .proto, packed or unpacked', () => {
  const bytes = T('Message')
    .encode(
      T('Message').fromObject({
        type: MessageType.MsgVoteResp,
        to: U64_MAX.toString(),
        from: (1n << 63n).toString(),
        term: 12,
        reject: true,
        entries: [{ type: EntryType.ConfChangeV2, term: 1, index: 2, data: Buffer.from([1, 2, 3]) }],
      }),
    )
    .finish();
  const m = decodeMessage(bytes);
  assert.equal(m.type, MessageType.MsgVoteResp);
  assert.equal(m.to, U64_MAX);
  assert.equal(m.from, 1n << 63n);
  assert.equal(m.term, 12);
  assert.equal(m.reject, true);
  assert.equal(m.entries[0]!.type, EntryType.ConfChangeV2);
  assert.deepEqual([...m.entries[0]!.data], [1, 2, 3]);

  // Unpacked repeated ids (what a proto2 writer produces) decode the same as packed ones.
  const unpacked = Buffer.concat([Buffer.from([1 << 3]), varint(5n), Buffer.from([1 << 3]), varint(U64_MAX), Buffer.from([2 << 3, 9])]);
  const cs = confStateCodec.decode(unpacked);
  assert.deepEqual(cs.voters, [5n, U64_MAX]);
  assert.deepEqual(cs.learners, [9n]);
});

test('decoding is strict: large integers, unknown enums and truncation are DecodeErrors', () => {
  const tooBig = T('Entry').encode(T('Entry').fromObject({ index: String(2 ** 53) })).finish();
  assert.throws(() => decodeEntry(tooBig), (err: unknown) => err instanceof DecodeError && /exceeds 2\^53/.test(err.message));

  const badEnum = T('Entry').encode(T('Entry').fromObject({ type: 1, index: 1 })).finish();
  assert.throws(() => decodeEntry(badEnum), /unknown entry type 1/);
  const badMsgType = protobuf.Writer.create().uint32(8).uint32(19).finish();
  assert.throws(() => decodeMessage(badMsgType), /unknown message type 19/);

  const full = encodeMessage(message({ snapshot: { data: Buffer.from('abc'), metadata: { confState, index: 1, term: 1 } } }));
  for (let cut = 0; cut < full.length; cut++) {
    try {
      messageCodec.decode(full.subarray(0, cut));
    } catch (err) {
      assert.ok(err instanceof DecodeError, `cut at ${cut}: ${String(err)}`);
    }
  }
});

test('unknown fields are skipped, so the schema can grow', () => {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).uint32(4); // term
  w.uint32((99 << 3) | 2).bytes(Buffer.from('future field'));
  w.uint32((100 << 3) | 0).uint32(7);
  w.uint32((3 << 3) | 0).uint32(11); // commit
  assert.deepEqual(hardStateCodec.decode(w.finish()), { term: 4, vote: 0n, commit: 11 });
  assert.deepEqual(entryCodec.decode(Buffer.alloc(0)), { term: 0, index: 0, type: EntryType.Normal, data: Buffer.alloc(0) });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKeyValue, encodeKeyValue, encodeTombstone, readIndexFields } from '../../src/mvcc/kv_codec.js';
import { isTombstoneKey, revisionKey, revisionMain, revisionSub } from '../../src/mvcc/revision.js';
import type { KeyValue } from '../../src/mvcc/index.js';

const kv = (over: Partial<KeyValue>): KeyValue => ({
  key: Buffer.from('k'),
  createRevision: 2,
  modRevision: 3,
  version: 2,
  value: Buffer.from('v'),
  lease: 0n,
  ...over,
});

test('KeyValue encoding is mvccpb.KeyValue protobuf, zero fields omitted', () => {
  // key=1 bytes, create=2, mod=3, version=4, value=5 bytes, lease=6: what etcd's gogoproto writes.
  assert.equal(encodeKeyValue(kv({ lease: 5n })).toString('hex'), '0a016b100218032002' + '2a0176' + '3005');
  assert.equal(encodeKeyValue(kv({ value: Buffer.alloc(0) })).toString('hex'), '0a016b100218032002');
  assert.equal(encodeTombstone(Buffer.from('k')).toString('hex'), '0a016b');
});

test('KeyValue round-trips at the edges of its number ranges', () => {
  const cases: KeyValue[] = [
    kv({}),
    kv({ createRevision: 2 ** 53 - 1, modRevision: 2 ** 40, version: 127 }),
    kv({ version: 128, lease: 2n ** 63n - 1n }),
    kv({ lease: -1n }),
    kv({ lease: 2n ** 62n }),
    kv({ key: Buffer.alloc(300, 0xff), value: Buffer.alloc(70_000, 1) }),
  ];
  for (const original of cases) {
    const encoded = encodeKeyValue(original);
    assert.deepEqual(decodeKeyValue(encoded), original);
    const fields = { keyStart: 0, keyEnd: 0, createRevision: 0, version: 0 };
    readIndexFields(encoded, fields);
    assert.deepEqual(encoded.subarray(fields.keyStart, fields.keyEnd), original.key);
    assert.equal(fields.createRevision, original.createRevision);
    assert.equal(fields.version, original.version);
  }
});

test('unknown fields are skipped when decoding', () => {
  const extra = Buffer.concat([encodeKeyValue(kv({})), Buffer.from('3801' + '4203616263' + '4d01020304' + '490102030405060708', 'hex')]);
  assert.deepEqual(decodeKeyValue(extra), kv({}));
});

test('revision keys sort as revisions and mark tombstones', () => {
  const revs: Array<[number, number]> = [[1, 0], [1, 1], [2, 0], [255, 3], [256, 0], [2 ** 32, 0], [2 ** 40 + 1, 2 ** 33]];
  const keys = revs.map(([m, s]) => revisionKey(m, s));
  const sorted = [...keys].sort(Buffer.compare);
  assert.deepEqual(sorted, keys);
  for (const [i, [m, s]] of revs.entries()) {
    assert.equal(revisionMain(keys[i]!), m);
    assert.equal(revisionSub(keys[i]!), s);
  }
  assert.equal(revisionKey(5, 1).toString('hex'), '0000000000000005' + '5f' + '0000000000000001');
  assert.equal(isTombstoneKey(revisionKey(5, 1, true)), true);
  assert.equal(revisionKey(5, 1, true).toString('latin1').slice(-1), 't');
  assert.ok(Buffer.compare(revisionKey(5, 1, true), revisionKey(5, 2)) < 0);
});

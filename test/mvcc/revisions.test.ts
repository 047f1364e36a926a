import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionFailure } from '../../src/base/assert.js';
import { isEtcdError } from '../../src/base/errors.js';
import { b, del, NO_END, OPEN_END, put, show, storedRevisions, withStore } from './helpers.js';


test('an empty store is at revision 1 and has never been compacted', async () => {
  await withStore(async ({ store }) => {
    assert.equal(store.currentRevision(), 1);
    assert.equal(store.compactedRevision(), 0);
    assert.deepEqual(store.range(b('\0'), OPEN_END), { kvs: [], more: false, count: 0, rev: 1 });
  });
});

test('each put takes a revision; version counts puts, identical values included', async () => {
  await withStore(async ({ store }) => {
    assert.equal(put(store, 'foo', 'bar'), 2);
    assert.equal(put(store, 'foo', 'bar'), 3);
    assert.equal(put(store, 'other', 'x', 7n), 4);
    assert.deepEqual(show(store.range(b('foo'), NO_END).kvs), ['foo=bar@2/3/2']);
    const [other] = store.range(b('other'), NO_END).kvs;
    assert.equal(other?.lease, 7n);
  });
});

test('one write txn is one main revision with increasing sub revisions', async () => {
  await withStore(async ({ store, backend, commit }) => {
    const txn = store.write();
    assert.equal(txn.rev(), 1, 'nothing changed yet');
    txn.put(b('a'), b('1'), 0n);
    assert.equal(txn.rev(), 2);
    txn.put(b('b'), b('1'), 0n);
    txn.put(b('a'), b('2'), 0n);
    const { deleted } = txn.deleteRange(b('b'), NO_END);
    assert.deepEqual(show(deleted), ['b=1@2/2/1']);
    const { rev, events } = txn.end();
    assert.equal(rev, 2);
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.kv.key.toString()} ${e.kv.modRevision} v${e.kv.version} prev:${e.prevKv?.value.toString() ?? '-'}`),
      ['PUT a 2 v1 prev:-', 'PUT b 2 v1 prev:-', 'PUT a 2 v2 prev:1', 'DELETE b 2 v0 prev:1'],
    );
    await commit();
    assert.deepEqual(await storedRevisions(backend), ['2_0', '2_1', '2_2', '2_3t']);
    assert.deepEqual(show(store.range(b('a'), NO_END).kvs), ['a=2@2/2/2']);
    assert.equal(store.range(b('b'), NO_END).count, 0);
  });
});

test('put returns the previous kv (read lazily, valid through the commit of its batch)', async () => {
  await withStore(async ({ store, commit }) => {
    const first = store.write();
    const created = first.put(b('k'), b('v1'), 3n);
    first.end();
    assert.equal(created.prev, undefined);
    const second = store.write();
    const updated = second.put(b('k'), b('v2'), 0n);
    const again = second.put(b('k'), b('v3'), 0n);
    const { events } = second.end();
    await commit();
    assert.deepEqual(show(updated.prev ? [updated.prev] : []), ['k=v1@2/2/1']);
    assert.equal(updated.prev?.lease, 3n);
    assert.deepEqual(show(again.prev ? [again.prev] : []), ['k=v2@2/3/2'], 'the put before it in the same txn');
    assert.deepEqual(events.map((e) => e.prevKv?.value.toString()), ['v1', 'v2']);
  });
});

test('a txn that changes nothing keeps the revision', async () => {
  await withStore(async ({ store }) => {
    put(store, 'a', '1');
    const reads = store.write();
    reads.range(b('a'), NO_END);
    assert.deepEqual(reads.end(), { rev: 2, events: [] });
    assert.equal(del(store, 'missing'), 2);
    assert.equal(del(store, 'b', 'z'), 2, 'a delete over a range holding nothing');
    assert.equal(store.currentRevision(), 2);
    assert.equal(put(store, 'a', '2'), 3);
  });
});

test('delete writes a tombstone; the next put starts a new generation', async () => {
  await withStore(async ({ store, backend, commit }) => {
    put(store, 'k', 'v1'); // 2
    put(store, 'k', 'v2'); // 3
    const txn = store.write();
    const { deleted } = txn.deleteRange(b('k'), NO_END);
    const { rev, events } = txn.end();
    assert.equal(rev, 4);
    assert.deepEqual(show(deleted), ['k=v2@2/3/2']);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.type, 'DELETE');
    assert.deepEqual(
      { ...event?.kv, key: event?.kv.key.toString(), value: event?.kv.value.toString() },
      { key: 'k', createRevision: 0, modRevision: 4, version: 0, value: '', lease: 0n },
      'a DELETE event carries only the key and the deletion revision',
    );
    put(store, 'k', 'v3'); // 5
    put(store, 'k', 'v4'); // 6
    await commit();
    assert.deepEqual(await storedRevisions(backend), ['2_0', '3_0', '4_0t', '5_0', '6_0']);

    assert.deepEqual(show(store.range(b('k'), NO_END).kvs), ['k=v4@5/6/2']);
    assert.deepEqual(show(store.range(b('k'), NO_END, { rev: 2 }).kvs), ['k=v1@2/2/1']);
    assert.deepEqual(show(store.range(b('k'), NO_END, { rev: 3 }).kvs), ['k=v2@2/3/2']);
    assert.deepEqual(store.range(b('k'), NO_END, { rev: 4 }).kvs, [], 'deleted at 4');
    assert.deepEqual(show(store.range(b('k'), NO_END, { rev: 5 }).kvs), ['k=v3@5/5/1']);
    assert.equal(store.range(b('k'), NO_END, { rev: 1 }).count, 0, 'before it existed');

    // Several generations, read at every revision.
    del(store, 'k'); // 7
    put(store, 'k', 'v5'); // 8
    const atEachRevision = [2, 3, 4, 5, 6, 7, 8].map((rev) => show(store.range(b('k'), NO_END, { rev }).kvs)[0] ?? '-');
    assert.deepEqual(atEachRevision, ['k=v1@2/2/1', 'k=v2@2/3/2', '-', 'k=v3@5/5/1', 'k=v4@5/6/2', '-', 'k=v5@8/8/1']);
  });
});

test('a range over many keys deletes each once, in key order, in one revision', async () => {
  await withStore(async ({ store }) => {
    for (const k of ['a', 'b', 'c', 'd']) put(store, k, k);
    del(store, 'b'); // 6
    const txn = store.write();
    const { deleted } = txn.deleteRange(b('a'), b('d'));
    const { rev, events } = txn.end();
    assert.equal(rev, 7);
    assert.deepEqual(show(deleted), ['a=a@2/2/1', 'c=c@4/4/1']);
    assert.deepEqual(events.map((e) => e.kv.key.toString()), ['a', 'c']);
    assert.deepEqual(show(store.range(b('\0'), OPEN_END).kvs), ['d=d@5/5/1']);
    assert.deepEqual(show(store.range(b('\0'), OPEN_END, { rev: 6 }).kvs), ['a=a@2/2/1', 'c=c@4/4/1', 'd=d@5/5/1']);
  });
});

test('a write txn reads its own writes; the store does not until the txn ends', async () => {
  await withStore(async ({ store }) => {
    put(store, 'a', '1'); // 2
    const txn = store.write();
    txn.put(b('a'), b('2'), 0n);
    txn.deleteRange(b('zz'), NO_END);
    txn.put(b('b'), b('new'), 0n);
    assert.deepEqual(show(txn.range(b('a'), b('c')).kvs), ['a=2@2/3/2', 'b=new@3/3/1']);
    assert.equal(txn.range(b('a'), b('c')).rev, 3);
    assert.deepEqual(show(txn.range(b('a'), b('c'), { rev: 2 }).kvs), ['a=1@2/2/1']);
    assert.deepEqual(show(store.range(b('a'), b('c')).kvs), ['a=1@2/2/1'], 'others see the last finished revision');
    assert.throws(() => store.range(b('a'), NO_END, { rev: 3 }), (e) => isEtcdError(e, 'FutureRev'));
    assert.throws(() => txn.range(b('a'), NO_END, { rev: 4 }), (e) => isEtcdError(e, 'FutureRev'));
    const { deleted } = txn.deleteRange(b('b'), NO_END);
    assert.deepEqual(show(deleted), ['b=new@3/3/1'], 'deleting a key put earlier in the same txn');
    txn.end();
    assert.deepEqual(show(store.range(b('a'), b('c')).kvs), ['a=2@2/3/2']);
  });
});

test('future revisions are refused; one write txn at a time', async () => {
  await withStore(async ({ store }) => {
    put(store, 'a', '1');
    assert.throws(() => store.range(b('a'), NO_END, { rev: 3 }), (e) => isEtcdError(e, 'FutureRev'));
    assert.equal(store.range(b('a'), NO_END, { rev: -5 }).count, 1, 'a negative revision means current');
    const txn = store.write();
    assert.throws(() => store.write(), AssertionFailure);
    txn.end();
    assert.throws(() => txn.put(b('a'), b('x'), 0n), AssertionFailure);
  });
});

test('leases, binary keys and large values round-trip', async () => {
  await withStore(async (fx) => {
    const bigLease = 2n ** 62n + 5n;
    const key = Buffer.from([0, 0xff, 0x80, 0x0a]);
    const value = Buffer.alloc(200_000, 0xab);
    const txn = fx.store.write();
    txn.put(key, value, bigLease);
    txn.put(b('empty'), Buffer.alloc(0), 0n);
    txn.end();
    await fx.reopen();
    const [kv] = fx.store.range(key, NO_END).kvs;
    assert.ok(kv);
    assert.deepEqual(kv.key, key);
    assert.equal(kv.lease, bigLease);
    assert.ok(kv.value.equals(value));
    assert.equal(fx.store.range(b('empty'), NO_END).kvs[0]?.value.length, 0);
  });
});

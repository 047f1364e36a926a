import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEtcdError } from '../../src/base/errors.js';
import { del, put, withStore } from './helpers.js';

// The history below was run against etcd 3.4.23 (etcdctl put/del, then `endpoint hashkv --rev`);
// the expected hashes are what etcd reported. Equal hashes mean our stored bytes (revision keys
// and KeyValue encodings) and our choice of revisions kept by compaction are etcd's.
test('hashKV equals etcd 3.4 for the same history, before and after compaction', async () => {
  await withStore(async ({ store, commit }) => {
    put(store, 'a', '1'); // 2
    put(store, 'a', '2'); // 3
    put(store, 'b', '1'); // 4
    del(store, 'a'); // 5
    put(store, 'a', '3'); // 6
    put(store, 'c', 'x'); // 7
    del(store, 'c'); // 8
    assert.equal(store.currentRevision(), 8);
    assert.deepEqual(store.hashKV(0), { hash: 3250973890, compactRevision: -1, hashRevision: 8 });
    assert.equal(store.hashKV(2).hash, 2587454935);
    assert.equal(store.hashKV(3).hash, 535221974);
    assert.equal(store.hashKV(5).hash, 475587494);
    assert.equal(store.hashKV(8).hash, 3250973890);

    const { done } = store.compact(5);
    await commit();
    await done;
    assert.deepEqual(store.hashKV(0), { hash: 3565062191, compactRevision: 5, hashRevision: 8 });
    assert.equal(store.hashKV(6).hash, 3778740232);
    for (const rev of [4, 5]) assert.throws(() => store.hashKV(rev), (e) => isEtcdError(e, 'Compacted'));
    assert.throws(() => store.hashKV(9), (e) => isEtcdError(e, 'FutureRev'));
  });
});

test('two stores fed the same writes agree on hashKV; a different write changes it', async () => {
  await withStore(async (one) => {
    await withStore(async (two) => {
      for (const fx of [one, two]) {
        for (let i = 0; i < 50; i++) put(fx.store, `key${i % 9}`, `value${i}`, BigInt(i % 4));
        del(fx.store, 'key3');
        del(fx.store, 'key5', 'key7');
      }
      await Promise.all([one.store.compact(30).done, one.commit()]);
      await Promise.all([two.store.compact(30).done, two.commit()]);
      assert.deepEqual(one.store.hashKV(0), two.store.hashKV(0));
      assert.deepEqual(one.store.hashKV(45), two.store.hashKV(45));
      await two.reopen();
      assert.deepEqual(one.store.hashKV(0), two.store.hashKV(0), 'a restart does not change the hash');
      put(two.store, 'key1', 'different');
      put(one.store, 'key1', 'differenT');
      assert.notEqual(one.store.hashKV(0).hash, two.store.hashKV(0).hash);
    });
  });
});

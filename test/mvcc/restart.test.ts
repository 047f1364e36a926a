import { test } from 'node:test';
import assert from 'node:assert/strict';
import { b, del, OPEN_END, put, show, withStore } from './helpers.js';
import type { MvccStore } from '../../src/mvcc/index.js';

/** Everything visible at every revision, to compare a store with itself after a restart. */
function allRevisions(store: MvccStore): string[][] {
  const out: string[][] = [];
  for (let rev = Math.max(1, store.compactedRevision()); rev <= store.currentRevision(); rev++) {
    out.push(show(store.range(b('\0'), OPEN_END, { rev }).kvs));
  }
  return out;
}

test('a restart rebuilds the key index and keeps the revision counter', async () => {
  await withStore(async (fx) => {
    for (let i = 0; i < 30; i++) put(fx.store, `k${i % 7}`, `v${i}`, BigInt(i % 3));
    del(fx.store, 'k2');
    del(fx.store, 'k4', 'k6');
    put(fx.store, 'k4', 'again');
    const txn = fx.store.write();
    txn.put(b('t1'), b('x'), 0n);
    txn.put(b('t2'), b('y'), 0n);
    txn.put(b('t1'), b('z'), 0n);
    txn.end();
    const before = allRevisions(fx.store);
    const rev = fx.store.currentRevision();
    await fx.reopen();
    assert.equal(fx.store.currentRevision(), rev);
    assert.deepEqual(allRevisions(fx.store), before);
    put(fx.store, 'k1', 'after');
    assert.equal(fx.store.currentRevision(), rev + 1);
    assert.deepEqual(show(fx.store.range(b('k1'), Buffer.alloc(0)).kvs), [`k1=after@3/${rev + 1}/6`]);
  });
});

test('the revision counter survives when compaction removed the newest revisions', async () => {
  await withStore(async (fx) => {
    put(fx.store, 'a', '1'); // 2
    del(fx.store, 'a'); // 3: compacting at 3 leaves the bucket empty
    await Promise.all([fx.store.compact(3).done, fx.commit()]);
    await fx.reopen();
    assert.equal(fx.store.currentRevision(), 3);
    assert.equal(fx.store.compactedRevision(), 3);
    assert.equal(put(fx.store, 'a', '2'), 4);
  });
});

test('a pending batch that is never committed is lost on reopen; committed ones survive', async () => {
  await withStore(async (fx) => {
    put(fx.store, 'a', '1');
    fx.store.setConsistentIndex(10, 2);
    await fx.commit();
    put(fx.store, 'a', '2');
    put(fx.store, 'b', '1');
    fx.store.setConsistentIndex(12, 2);
    assert.deepEqual(fx.store.consistentIndex(), { index: 12, term: 2 }, 'a staged index is visible at once');
    await fx.crash();
    assert.equal(fx.store.currentRevision(), 2);
    assert.deepEqual(show(fx.store.range(b('\0'), OPEN_END).kvs), ['a=1@2/2/1']);
    assert.deepEqual(fx.store.consistentIndex(), { index: 10, term: 2 }, 'the index went with its data');
    // Re-applying the lost entries reproduces the same revisions.
    put(fx.store, 'a', '2');
    put(fx.store, 'b', '1');
    assert.equal(fx.store.currentRevision(), 4);
  });
});

test('the consistent index round-trips in the same batch as the data', async () => {
  await withStore(async (fx) => {
    assert.deepEqual(fx.store.consistentIndex(), { index: 0, term: 0 });
    put(fx.store, 'a', '1');
    fx.store.setConsistentIndex(2 ** 40 + 3, 7);
    await fx.reopen();
    assert.deepEqual(fx.store.consistentIndex(), { index: 2 ** 40 + 3, term: 7 });
    assert.equal(fx.store.range(b('a'), Buffer.alloc(0)).count, 1);
  });
});

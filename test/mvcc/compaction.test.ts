import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEtcdError } from '../../src/base/errors.js';
import { readFinishedCompaction, readScheduledCompaction, stageScheduledCompaction } from '../../src/mvcc/meta.js';
import { revisionKey } from '../../src/mvcc/revision.js';
import type { MvccStore } from '../../src/mvcc/index.js';
import { b, del, NO_END, OPEN_END, put, show, storedRevisions, withStore } from './helpers.js';


/** a: 2, 3, deleted 5, 6; b: 4; c: 7, deleted 8. Current revision 8. */
function writeHistory(store: MvccStore): void {
  put(store, 'a', '1');
  put(store, 'a', '2');
  put(store, 'b', '1');
  del(store, 'a');
  put(store, 'a', '3');
  put(store, 'c', 'x');
  del(store, 'c');
}

const isCompacted = (e: unknown) => isEtcdError(e, 'Compacted');

test('reads below the compaction revision fail, at and above it they work', async () => {
  await withStore(async ({ store, commit }) => {
    writeHistory(store);
    const { done } = store.compact(4);
    assert.equal(store.compactedRevision(), 4);
    assert.throws(() => store.range(b('a'), NO_END, { rev: 3 }), isCompacted);
    assert.throws(() => store.range(b('a'), NO_END, { rev: 2, countOnly: true }), isCompacted);
    // Exactly at the compaction revision is allowed (etcd 3.4: `get a --rev 5` after `compaction 5` works).
    assert.deepEqual(show(store.range(b('\0'), OPEN_END, { rev: 4 }).kvs), ['a=2@2/3/2', 'b=1@4/4/1']);
    assert.deepEqual(show(store.range(b('\0'), OPEN_END, { rev: 5 }).kvs), ['b=1@4/4/1']);
    assert.deepEqual(show(store.range(b('\0'), OPEN_END).kvs), ['a=3@6/6/1', 'b=1@4/4/1']);
    await commit();
    await done;
    // Same answers once the superseded revisions are gone from disk.
    assert.deepEqual(show(store.range(b('\0'), OPEN_END, { rev: 4 }).kvs), ['a=2@2/3/2', 'b=1@4/4/1']);
    assert.deepEqual(show(store.range(b('\0'), OPEN_END, { rev: 7 }).kvs), ['a=3@6/6/1', 'b=1@4/4/1', 'c=x@7/7/1']);
  });
});

test('compaction validates its revision as etcd does', async () => {
  await withStore(async ({ store, commit }) => {
    // etcd accepts a first compaction at 0 (and at the current revision of an empty store).
    await Promise.all([store.compact(0).done, commit()]);
    assert.throws(() => store.compact(0), isCompacted);
    assert.throws(() => store.compact(2), (e) => isEtcdError(e, 'FutureRev'));
    await Promise.all([store.compact(1).done, commit()]);
    writeHistory(store);
    await Promise.all([store.compact(3).done, commit()]);
    assert.throws(() => store.compact(3), isCompacted);
    assert.throws(() => store.compact(2), isCompacted);
    assert.throws(() => store.compact(-1), isCompacted);
    assert.throws(() => store.compact(9), (e) => isEtcdError(e, 'FutureRev'));
    assert.equal(store.compactedRevision(), 3);
  });
});

test('physical compaction keeps, per key, the newest revision at or below it unless it is a tombstone', async () => {
  await withStore(async ({ store, backend, commit }) => {
    writeHistory(store);
    await commit();
    assert.deepEqual(await storedRevisions(backend), ['2_0', '3_0', '4_0', '5_0t', '6_0', '7_0', '8_0t']);

    let done = store.compact(4).done;
    await commit();
    await done;
    // a@2 is superseded by a@3; a's first generation is still visible at 4, so a@3 and its tombstone stay.
    assert.deepEqual(await storedRevisions(backend), ['3_0', '4_0', '5_0t', '6_0', '7_0', '8_0t']);

    done = store.compact(5).done;
    await commit();
    await done;
    // Deleted at 5: the whole first generation of a goes, tombstone included.
    assert.deepEqual(await storedRevisions(backend), ['4_0', '6_0', '7_0', '8_0t']);

    done = store.compact(8).done;
    await commit();
    await done;
    // c was deleted at 8: nothing of it is left; b and a keep their only revision.
    assert.deepEqual(await storedRevisions(backend), ['4_0', '6_0']);
    assert.equal(readScheduledCompaction(backend), 8);
    assert.equal(readFinishedCompaction(backend), 8);
    assert.deepEqual(show(store.range(b('\0'), OPEN_END, { rev: 8 }).kvs), ['a=3@6/6/1', 'b=1@4/4/1']);
  });
});

test('the physical pass waits for the batch that recorded the compaction', async () => {
  await withStore(async ({ store, backend, commit }) => {
    writeHistory(store); // still pending: nothing on disk yet
    let finished = false;
    const { done } = store.compact(5);
    void done.then(() => (finished = true));
    put(store, 'a', '4'); // 9, written after the compaction was accepted
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(finished, false, 'no physical compaction before the commit');
    assert.equal(readFinishedCompaction(backend), -1);
    await commit();
    await done;
    assert.deepEqual(await storedRevisions(backend), ['4_0', '6_0', '7_0', '8_0t', '9_0']);
    assert.equal(readFinishedCompaction(backend), 5);
  });
});

test('compactions accepted back to back all finish, in order', async () => {
  await withStore(async ({ store, backend, commit }) => {
    writeHistory(store);
    const first = store.compact(3).done;
    const second = store.compact(5).done;
    const third = store.compact(8).done;
    await commit();
    await Promise.all([first, second, third]);
    assert.deepEqual(await storedRevisions(backend), ['4_0', '6_0']);
    assert.equal(readFinishedCompaction(backend), 8);
  });
});

test('a compaction interrupted by a crash resumes when the store opens', async () => {
  await withStore(async (fx) => {
    writeHistory(fx.store);
    await fx.commit();
    // Simulate a crash right after the intent was recorded: the intent is on disk, nothing deleted.
    stageScheduledCompaction(fx.backend, 5);
    await fx.commit();
    assert.equal(readScheduledCompaction(fx.backend), 5);
    assert.equal(readFinishedCompaction(fx.backend), -1);
    await fx.crash();

    assert.equal(fx.store.compactedRevision(), 5);
    assert.throws(() => fx.store.range(b('a'), NO_END, { rev: 4 }), isCompacted);
    assert.deepEqual(show(fx.store.range(b('\0'), OPEN_END, { rev: 5 }).kvs), ['b=1@4/4/1']);
    await fx.store.compactionIdle();
    assert.deepEqual(await storedRevisions(fx.backend), ['4_0', '6_0', '7_0', '8_0t']);
    assert.equal(readFinishedCompaction(fx.backend), 5);
    assert.equal(fx.store.currentRevision(), 8);
  });
});

test('a crash halfway through the physical pass: leftovers are recognised and removed', async () => {
  await withStore(async (fx) => {
    writeHistory(fx.store);
    await fx.commit();
    // The pass deleted a@2 and a@3 but not a's tombstone at 5 before the crash.
    stageScheduledCompaction(fx.backend, 5);
    fx.backend.del('key', revisionKey(2, 0));
    fx.backend.del('key', revisionKey(3, 0));
    await fx.commit();
    await fx.crash();
    assert.deepEqual(show(fx.store.range(b('\0'), OPEN_END, { rev: 5 }).kvs), ['b=1@4/4/1']);
    assert.deepEqual(show(fx.store.range(b('\0'), OPEN_END).kvs), ['a=3@6/6/1', 'b=1@4/4/1']);
    await fx.store.compactionIdle();
    assert.deepEqual(await storedRevisions(fx.backend), ['4_0', '6_0', '7_0', '8_0t']);
  });
});

test('closing the store stops a pass that waits for a commit; it resumes at the next open', async () => {
  await withStore(async (fx) => {
    writeHistory(fx.store);
    await fx.commit();
    const { done } = fx.store.compact(5);
    await fx.commit(); // the intent is on disk
    // A crash before the pass ran: stop the store at once.
    await fx.store.close();
    await done.catch(() => {}); // stopped or finished: either way the reopen below must end the job
    await fx.crash();
    await fx.store.compactionIdle();
    assert.deepEqual(await storedRevisions(fx.backend), ['4_0', '6_0', '7_0', '8_0t']);

    // A pass whose intent never reached the disk is simply lost with its batch.
    const lost = fx.store.compact(6).done;
    await fx.store.close();
    await assert.rejects(lost);
    await fx.crash();
    assert.equal(fx.store.compactedRevision(), 5);
  });
});

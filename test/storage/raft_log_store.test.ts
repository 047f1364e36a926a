import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AssertionFailure } from '../../src/base/assert.js';
import { RaftLogStore, WalCorruptionError, type RaftLogState } from '../../src/storage/raft_log_store.js';
import { scanRecords } from '../../src/storage/wal_record.js';
import type { HardState } from '../../src/raft/types.js';
import { CountingDisk, entries, entry, snapshotMeta, withTempDir } from './disk_helpers.js';

const meta = snapshotMeta;

function describe(state: RaftLogState): string {
  return state.entries.map((e) => `${e.index}/${e.term}`).join(' ');
}

async function reopen(dir: string, opts: Parameters<typeof RaftLogStore.open>[1] = {}): Promise<RaftLogState> {
  const { store, state } = await RaftLogStore.open(dir, opts);
  await store.close();
  return state;
}

async function walFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
}

test('a new WAL is fresh and empty; reopened it is no longer fresh', async () => {
  await withTempDir(async (root) => {
    const dir = join(root, 'member', 'wal');
    const first = await RaftLogStore.open(dir);
    assert.equal(first.fresh, true);
    assert.deepEqual(first.state, { hardState: { term: 0, vote: 0n, commit: 0 }, entries: [] });
    await first.store.close();
    const second = await RaftLogStore.open(dir);
    assert.equal(second.fresh, false);
    assert.deepEqual(second.state.entries, []);
    await second.store.close();
  });
});

test('entries and the hard state survive a restart byte for byte', async () => {
  await withTempDir(async (dir) => {
    const { store } = await RaftLogStore.open(dir);
    const hs: HardState = { term: 3, vote: (1n << 64n) - 2n, commit: 2 };
    const written = [entry(1, 1, Buffer.alloc(0)), entry(2, 3, Buffer.alloc(200_000, 7)), entry(3, 3, 'x')];
    await store.save(hs, written);
    await store.close();
    const state = await reopen(dir);
    assert.deepEqual(state.hardState, hs);
    assert.deepEqual(
      state.entries.map((e) => [e.index, e.term, e.type, Buffer.from(e.data).toString('hex')]),
      written.map((e) => [e.index, e.term, e.type, Buffer.from(e.data).toString('hex')]),
    );
  });
});

test('entries at an existing index truncate the stored suffix, in memory and after restart', async () => {
  await withTempDir(async (dir) => {
    const { store } = await RaftLogStore.open(dir);
    await store.save({ term: 1, vote: 1n, commit: 5 }, entries(1, 10, 1));
    await store.save({ term: 2, vote: 2n, commit: 5 }, entries(6, 8, 2));
    await store.close();
    const state = await reopen(dir);
    assert.equal(describe(state), '1/1 2/1 3/1 4/1 5/1 6/2 7/2 8/2');
    assert.equal(Buffer.from(state.entries[6]!.data).toString(), 'entry-7-term-2');

    const again = await RaftLogStore.open(dir);
    await again.store.save(undefined, [entry(9, 2)]); // continues after the truncated log, no gap
    await assert.rejects(again.store.save(undefined, [entry(11, 2)]), AssertionFailure);
    await again.store.close();
    assert.equal(describe(await reopen(dir)), '1/1 2/1 3/1 4/1 5/1 6/2 7/2 8/2 9/2');
  });
});

test('group commit: one save of many entries and a hard state costs exactly one fsync', async () => {
  await withTempDir(async (dir) => {
    const disk = new CountingDisk();
    const { store } = await RaftLogStore.open(dir, { disk });
    disk.fileSyncs = disk.dirSyncs = 0;
    await store.save({ term: 1, vote: 1n, commit: 0 }, entries(1, 1000, 1, 100));
    assert.deepEqual([disk.fileSyncs, disk.dirSyncs], [1, 0]);
    await store.save(undefined, []);
    await store.save({ term: 1, vote: 1n, commit: 0 }, []); // unchanged hard state: nothing to write
    assert.deepEqual([disk.fileSyncs, disk.dirSyncs], [1, 0]);
    await store.save({ term: 1, vote: 1n, commit: 1000 }, []);
    assert.equal(disk.fileSyncs, 2);
    await store.close();
  });
});

test('concurrent saves are serialized in call order', async () => {
  await withTempDir(async (dir) => {
    const { store } = await RaftLogStore.open(dir);
    const pending = [];
    // Entries 15.. are never committed, so the last save may rewrite them.
    for (let i = 1; i <= 20; i++) pending.push(store.save({ term: 1, vote: 0n, commit: Math.min(i - 1, 14) }, [entry(i, 1)]));
    pending.push(store.save(undefined, entries(15, 16, 2)));
    await Promise.all(pending);
    await store.close();
    const state = await reopen(dir);
    assert.equal(state.entries.length, 16);
    assert.equal(state.entries.at(-1)!.term, 2);
    assert.equal(state.hardState.commit, 14);
  });
});

test('segments rotate; hard state and snapshot survive the release of old segments', async () => {
  await withTempDir(async (dir) => {
    const disk = new CountingDisk();
    const { store } = await RaftLogStore.open(dir, { disk, segmentBytes: 8 * 1024 });
    const hs: HardState = { term: 2, vote: 3n, commit: 0 };
    await store.save(hs, []); // the only hard state record: later segments must carry it in their heads
    for (let i = 0; i < 100; i++) await store.save(undefined, entries(i * 10 + 1, i * 10 + 10, 2, 100));
    const before = await walFiles(dir);
    assert.ok(before.length >= 10, `expected rotation, got ${before.length} segments`);
    assert.deepEqual(before, store.segmentFiles().map((p) => p.slice(dir.length + 1)));

    await store.releaseBefore(1000);
    assert.deepEqual(await walFiles(dir), before, 'no snapshot yet: nothing may go');

    await store.saveSnapshotMarker(meta(600, 2));
    const dirSyncs = disk.dirSyncs;
    await store.releaseBefore(600);
    const after = await walFiles(dir);
    assert.ok(after.length < before.length - 3, `released ${before.length - after.length} segments`);
    assert.equal(disk.dirSyncs - dirSyncs, before.length - after.length, 'a directory sync per removed segment');
    assert.ok(after.every((n, i) => n === before[before.length - after.length + i]), 'only the oldest go');
    await store.close();
    const carried = await reopen(dir);
    // Term and vote come from segment 0's record, copied into later heads; commit is raised to the snapshot.
    assert.deepEqual(carried.hardState, { ...hs, commit: 600 }, 'the hard state outlives the segment it was written to');
    assert.equal(carried.entries.length, 400);

    const { store: reopened } = await RaftLogStore.open(dir, { segmentBytes: 8 * 1024 });
    await reopened.save({ ...hs, commit: 900 }, entries(1001, 1001, 2));
    await reopened.close();
    const state = await reopen(dir, { segmentBytes: 8 * 1024 });
    assert.equal(state.snapshot?.index, 600);
    assert.deepEqual(state.snapshot?.confState.voters, [1n, 1n << 63n, (1n << 64n) - 1n]);
    assert.deepEqual(state.hardState, { ...hs, commit: 900 });
    assert.equal(state.entries[0]!.index, 601);
    assert.equal(state.entries.at(-1)!.index, 1001);
    assert.equal(state.entries.length, 401);
  });
});

test('a snapshot the log does not match replaces it, durably', async () => {
  await withTempDir(async (dir) => {
    const { store } = await RaftLogStore.open(dir);
    await store.save({ term: 1, vote: 1n, commit: 3 }, entries(1, 8, 1));
    await store.saveSnapshotMarker(meta(20, 4)); // from a leader, beyond our log
    await store.save({ term: 4, vote: 0n, commit: 20 }, entries(21, 22, 4));
    await assert.rejects(store.save(undefined, [entry(20, 4)]), /at or below the durable snapshot/);
    await store.close();
    const state = await reopen(dir);
    assert.equal(state.snapshot?.index, 20);
    assert.equal(describe(state), '21/4 22/4');
    assert.equal(state.hardState.commit, 20);
  });
});

/** Writes three saves and returns the bytes of the only segment and the offset of its last record. */
async function threeSaves(dir: string): Promise<{ path: string; bytes: Buffer; lastRecord: number }> {
  const { store } = await RaftLogStore.open(dir);
  await store.save({ term: 1, vote: 1n, commit: 0 }, entries(1, 5, 1, 40));
  await store.save({ term: 1, vote: 1n, commit: 5 }, entries(6, 7, 1, 40));
  await store.save({ term: 2, vote: 2n, commit: 7 }, entries(8, 9, 2, 60));
  const [path] = store.segmentFiles();
  await store.close();
  const bytes = await readFile(path!);
  return { path: path!, bytes, lastRecord: scanRecords(bytes).records.at(-1)!.offset };
}

test('torn tail: the last record cut at every byte offset is repaired and every earlier save kept', async () => {
  await withTempDir(async (dir) => {
    const { path, bytes, lastRecord } = await threeSaves(dir);
    for (let cut = lastRecord; cut < bytes.length; cut++) {
      for (const name of await readdir(dir)) if (name.endsWith('.broken')) await rm(join(dir, name));
      await writeFile(path, bytes.subarray(0, cut));
      const { store, state } = await RaftLogStore.open(dir);
      assert.equal(describe(state), '1/1 2/1 3/1 4/1 5/1 6/1 7/1', `cut at ${cut}`);
      assert.deepEqual(state.hardState, { term: 1, vote: 1n, commit: 5 });
      assert.equal((await readFile(path)).length, lastRecord, 'the torn bytes are cut off');
      if (cut > lastRecord) assert.ok((await readdir(dir)).some((n) => n.endsWith('.broken')), 'torn bytes kept aside');
      if (cut % 16 === 0) {
        // The repaired log takes new appends, and they survive another restart.
        await store.save({ term: 3, vote: 3n, commit: 7 }, entries(8, 8, 3));
        await store.close();
        assert.equal(describe(await reopen(dir)), '1/1 2/1 3/1 4/1 5/1 6/1 7/1 8/3');
      } else {
        await store.close();
      }
    }
  });
});

test('a flipped byte in the middle of the log stops the node with the file and offset', async () => {
  await withTempDir(async (dir) => {
    const { path, bytes } = await threeSaves(dir);
    const middle = scanRecords(bytes).records[2]!;
    const damaged = Buffer.from(bytes);
    damaged[middle.offset + 40]! ^= 0x04;
    await writeFile(path, damaged);
    await assert.rejects(RaftLogStore.open(dir), (err: unknown) => {
      assert.ok(err instanceof WalCorruptionError);
      assert.equal(err.file, path);
      assert.equal(err.offset, middle.offset);
      assert.match(err.message, new RegExp(`${path}.*offset ${middle.offset}.*followed by a valid record`));
      return true;
    });
    assert.deepEqual(await readFile(path), damaged, 'corruption is never "repaired"');
  });
});

test('a fully written but corrupt last record is an error too (it was acknowledged)', async () => {
  await withTempDir(async (dir) => {
    const { path, bytes, lastRecord } = await threeSaves(dir);
    const damaged = Buffer.from(bytes);
    damaged[lastRecord + 30]! ^= 0x01;
    await writeFile(path, damaged);
    await assert.rejects(RaftLogStore.open(dir), /fully written record/);
  });
});

async function rotated(dir: string): Promise<string[]> {
  const { store } = await RaftLogStore.open(dir, { segmentBytes: 2048 });
  for (let i = 0; i < 20; i++) await store.save({ term: 1, vote: 1n, commit: i * 5 }, entries(i * 5 + 1, i * 5 + 5, 1, 100));
  await store.close();
  return store.segmentFiles();
}

test('a missing middle segment, or damage at the end of a non-final segment, is an error', async () => {
  await withTempDir(async (dir) => {
    const files = await rotated(dir);
    assert.ok(files.length >= 4);
    await unlink(files[2]!);
    await assert.rejects(RaftLogStore.open(dir), (err: unknown) => err instanceof WalCorruptionError && /segment 2 is missing/.test(err.message));
  });
  await withTempDir(async (dir) => {
    const files = await rotated(dir);
    const bytes = await readFile(files[1]!);
    await truncate(files[1]!, bytes.length - 3); // a torn end anywhere but the last segment is not a crash artifact
    await assert.rejects(RaftLogStore.open(dir), (err: unknown) => err instanceof WalCorruptionError && err.file === files[1]);
  });
});

test('an unfinished segment (.tmp) is removed at open; the log is intact', async () => {
  await withTempDir(async (dir) => {
    await rotated(dir);
    await writeFile(join(dir, '00000000000000ff-0000000000000064.wal.tmp'), 'half a segment');
    const state = await reopen(dir);
    assert.equal(state.entries.length, 100);
    assert.ok(!(await readdir(dir)).some((n) => n.endsWith('.tmp')));
  });
});

test('after a failed fsync the store refuses further work', async () => {
  await withTempDir(async (dir) => {
    const disk = new CountingDisk();
    const { store } = await RaftLogStore.open(dir, { disk });
    await store.save(undefined, entries(1, 2, 1));
    disk.failNextFileSync = true;
    await assert.rejects(store.save(undefined, entries(3, 3, 1)), /EIO/);
    await assert.rejects(store.save(undefined, entries(3, 3, 1)), /failed earlier/);
    await assert.rejects(store.saveSnapshotMarker(meta(1, 1)), /failed earlier/);
    await store.close();
  });
});

test('caller bugs are assertion failures and do not poison the store', async () => {
  await withTempDir(async (dir) => {
    const { store } = await RaftLogStore.open(dir);
    await store.save(undefined, entries(1, 3, 2));
    await assert.rejects(store.save(undefined, [entry(4, 2), entry(6, 2)]), AssertionFailure);
    await assert.rejects(store.save(undefined, [entry(4, 1)].concat(entry(5, 0))), AssertionFailure);
    await store.saveSnapshotMarker(meta(2, 2));
    await assert.rejects(store.saveSnapshotMarker(meta(1, 2)), /older than/);
    await store.save(undefined, [entry(4, 2)]);
    await store.close();
    await assert.rejects(store.save(undefined, []), /closed/);
    assert.equal(describe(await reopen(dir)), '3/2 4/2');
  });
});

test('a bootstrap marker at index 0 carries the initial conf state and keeps the log after it', async () => {
  await withTempDir(async (dir) => {
    const { store } = await RaftLogStore.open(dir);
    await store.saveSnapshotMarker(meta(0, 0));
    await store.save({ term: 1, vote: 1n, commit: 2 }, entries(1, 3, 1));
    await store.close();
    const state = await reopen(dir);
    assert.equal(state.snapshot?.index, 0);
    assert.deepEqual(state.snapshot?.confState.voters, [1n, 1n << 63n, (1n << 64n) - 1n]);
    assert.equal(describe(state), '1/1 2/1 3/1');
  });
});

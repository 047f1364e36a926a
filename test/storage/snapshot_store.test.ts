import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotCorruptError, SnapshotStore } from '../../src/storage/snapshot_store.js';
import { CountingDisk, snapshotMeta, withTempDir } from './disk_helpers.js';

const meta = snapshotMeta;

function pattern(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

async function* chunked(data: Buffer, size: number): AsyncIterable<Buffer> {
  for (let at = 0; at < data.length; at += size) {
    await new Promise((r) => setImmediate(r));
    yield data.subarray(at, at + size);
  }
}

test('a saved snapshot loads back with its metadata and data; one fsync and one directory sync', async () => {
  await withTempDir(async (root) => {
    const disk = new CountingDisk();
    const store = await SnapshotStore.open(join(root, 'member', 'snap'), { disk });
    disk.fileSyncs = disk.dirSyncs = 0;
    const data = pattern(10_000, 1);
    const saved = await store.save(meta(100, 3), data);
    assert.deepEqual([disk.fileSyncs, disk.dirSyncs], [1, 1]);
    assert.match(saved.path, /0000000000000003-0000000000000064\.snap$/);
    const loaded = await store.load(100, 3);
    assert.deepEqual(loaded.metadata, meta(100, 3));
    assert.equal(loaded.dataBytes, data.length);
    assert.ok((await loaded.readAll()).equals(data));

    await store.save(meta(101, 3), new Uint8Array(0));
    const empty = await store.load(101, 3);
    assert.equal((await empty.readAll()).length, 0);
  });
});

test('large data streams in from an async iterable and back out in chunks', async () => {
  await withTempDir(async (dir) => {
    const store = await SnapshotStore.open(dir);
    const data = pattern(5 * 1024 * 1024 + 123, 7);
    await store.save(meta(5000, 9), chunked(data, 64 * 1024));
    const { snapshot } = await store.loadNewest();
    assert.equal(snapshot?.index, 5000);
    const parts: Buffer[] = [];
    for await (const chunk of snapshot!.readData()) parts.push(chunk);
    assert.ok(parts.length > 1, 'read back in more than one chunk');
    assert.ok(Buffer.concat(parts).equals(data));
  });
});

test('loadNewest skips (and sets aside) corrupt files, and honours maxIndex', async () => {
  await withTempDir(async (dir) => {
    const store = await SnapshotStore.open(dir);
    await store.save(meta(10, 1), pattern(3000, 1));
    await store.save(meta(20, 2), pattern(3000, 2));
    const newest = await store.save(meta(30, 2), pattern(3000, 3));
    const bytes = await readFile(newest.path);
    bytes[1500]! ^= 0x20;
    await writeFile(newest.path, bytes);

    await assert.rejects(store.load(30, 2), (err: unknown) => err instanceof SnapshotCorruptError && err.file === newest.path);
    const { snapshot, skipped } = await store.loadNewest();
    assert.equal(snapshot?.index, 20);
    assert.deepEqual(skipped.map((s) => s.path), [newest.path]);
    assert.match(skipped[0]!.reason, /checksum mismatch/);
    assert.ok((await readdir(dir)).includes('0000000000000002-000000000000001e.snap.broken'));
    assert.ok((await snapshot!.readAll()).equals(pattern(3000, 2)));

    assert.equal((await store.loadNewest({ maxIndex: 15 })).snapshot?.index, 10);
    assert.equal((await store.loadNewest({ maxIndex: 5 })).snapshot, undefined);
  });
});

test('truncated files, foreign files and misnamed files are corrupt', async () => {
  await withTempDir(async (dir) => {
    const store = await SnapshotStore.open(dir);
    const a = await store.save(meta(1, 1), pattern(100, 1));
    await truncate(a.path, 60);
    await assert.rejects(store.load(1, 1), SnapshotCorruptError);

    await writeFile(join(dir, '0000000000000001-0000000000000002.snap'), 'not a snapshot at all, just some text');
    await assert.rejects(store.load(2, 1), /not a tetcd snapshot/);

    const b = await store.save(meta(3, 1), pattern(100, 3));
    await writeFile(join(dir, '0000000000000001-0000000000000004.snap'), await readFile(b.path));
    await assert.rejects(store.load(4, 1), /metadata says 1-3/);
  });
});

test('a file changed after verification fails at the end of the stream', async () => {
  await withTempDir(async (dir) => {
    const store = await SnapshotStore.open(dir);
    const saved = await store.save(meta(7, 1), pattern(4000, 1));
    const loaded = await store.load(7, 1);
    const bytes = await readFile(saved.path);
    bytes[2000]! ^= 1;
    await writeFile(saved.path, bytes);
    await assert.rejects(loaded.readAll(), /changed after it was verified/);
  });
});

test('purge keeps the newest N; unfinished .tmp files are removed at open', async () => {
  await withTempDir(async (dir) => {
    const store = await SnapshotStore.open(dir);
    for (const i of [5, 1, 4, 2, 3]) await store.save(meta(i * 10, 1), pattern(10, i));
    const removed = await store.purge(2);
    assert.equal(removed.length, 3);
    assert.deepEqual((await store.list()).map((f) => f.index), [50, 40]);
    assert.deepEqual(await store.purge(5), []);

    await writeFile(join(dir, '0000000000000001-0000000000000063.snap.1234abcd.tmp'), 'half written');
    await SnapshotStore.open(dir);
    assert.ok(!(await readdir(dir)).some((n) => n.endsWith('.tmp')));
  });
});

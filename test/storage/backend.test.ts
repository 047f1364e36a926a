import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend, type BucketName } from '../../src/storage/backend.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const str = (v: Buffer | undefined): string | undefined => v?.toString('latin1');

async function withBackend(fn: (open: () => Promise<Backend>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-backend-'));
  const opened: Backend[] = [];
  try {
    await fn(async () => {
      const backend = await Backend.open(join(dir, 'db'));
      opened.push(backend);
      return backend;
    });
  } finally {
    for (const backend of opened) await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function entries(backend: Backend, bucket: BucketName, opts = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of backend.iterate(bucket, opts)) out.push(`${str(k)}=${str(v)}`);
  return out;
}

test('pending writes are readable at once, committed atomically, and survive reopening', async () => {
  await withBackend(async (open) => {
    const backend = await open();
    backend.put('key', b('k1'), b('v1'));
    backend.put('meta', b('ci'), b('7'));
    assert.equal(backend.hasPending(), true);
    assert.equal(str(backend.get('key', b('k1'))), 'v1');
    assert.deepEqual(await entries(backend, 'key'), [], 'iterate sees committed data only');
    await backend.commit({ sync: true });
    assert.equal(backend.hasPending(), false);
    assert.deepEqual(await entries(backend, 'key'), ['k1=v1']);
    backend.del('key', b('k1'));
    assert.equal(backend.get('key', b('k1')), undefined, 'a staged delete hides the committed value');
    await backend.commit({ sync: false });
    await backend.close();

    const reopened = await open();
    assert.equal(reopened.get('key', b('k1')), undefined);
    assert.equal(str(reopened.get('meta', b('ci'))), '7');
  });
});

test('a batch that is never committed is lost on reopen', async () => {
  await withBackend(async (open) => {
    const backend = await open();
    backend.put('key', b('kept'), b('1'));
    await backend.commit({ sync: false });
    backend.put('key', b('lost'), b('2'));
    backend.put('meta', b('ci'), b('9'));
    await backend.close();
    const reopened = await open();
    assert.equal(str(reopened.get('key', b('kept'))), '1');
    assert.equal(reopened.get('key', b('lost')), undefined);
    assert.equal(reopened.get('meta', b('ci')), undefined);
  });
});

test('buckets are separate key spaces', async () => {
  await withBackend(async (open) => {
    const backend = await open();
    const buckets: BucketName[] = ['key', 'meta', 'lease', 'members', 'auth'];
    for (const bucket of buckets) backend.put(bucket, b('same'), b(bucket));
    await backend.commit({ sync: false });
    for (const bucket of buckets) {
      assert.equal(str(backend.get(bucket, b('same'))), bucket);
      assert.deepEqual(await entries(backend, bucket), [`same=${bucket}`]);
    }
  });
});

test('iterate honours gte, lt, reverse and limit, with binary keys', async () => {
  await withBackend(async (open) => {
    const backend = await open();
    for (const k of ['\x00', 'a', 'b', 'c', '\xff', '\xff\xff']) backend.put('lease', b(k), b('v'));
    backend.put('meta', b('z'), b('other bucket'));
    await backend.commit({ sync: false });
    const keys = async (opts: object) => (await entries(backend, 'lease', opts)).map((e) => e.split('=')[0]);
    assert.deepEqual(await keys({}), ['\x00', 'a', 'b', 'c', '\xff', '\xff\xff']);
    assert.deepEqual(await keys({ gte: b('a'), lt: b('c') }), ['a', 'b']);
    assert.deepEqual(await keys({ gte: b('b'), reverse: true }), ['\xff\xff', '\xff', 'c', 'b']);
    assert.deepEqual(await keys({ limit: 2 }), ['\x00', 'a']);
    assert.deepEqual(await keys({ lt: b('\xff'), reverse: true, limit: 1 }), ['c']);
  });
});

test('commits are written in call order and stay readable until they are on disk', async () => {
  await withBackend(async (open) => {
    const backend = await open();
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      backend.put('key', b('counter'), b(String(i)));
      backend.put('key', b(`k${i}`), b('x'));
      commits.push(backend.commit({ sync: false }));
      assert.equal(str(backend.get('key', b('counter'))), String(i), 'newest staged value wins');
    }
    await Promise.all(commits);
    assert.equal(str(backend.get('key', b('counter'))), '19', 'the last commit is the one on disk');
    assert.equal((await entries(backend, 'key')).length, 21);
  });
});

test('writeDetached bypasses the pending batch; flushed waits for the next commit', async () => {
  await withBackend(async (open) => {
    const backend = await open();
    backend.put('key', b('a'), b('1'));
    await backend.commit({ sync: false });

    backend.put('key', b('pending'), b('p'));
    let flushed = false;
    const whenFlushed = backend.flushed().then(() => (flushed = true));
    await backend.writeDetached([{ type: 'del', bucket: 'key', key: b('a') }], { sync: false });
    assert.deepEqual(await entries(backend, 'key'), [], 'the detached delete landed, the pending put did not');
    assert.equal(backend.hasPending(), true);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(flushed, false, 'flushed() does not commit by itself');
    await backend.commit({ sync: false });
    await whenFlushed;
    assert.deepEqual(await entries(backend, 'key'), ['pending=p']);
    await backend.flushed(); // nothing pending: resolves at once
  });
});

test('sizeBytes grows with the data', async () => {
  await withBackend(async (open) => {
    const backend = await open();
    const before = await backend.sizeBytes();
    for (let i = 0; i < 200; i++) backend.put('key', b(`k${i}`), Buffer.alloc(1024, i));
    await backend.commit({ sync: false });
    assert.ok((await backend.sizeBytes()) > before + 50_000);
  });
});

test('dumpAll and replaceAll copy one backend into another, replacing what was there', async () => {
  await withBackend(async (open) => {
    const source = await open();
    const targetDir = await mkdtemp(join(tmpdir(), 'tetcd-backend-target-'));
    const target = { backend: await Backend.open(join(targetDir, 'db')) };
    try {
      for (let i = 0; i < 2500; i++) source.put('key', b(`k${String(i).padStart(5, '0')}`), b(`v${i}`));
      source.put('meta', b('consistent_index'), b('42'));
      source.put('members', b('m1'), b('x'));
      await source.commit({ sync: false });
      source.put('key', b('pending-only'), b('not dumped'));

      target.backend.put('key', b('stale'), b('old'));
      target.backend.put('auth', b('stale'), b('old'));
      await target.backend.commit({ sync: false });
      await target.backend.replaceAll(source.dumpAll());

      assert.equal(target.backend.get('key', b('stale')), undefined);
      assert.equal(target.backend.get('auth', b('stale')), undefined);
      assert.equal(target.backend.get('key', b('pending-only')), undefined, 'only committed data is dumped');
      assert.equal(str(target.backend.get('meta', b('consistent_index'))), '42');
      assert.equal(str(target.backend.get('members', b('m1'))), 'x');
      const copied = await entries(target.backend, 'key');
      assert.equal(copied.length, 2500);
      assert.equal(copied[2499], 'k02499=v2499');

      await target.backend.close();
      target.backend = await Backend.open(join(targetDir, 'db'));
      assert.equal((await entries(target.backend, 'key')).length, 2500, 'the copy is on disk');
    } finally {
      await target.backend.close();
      await rm(targetDir, { recursive: true, force: true });
    }
  });
});

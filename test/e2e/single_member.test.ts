/**
 * bin/tetcd as a real process on free loopback ports, driven by the real etcdctl, our gRPC client
 * and the npm etcd3 client: the KV API end to end, etcd's answers to bad input (which must change
 * nothing), survival of kill -9, and a clean SIGTERM. Where a behaviour is etcd's, the same check
 * also runs against the real etcd so the expectation itself is verified.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { etcdctl, etcdctlOk } from '../helpers/etcdctl.js';
import { EtcdGrpcClient, grpc, isServiceError } from '../helpers/grpc_client.js';
import { skipUnlessTetcd, startRealEtcd, startTetcd, TETCD_BIN, type Member, type MemberOptions } from '../helpers/members.js';
import { cleanEnv, runCommand } from '../helpers/proc.js';
import { requireTool, skipUnlessTools } from '../helpers/tools.js';
import { FIXTURE_REVISION, prepareFixture, REQUEST_CASES } from './bad_requests.js';

const b = (s: string): Buffer => Buffer.from(s);
const str = (v: Buffer | undefined): string => (v ?? Buffer.alloc(0)).toString();

async function withMember<T>(
  start: (o?: MemberOptions) => Promise<Member>,
  options: MemberOptions,
  body: (member: Member, client: EtcdGrpcClient) => Promise<T>,
): Promise<T> {
  const member = await start(options);
  const client = member.client();
  try {
    return await body(member, client);
  } finally {
    client.close();
    await member.destroy();
  }
}

/** Every key with all its fields, to show that a rejected request changed nothing. */
async function dumpStore(client: EtcdGrpcClient): Promise<string> {
  const res = await client.range({ key: Buffer.from([0]), range_end: Buffer.from([0]) });
  return JSON.stringify({ revision: res.header?.revision, kvs: res.kvs });
}

async function expectRejected(
  request: Promise<unknown>,
  expected: { code: number; details: string },
  what: string,
): Promise<void> {
  await assert.rejects(request, (err: unknown) => {
    assert.ok(isServiceError(err), `${what}: expected a gRPC error, got ${String(err)}`);
    assert.deepEqual({ code: err.code, details: err.details }, expected, what);
    return true;
  });
}

async function checkRequestCases(member: Member, client: EtcdGrpcClient): Promise<void> {
  await prepareFixture(client);
  assert.equal(await client.currentRevision(), FIXTURE_REVISION, `${member.kind}: fixture revision`);
  const before = await dumpStore(client);
  for (const c of REQUEST_CASES) {
    if (c.rejects) await expectRejected(c.send(client), c.rejects, `${member.kind}: ${c.name}`);
    else await c.send(client);
    assert.equal(await dumpStore(client), before, `${member.kind}: "${c.name}" changed the store`);
  }
  assert.ok(member.process.running, `${member.kind} died`);
}

async function checkLimits(member: Member, client: EtcdGrpcClient, maxTxnOps: number, maxRequestBytes: number): Promise<void> {
  const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ request_put: { key: b(`op${i}`) } }));
  await client.txn({ success: ops(maxTxnOps) });
  const revision = await client.currentRevision();
  await expectRejected(
    client.txn({ success: ops(maxTxnOps + 1) }),
    { code: 3, details: 'etcdserver: too many operations in txn request' },
    `${member.kind}: txn over the configured limit`,
  );
  await expectRejected(
    client.put({ key: b('big'), value: Buffer.alloc(maxRequestBytes + 100, 'x') }),
    { code: 3, details: 'etcdserver: request is too large' },
    `${member.kind}: put over the configured size`,
  );
  await client.put({ key: b('small'), value: Buffer.alloc(maxRequestBytes / 2, 'x') });
  assert.equal(await client.currentRevision(), revision + 1);
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function portOf(member: Member): number {
  return Number(member.endpoint.split(':')[1]);
}

describe('tetcd single member, as a process', { skip: skipUnlessTetcd() }, () => {
  test('etcdctl: put, get, txn from stdin, compaction, get --rev', async (t) => {
    if (!requireTool(t, 'etcdctl')) return;
    await withMember(startTetcd, {}, async (member) => {
      const endpoints = member.endpoint;
      assert.equal(await etcdctlOk(['put', 'foo', 'bar'], { endpoints }), 'OK\n');
      assert.equal(await etcdctlOk(['get', 'foo'], { endpoints }), 'foo\nbar\n');
      const json = JSON.parse(await etcdctlOk(['get', 'foo', '-w', 'json'], { endpoints })) as {
        header: { revision: number };
        kvs: Array<{ key: string; value: string; create_revision: number; mod_revision: number; version: number }>;
        count: number;
      };
      assert.equal(json.header.revision, 2);
      assert.deepEqual(json.kvs, [
        { key: b('foo').toString('base64'), value: b('bar').toString('base64'), create_revision: 2, mod_revision: 2, version: 1 },
      ]);
      const txn = 'val("foo") = "bar"\n\nput foo baz\nget foo\n\nput foo nope\n\n';
      assert.equal(await etcdctlOk(['txn'], { endpoints, stdin: txn }), 'SUCCESS\n\nOK\n\nfoo\nbaz\n');
      assert.equal(await etcdctlOk(['txn'], { endpoints, stdin: txn }), 'FAILURE\n\nOK\n');
      assert.equal(await etcdctlOk(['get', 'foo', '--print-value-only'], { endpoints }), 'nope\n');
      assert.equal(await etcdctlOk(['compaction', '3'], { endpoints }), 'compacted revision 3\n');
      assert.equal(await etcdctlOk(['get', 'foo', '--rev=3', '--print-value-only'], { endpoints }), 'baz\n');
      const compacted = await etcdctl(['get', 'foo', '--rev=2'], { endpoints });
      assert.equal(compacted.code, 1);
      assert.match(compacted.stderr, /^Error: etcdserver: mvcc: required revision has been compacted$/m);
      const future = await etcdctl(['get', 'foo', '--rev=5'], { endpoints });
      assert.equal(future.code, 1);
      assert.match(future.stderr, /^Error: etcdserver: mvcc: required revision is a future revision$/m);
    });
  });

  test('gRPC: headers, revisions, prev_kv, txn branches and compaction', async () => {
    await withMember(startTetcd, {}, async (_member, client) => {
      const first = await client.put({ key: b('k'), value: b('v1') });
      const header = first.header;
      assert.ok(header, 'put has a header');
      assert.notEqual(header.cluster_id, '0');
      assert.notEqual(header.member_id, '0');
      assert.ok(Number(header.raft_term) >= 1);
      assert.equal(header.revision, '2');

      const second = await client.put({ key: b('k'), value: b('v2'), prev_kv: true });
      assert.equal(second.header?.revision, '3');
      assert.equal(second.header?.cluster_id, header.cluster_id);
      assert.equal(second.header?.member_id, header.member_id);
      assert.equal(str(second.prev_kv?.value), 'v1');
      assert.equal(second.prev_kv?.mod_revision, '2');

      const range = await client.range({ key: b('k') });
      assert.equal(range.count, '1');
      assert.deepEqual(
        range.kvs.map((kv) => [str(kv.key), str(kv.value), kv.create_revision, kv.mod_revision, kv.version, kv.lease]),
        [['k', 'v2', '2', '3', '2', '0']],
      );

      const txn = await client.txn({
        compare: [{ key: b('k'), target: 'VALUE', result: 'EQUAL', value: b('v2') }],
        success: [{ request_put: { key: b('t1'), value: b('a') } }, { request_put: { key: b('t2'), value: b('b') } }, { request_range: { key: b('t1') } }],
        failure: [{ request_delete_range: { key: b('k') } }],
      });
      assert.equal(txn.succeeded, true);
      assert.equal(txn.header?.revision, '4', 'a txn is one revision');
      assert.equal(str(txn.responses[2]?.response_range?.kvs[0]?.value), 'a', 'a txn reads its own writes');

      const failed = await client.txn({
        compare: [{ key: b('k'), target: 'VERSION', result: 'GREATER', version: 5 }],
        success: [{ request_put: { key: b('never'), value: b('x') } }],
        failure: [{ request_delete_range: { key: b('t'), range_end: b('u'), prev_kv: true } }],
      });
      assert.equal(failed.succeeded, false);
      assert.equal(failed.header?.revision, '5');
      assert.equal(failed.responses[0]?.response_delete_range?.deleted, '2');

      await client.compact({ revision: 4, physical: true });
      const old = await client.range({ key: b('t1'), revision: 4 });
      assert.equal(str(old.kvs[0]?.value), 'a');
      await expectRejected(
        client.range({ key: b('t1'), revision: 3 }),
        { code: 11, details: 'etcdserver: mvcc: required revision has been compacted' },
        'range below the compaction',
      );
    });
  });

  test('bad requests get etcd\'s code and message and change nothing', async () => {
    await withMember(startTetcd, {}, checkRequestCases);
  });

  test('the bad-request table matches the real etcd', { skip: skipUnlessTools(['etcd']) }, async () => {
    await withMember(startRealEtcd, {}, checkRequestCases);
  });

  for (const kind of ['tetcd', 'etcd'] as const) {
    const start = kind === 'tetcd' ? startTetcd : startRealEtcd;
    const skip = kind === 'etcd' ? skipUnlessTools(['etcd']) : false;
    test(`${kind}: --max-txn-ops and --max-request-bytes are honoured`, { skip }, async () => {
      await withMember(start, { extraArgs: ['--max-txn-ops=4', '--max-request-bytes=4096'] }, (m, c) => checkLimits(m, c, 4, 4096));
    });
    test(`${kind}: ETCD_MAX_TXN_OPS and ETCD_MAX_REQUEST_BYTES are honoured`, { skip }, async () => {
      const env = { ETCD_MAX_TXN_OPS: '3', ETCD_MAX_REQUEST_BYTES: '8192' };
      await withMember(start, { env }, (m, c) => checkLimits(m, c, 3, 8192));
    });
  }

  test('unknown and malformed flags are refused with a message naming them', async () => {
    for (const flag of ['--no-such-flag', '--max-txn-ops=many']) {
      const result = await runCommand(TETCD_BIN, [flag], { env: cleanEnv(), timeoutMs: 10_000 });
      assert.notEqual(result.code, 0, `${flag} was accepted`);
      assert.equal(result.signal, null, `${flag}: tetcd hung or crashed instead of refusing`);
      const name = flag.replace(/^--/, '').replace(/=.*/, '');
      assert.match(result.stdout + result.stderr, new RegExp(name), `${flag}: the message does not name the flag`);
    }
  });

  test('garbage on the client port and unknown RPCs do not hurt the server', async () => {
    await withMember(startTetcd, {}, async (member, client) => {
      await client.put({ key: b('still'), value: b('here') });
      const junk = [
        Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x10\x04\x00\x00\x00\x00\x00garbage-frame', 'latin1'),
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      ];
      for (const bytes of junk) {
        await new Promise<void>((resolve) => {
          const socket = createConnection({ host: '127.0.0.1', port: portOf(member) }, () => socket.end(bytes));
          socket.on('error', () => resolve());
          socket.on('close', () => resolve());
          socket.resume();
          socket.setTimeout(1_000, () => socket.destroy());
        });
      }
      const raw = new grpc.Client(member.endpoint, grpc.credentials.createInsecure());
      try {
        const status = await new Promise<grpc.ServiceError | null>((resolve) => {
          raw.makeUnaryRequest(
            '/etcdserverpb.KV/NoSuchMethod',
            (x: Buffer) => x,
            (x: Buffer) => x,
            Buffer.alloc(0),
            { deadline: Date.now() + 5_000 },
            (err) => resolve(err),
          );
        });
        assert.equal(status?.code, grpc.status.UNIMPLEMENTED);
      } finally {
        raw.close();
      }
      assert.ok(member.process.running, `tetcd died:\n${member.process.tail()}`);
      assert.equal(str((await client.range({ key: b('still') })).kvs[0]?.value), 'here');
    });
  });

  test('kill -9 and restart keep every acknowledged write, the compaction and the revision counter', async () => {
    const N = 100;
    await withMember(startTetcd, {}, async (member, client) => {
      for (let i = 0; i < N; i++) {
        const res = await client.put({ key: b(`key-${String(i).padStart(3, '0')}`), value: b(`value-${i}`) });
        assert.equal(res.header?.revision, String(i + 2));
      }
      await client.compact({ revision: 50 });
      await member.kill9();
      await member.launch();
      const after = member.client();
      try {
        const all = await after.range({ key: b('key-'), range_end: b('key.') });
        assert.equal(all.kvs.length, N);
        all.kvs.forEach((kv, i) => {
          assert.equal(str(kv.key), `key-${String(i).padStart(3, '0')}`);
          assert.equal(str(kv.value), `value-${i}`);
          assert.equal(kv.mod_revision, String(i + 2));
        });
        assert.equal(all.header?.revision, String(N + 1));
        await expectRejected(
          after.range({ key: b('key-000'), revision: 49 }),
          { code: 11, details: 'etcdserver: mvcc: required revision has been compacted' },
          'the compaction survives a crash',
        );
        const next = await after.put({ key: b('after-restart'), value: b('x') });
        assert.equal(next.header?.revision, String(N + 2));
      } finally {
        after.close();
      }
    });
  });

  test('kill -9 during concurrent writes loses no acknowledged write', async () => {
    await withMember(startTetcd, {}, async (member, client) => {
      const acked = new Map<string, string>();
      let stop = false;
      const writer = async (w: number): Promise<void> => {
        for (let n = 0; !stop; n++) {
          const key = `w${w}-${n}`;
          try {
            const res = await client.put({ key: b(key), value: b(key) });
            acked.set(key, res.header?.revision ?? '?');
          } catch {
            return; // the server died under us: this write was never acknowledged
          }
        }
      };
      const writers = Array.from({ length: 16 }, (_, w) => writer(w));
      const deadline = Date.now() + 30_000;
      while (acked.size < 300) {
        assert.ok(member.process.running && Date.now() < deadline, `only ${acked.size} writes acknowledged\n${member.process.tail()}`);
        await sleep(5);
      }
      await member.kill9();
      stop = true;
      await Promise.all(writers);
      await member.launch();
      const after = member.client();
      try {
        const all = await after.range({ key: b('w'), range_end: b('x') });
        const stored = new Map(all.kvs.map((kv) => [str(kv.key), kv.mod_revision]));
        for (const [key, revision] of acked) {
          assert.equal(stored.get(key), revision, `acknowledged ${key} at revision ${revision} is missing or moved`);
        }
        // Every write is a new key: revisions 2..current are exactly the stored keys, no gap.
        const current = Number(all.header?.revision);
        assert.deepEqual(
          [...stored.values()].map(Number).sort((x, y) => x - y),
          Array.from({ length: current - 1 }, (_, i) => i + 2),
        );
        assert.equal((await after.put({ key: b('next'), value: b('x') })).header?.revision, String(current + 1));
      } finally {
        after.close();
      }
    });
  });

  test('the npm etcd3 client works unchanged', async () => {
    await withMember(startTetcd, {}, async (member) => {
      const etcd = new Etcd3({ hosts: member.clientUrl, dialTimeout: 5_000 });
      try {
        await etcd.put('greeting').value('hello');
        assert.equal(await etcd.get('greeting').string(), 'hello');
        await etcd.put('dir/a').value('1');
        await etcd.put('dir/b').value('2');
        assert.deepEqual(await etcd.getAll().prefix('dir/').strings(), { 'dir/a': '1', 'dir/b': '2' });
        assert.equal(await etcd.getAll().prefix('dir/').count(), 2);
        const swapped = await etcd
          .if('greeting', 'Value', '==', 'hello')
          .then(etcd.put('greeting').value('bonjour'))
          .else(etcd.put('greeting').value('unexpected'))
          .commit();
        assert.equal(swapped.succeeded, true);
        const refused = await etcd.if('greeting', 'Version', '>', 10).then(etcd.delete().key('greeting')).commit();
        assert.equal(refused.succeeded, false);
        assert.equal(await etcd.get('greeting').string(), 'bonjour');
        const deleted = await etcd.delete().prefix('dir/').exec();
        assert.equal(deleted.deleted, '2');
        assert.equal(await etcd.get('dir/a').string(), null);
      } finally {
        etcd.close();
      }
    });
  });

  test('SIGTERM shuts down cleanly: exit code 0, ports freed, data kept', async () => {
    await withMember(startTetcd, {}, async (member, client) => {
      await client.put({ key: b('durable'), value: b('yes') });
      const exit = await member.stop(10_000);
      assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM exit:\n${member.process.tail()}`);
      assert.ok(await portIsFree(portOf(member)), 'the client port is still bound');
      await member.launch();
      const again = member.client();
      try {
        assert.equal(str((await again.range({ key: b('durable') })).kvs[0]?.value), 'yes');
      } finally {
        again.close();
      }
    });
  });
});

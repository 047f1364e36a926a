/**
 * The applier: log entries in, store changes and responses out. Re-delivered entries (at or below
 * the consistent index) change nothing, and a crash before the apply batch reached the backend
 * replays to the same state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../../src/storage/backend.js';
import { MvccStore } from '../../src/mvcc/index.js';
import { EtcdServer } from '../../src/server/etcd_server.js';
import { Membership } from '../../src/server/membership.js';
import { SoloConsensus, type CommittedEntry } from '../../src/server/consensus.js';
import { encodeInternalRequest, type InternalRequestBody } from '../../src/server/internal_request.js';
import { nullLogger } from '../../src/base/logger.js';
import type { PutRequest__Output } from '../../src/gen/etcdserverpb/PutRequest.js';
import type { TxnRequest__Output } from '../../src/gen/etcdserverpb/TxnRequest.js';

const b = (s: string): Buffer => Buffer.from(s);

function put(key: string, value: string, extra: Partial<PutRequest__Output> = {}): InternalRequestBody {
  return {
    kind: 'put',
    put: { key: b(key), value: b(value), lease: '0', prev_kv: false, ignore_value: false, ignore_lease: false, ...extra },
  };
}

async function openServer(dir: string): Promise<{ server: EtcdServer; backend: Backend; store: MvccStore }> {
  const backend = await Backend.open(join(dir, 'kv'));
  const store = await MvccStore.open(backend);
  const membership = await Membership.load(backend);
  const server = new EtcdServer(
    { name: 't', memberId: 1n, peerUrls: [], clientUrls: [] },
    backend,
    store,
    membership,
    new SoloConsensus(1n),
    { maxRequestBytes: 1 << 20, requestTimeoutMs: 5000, electionTimeoutMs: 1000 },
    nullLogger,
  );
  return { server, backend, store };
}

function entries(bodies: InternalRequestBody[], firstIndex = 1): CommittedEntry[] {
  return bodies.map((body, i) => ({
    index: firstIndex + i,
    term: 1,
    kind: 'normal' as const,
    data: encodeInternalRequest({ id: BigInt(100 + firstIndex + i), ...body } as never),
  }));
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-apply-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('entries at or below the consistent index are skipped when delivered again', () =>
  withDir(async (dir) => {
    const { server, store, backend } = await openServer(dir);
    const log = entries([put('a', '1'), put('b', '2'), put('a', '3')]);
    await server.apply(log);
    assert.equal(server.appliedIndex(), 3);
    assert.equal(store.currentRevision(), 4);
    await server.apply(log);
    await server.apply(log.slice(1));
    assert.equal(store.currentRevision(), 4, 're-delivery must not create revisions');
    assert.equal(store.range(b('a'), Buffer.alloc(0)).kvs[0]?.version, 2);
    await store.close();
    await backend.close();
  }));

test('a crash before the apply batch is written replays to the same state', () =>
  withDir(async (dir) => {
    const log = entries([put('a', '1'), put('b', '2'), put('c', '3'), put('a', '4')]);
    {
      const { server, store, backend } = await openServer(dir);
      await server.apply(log.slice(0, 2));
      // Apply the rest into the pending batch only: the process dies before it reaches disk.
      const txn = store.write();
      txn.put(b('c'), b('lost'), 0n);
      txn.end();
      await store.close();
      await backend.close(); // drops the pending writes, as a crash would
    }
    const { server, store, backend } = await openServer(dir);
    assert.equal(server.appliedIndex(), 2, 'the consistent index is the one written with the data');
    assert.equal(store.range(b('c'), Buffer.alloc(0)).kvs.length, 0);
    await server.apply(log); // the whole log again, as raft re-delivers after a restart
    assert.equal(server.appliedIndex(), 4);
    assert.equal(store.currentRevision(), 5);
    assert.deepEqual(
      store.range(b('a'), b('z')).kvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.modRevision]),
      [
        ['a', '4', 5],
        ['b', '2', 3],
        ['c', '3', 4],
      ],
    );
    await store.close();
    await backend.close();
  }));

test('a txn whose chosen branch would fail changes nothing, yet the entry counts as applied', () =>
  withDir(async (dir) => {
    const { server, store, backend } = await openServer(dir);
    await server.apply(entries([put('k', 'v')]));
    const txn: TxnRequest__Output = {
      compare: [{ key: b('k'), range_end: Buffer.alloc(0), result: 'EQUAL', target: 'VALUE', value: b('v'), target_union: 'value' }],
      success: [
        { request: 'request_put', request_put: { key: b('x'), value: b('1'), lease: '0', prev_kv: false, ignore_value: false, ignore_lease: false } },
        { request: 'request_put', request_put: { key: b('y'), value: b('2'), lease: '12345', prev_kv: false, ignore_value: false, ignore_lease: false } },
      ],
      failure: [],
    };
    await server.apply(entries([{ kind: 'txn', txn }], 2));
    assert.equal(server.appliedIndex(), 2);
    assert.equal(store.currentRevision(), 2, 'the unknown lease rejects the whole txn');
    assert.equal(store.range(b('x'), Buffer.alloc(0)).kvs.length, 0);
    await store.close();
    await backend.close();
  }));

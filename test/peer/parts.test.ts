import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { SeededRand } from '../../src/base/rand.js';
import { ReconnectBackoff } from '../../src/peer/backoff.js';
import { rechunk } from '../../src/peer/snapshot_sender.js';
import { grpcAddressOf, identityMetadata, readIdentity, refusalOf, refusalStatus } from '../../src/peer/wire.js';

async function* pieces(sizes: number[]): AsyncGenerator<Uint8Array> {
  let next = 0;
  for (const size of sizes) {
    yield Buffer.from(Array.from({ length: size }, () => next++ & 0xff));
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}

test('rechunk regroups pieces of any size into fixed-size chunks without losing or reordering bytes', async () => {
  const cases: number[][] = [[], [0], [10], [3, 3, 3, 3], [1, 9, 10, 25], [30], [7, 0, 13, 0, 0, 11]];
  for (const sizes of cases) {
    const total = sizes.reduce((a, b) => a + b, 0);
    const chunks = await collect(rechunk(pieces(sizes), 10));
    const joined = Buffer.concat(chunks);
    assert.equal(joined.length, total, `sizes ${sizes}`);
    assert.ok(joined.every((b, i) => b === (i & 0xff)), `bytes in order for ${sizes}`);
    assert.ok(chunks.slice(0, -1).every((c) => c.length === 10), `full chunks for ${sizes}`);
    if (chunks.length > 0) assert.ok(chunks.at(-1)!.length > 0 && chunks.at(-1)!.length <= 10);
    assert.equal(chunks.length, Math.ceil(total / 10));
  }
});

test('reconnect backoff doubles up to its cap, jitters within the upper half, and resets', () => {
  const backoff = new ReconnectBackoff(50, 1000, new SeededRand(1));
  const steps = [50, 100, 200, 400, 800, 1000, 1000, 1000];
  for (const step of steps) {
    const delay = backoff.next();
    assert.ok(delay >= step / 2 && delay <= step, `delay ${delay} for step ${step}`);
  }
  backoff.reset();
  const first = backoff.next();
  assert.ok(first >= 25 && first <= 50);
  // Jitter: two members failing together do not redial in lockstep.
  const other = new ReconnectBackoff(50, 1000, new SeededRand(2));
  const mine = new ReconnectBackoff(50, 1000, new SeededRand(3));
  const a = Array.from({ length: 6 }, () => other.next());
  const b = Array.from({ length: 6 }, () => mine.next());
  assert.notDeepEqual(a, b);
});

test('identity metadata round-trips full 64-bit ids; malformed metadata is described', () => {
  const identity = { clusterId: (1n << 64n) - 1n, from: 0x8211f1d0f64f3269n, to: 1n };
  assert.deepEqual(readIdentity(identityMetadata(identity)), identity);
  const md = identityMetadata(identity);
  md.set('tetcd-sender-id', 'not-hex');
  assert.match(readIdentity(md) as string, /tetcd-sender-id is not a hex id/);
  md.remove('tetcd-cluster-id');
  assert.match(readIdentity(md) as string, /tetcd-cluster-id is missing/);
});

test('a refusal survives the trip through a gRPC status; other failures are not refusals', () => {
  const status = refusalStatus({ reason: 'removed', message: 'member 1 was removed' });
  const err = Object.assign(new Error(status.details), status) as grpc.ServiceError;
  assert.deepEqual(refusalOf(err), { reason: 'removed', message: 'member 1 was removed' });
  const unavailable = Object.assign(new Error('down'), { code: grpc.status.UNAVAILABLE, details: 'down', metadata: new grpc.Metadata() }) as grpc.ServiceError;
  assert.equal(refusalOf(unavailable), undefined);
  const plainPrecondition = Object.assign(new Error('x'), { code: grpc.status.FAILED_PRECONDITION, details: 'x', metadata: new grpc.Metadata() }) as grpc.ServiceError;
  assert.equal(refusalOf(plainPrecondition), undefined);
});

test('peer URLs map to gRPC addresses; unsupported ones fail clearly', () => {
  assert.equal(grpcAddressOf('http://127.0.0.1:12380'), '127.0.0.1:12380');
  assert.equal(grpcAddressOf('http://[::1]:2380'), '[::1]:2380');
  assert.equal(grpcAddressOf('http://localhost:2380/'), 'localhost:2380');
  assert.throws(() => grpcAddressOf('https://127.0.0.1:2380'), /only http:\/\/ is supported/);
  assert.throws(() => grpcAddressOf('http://127.0.0.1'), /has no port/);
  assert.throws(() => grpcAddressOf('127.0.0.1:2380'), /bad peer URL|only http/);
});

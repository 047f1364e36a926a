/**
 * Bounded errors without a quorum: with two of three members killed, a put and a linearizable
 * get on the survivor fail within bounded time with etcd's `etcdserver: request timed out`
 * (gRPC UNAVAILABLE), as etcd answers after its request timeout (5 s + 2 election timeouts),
 * instead of hanging; a serializable get is still answered from local state. The gRPC client
 * waits longer than that, so the error seen is the server's and not a client deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_ELECTIONS, withCluster } from '../helpers/cluster.js';
import { isServiceError, grpc } from '../helpers/grpc_client.js';
import { KIND, skipUnlessCluster } from './support.js';

const ELECTION_TIMEOUT_MS = 500;
const SERVER_TIMEOUT_MS = 5_000 + 2 * ELECTION_TIMEOUT_MS;
/** Slack over the server's timeout for a loaded machine; the client deadline is far beyond it. */
const ERROR_BOUND_MS = SERVER_TIMEOUT_MS + 5_000;
const CLIENT_DEADLINE_MS = 60_000;

async function outcome(call: () => Promise<unknown>): Promise<{ ms: number; error?: unknown }> {
  const started = Date.now();
  try {
    await call();
    return { ms: Date.now() - started };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

type Outcome = Awaited<ReturnType<typeof outcome>>;
/** The linearizable get of the first test, whose exact error is checked apart (see below). */
let linearizableGet: Outcome | undefined;

test(`without a quorum, writes and linearizable reads fail in bounded time; serializable reads answer (${KIND})`, { skip: skipUnlessCluster(), timeout: 120_000 }, async (t) => {
  await withCluster(3, { kind: KIND, extraArgs: FAST_ELECTIONS }, async (cluster) => {
    const leader = await cluster.waitForLeader();
    // The survivor is a follower, so the test covers the common case of a lost leader as well.
    const survivor = cluster.members.find((m) => m !== leader.member)!;
    const client = survivor.client(CLIENT_DEADLINE_MS);
    try {
      await client.put({ key: Buffer.from('before'), value: Buffer.from('quorum') });
      await Promise.all(cluster.members.filter((m) => m !== survivor).map((m) => m.kill9()));

      const [put, linearizable] = await Promise.all([
        outcome(() => client.put({ key: Buffer.from('after'), value: Buffer.from('no quorum') })),
        outcome(() => client.range({ key: Buffer.from('before') })),
      ]);
      linearizableGet = linearizable;
      for (const [what, result] of [['put', put], ['linearizable get', linearizable]] as const) {
        t.diagnostic(`${what} failed after ${result.ms} ms: ${isServiceError(result.error) ? `${result.error.code} ${result.error.details}` : String(result.error)}`);
        assert.ok(isServiceError(result.error), `${what} without a quorum did not fail with a gRPC error: ${String(result.error)}`);
        assert.equal(result.error.code, grpc.status.UNAVAILABLE, `${what}: ${result.error.details}`);
        assert.ok(result.ms <= ERROR_BOUND_MS, `${what} took ${result.ms} ms to fail (bound ${ERROR_BOUND_MS} ms)`);
      }
      assert.equal((put.error as grpc.ServiceError).details, 'etcdserver: request timed out');

      const serializable = await client.range({ key: Buffer.from('before'), serializable: true });
      assert.deepEqual(
        serializable.kvs.map((kv) => [kv.key.toString(), kv.value.toString()]),
        [['before', 'quorum']],
      );
    } finally {
      client.close();
    }
  });
});

test(
  `without a quorum, a linearizable get fails as etcd's does: request timed out, not leader changed (${KIND})`,
  { skip: skipUnlessCluster() },
  () => {
    assert.ok(linearizableGet, 'the quorum-loss test above did not get as far as the linearizable get');
    assert.ok(isServiceError(linearizableGet.error), String(linearizableGet.error));
    assert.equal(linearizableGet.error.details, 'etcdserver: request timed out');
  },
);

/**
 * Leaderless members: a client that asks for a leader (metadata hasleader=true, as etcdctl watch
 * does) is told `etcdserver: no leader` at once; Status reports the missing leader in `errors`;
 * a serializable read still answers from local state.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePorts } from '../helpers/ports.js';
import { startTetcd, skipUnlessTetcd, type Member } from '../helpers/members.js';
import { EtcdGrpcClient, grpc, isServiceError } from '../helpers/grpc_client.js';
import { loadEtcdProtos } from '../../src/etcdpb/load.js';

const skip = skipUnlessTetcd();
let member: Member | undefined;
after(async () => {
  await member?.destroy();
});

test('a member of a three-member cluster whose peers never started has no leader', { skip }, async () => {
  const [peer, otherA, otherB, client] = await freePorts(4);
  const initialCluster = `a=http://127.0.0.1:${peer},b=http://127.0.0.1:${otherA},c=http://127.0.0.1:${otherB}`;
  member = await startTetcd({ name: 'a', ports: { client: client!, peer: peer! }, initialCluster, readiness: 'serializable' });
  const endpoint = `127.0.0.1:${client}`;

  const c = new EtcdGrpcClient(endpoint, 10_000);
  const status = await c.status();
  assert.equal(status.leader, '0');
  assert.deepEqual(status.errors, ['etcdserver: no leader']);

  const serializable = await c.range({ key: Buffer.from('k'), serializable: true });
  assert.equal(serializable.count, '0');

  const pb = loadEtcdProtos().etcdserverpb;
  const kv = new pb.KV(endpoint, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('hasleader', 'true');
  const started = Date.now();
  const err = await new Promise<unknown>((resolve) => {
    kv.Range({ key: Buffer.from('k') }, md, { deadline: Date.now() + 10_000 }, (e) => resolve(e));
  });
  kv.close();
  assert.ok(isServiceError(err), 'the request must fail');
  assert.equal(err.code, grpc.status.UNAVAILABLE);
  assert.equal(err.details, 'etcdserver: no leader');
  assert.ok(Date.now() - started < 5_000, 'answered at once, not after a timeout');
});

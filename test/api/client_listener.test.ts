/**
 * bin/tetcd's client port with the real etcdctl's `--cluster` commands, which dial the members'
 * client URLs so that every request's :authority is `http://host:port` (FOUND_BUGS.md #3): endpoint
 * status and hashkv answer as from etcd; grpc-js clients are served as before; SIGTERM with
 * clients connected stops the member by itself; a client port in use is refused at startup.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startTetcd, skipUnlessTetcd, type Member } from '../helpers/members.js';
import { etcdctlOk, parseEtcdctlJson } from '../helpers/etcdctl.js';
import { freePorts } from '../helpers/ports.js';
import { skipUnlessTools } from '../helpers/tools.js';

const skip = skipUnlessTetcd() || skipUnlessTools(['etcdctl']);
let member: Member | undefined;
after(async () => {
  await member?.destroy();
});

interface StatusEntry {
  Endpoint: string;
  Status: { header: { member_id: string; revision: number }; leader: string; version: string };
}

interface HashKvEntry {
  Endpoint: string;
  HashKV: { header: { member_id: string; revision: number }; hash: number };
}

test('etcdctl endpoint status and hashkv --cluster get answers through the client URL; grpc-js clients too', { skip, timeout: 60_000 }, async () => {
  member = await startTetcd();
  const client = member.client();
  try {
    await client.put({ key: Buffer.from('k'), value: Buffer.from('v') });
    const status = await client.status();
    const memberId = String(status.header?.member_id);

    const statuses = parseEtcdctlJson<StatusEntry[]>(await etcdctlOk(['endpoint', 'status', '--cluster', '-w', 'json'], { endpoints: member.endpoint }));
    assert.equal(statuses.length, 1);
    assert.equal(statuses[0]?.Endpoint, member.clientUrl);
    assert.equal(String(statuses[0]?.Status.header.member_id), memberId);
    assert.equal(String(statuses[0]?.Status.leader), memberId);

    const hashes = parseEtcdctlJson<HashKvEntry[]>(await etcdctlOk(['endpoint', 'hashkv', '--cluster', '-w', 'json'], { endpoints: member.endpoint }));
    assert.equal(hashes.length, 1);
    assert.equal(hashes[0]?.Endpoint, member.clientUrl);
    assert.equal(String(hashes[0]?.HashKV.header.member_id), memberId);
    assert.ok(Number.isInteger(hashes[0]?.HashKV.hash) && (hashes[0]?.HashKV.hash ?? 0) > 0, 'a hash of the store');

    // The same table-formatted, as a user runs it.
    const table = await etcdctlOk(['endpoint', 'status', '--cluster'], { endpoints: member.endpoint });
    assert.match(table, new RegExp(`^${member.clientUrl}, [0-9a-f]+, `));

    const range = await client.range({ key: Buffer.from('k') });
    assert.equal(Buffer.from(range.kvs[0]?.value ?? '').toString(), 'v');
  } finally {
    client.close();
  }

  // SIGTERM while a client is connected: the member stops by itself (no SIGKILL needed).
  const connected = member.client();
  await connected.range({ key: Buffer.from('k') });
  const exit = await member.stop(10_000);
  connected.close();
  assert.deepEqual(exit, { code: 0, signal: null }, member.process.tail());
});

test('a client port in use is refused at startup with the reason', { skip: skipUnlessTetcd(), timeout: 60_000 }, async () => {
  const [clientPort, peerPort] = await freePorts(2);
  // Connections (the helper's readiness probes) are dropped at once: the test must not hold them.
  const blocker = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen(clientPort, '127.0.0.1', resolve));
  try {
    await assert.rejects(startTetcd({ ports: { client: clientPort as number, peer: peerPort as number } }), (err: Error) => {
      assert.match(err.message, new RegExp(`listen client URL http://127\\.0\\.0\\.1:${clientPort}: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${clientPort}`));
      return true;
    });
  } finally {
    blocker.close();
  }
});

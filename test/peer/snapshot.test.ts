import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageType, type NodeId } from '../../src/raft/types.js';
import { message, peerStats, sha256, snapshotMessage, waitForStreams, waitUntil, withPair } from './harness.js';

const A = 0xa1n;
const B = 0xb2n;

test('a snapshot of several MiB arrives intact, in 64 KiB chunks, before its MsgSnap reaches raft', async () => {
  await withPair([A, B], async (a, b) => {
    const data = randomBytes(5 * 1024 * 1024 + 12345);
    // Odd-sized pieces: the transport re-chunks whatever the handler yields.
    a.handler.outboundSnapshots.set('snap-1', { data, pieceBytes: 100_003 });
    let processedBeforeReceived = false;
    b.handler.watch((m) => {
      if (m.type === MessageType.MsgSnap && b.handler.receivedSnapshots.length === 0) processedBeforeReceived = true;
  });
  a.transport.send([snapshotMessage(A, B, 'snap-1', 42)]);
  await waitUntil('snapshot reported', () => a.handler.snapshotReports.length === 1, 10_000);
  assert.deepEqual(a.handler.snapshotReports, [{ id: B, ok: true }]);
  assert.equal(b.handler.receivedSnapshots.length, 1);
  const received = b.handler.receivedSnapshots[0]!;
  assert.equal(received.data.length, data.length);
  assert.equal(sha256(received.data), sha256(data));
  // The MsgSnap handed to raft carries what receiveSnapshot returned, and its metadata intact.
  const snaps = b.handler.received.filter((m) => m.type === MessageType.MsgSnap);
  assert.equal(snaps.length, 1);
  assert.equal(Buffer.from(snaps[0]!.snapshot!.data).toString(), `stored:${sha256(data)}`);
  assert.equal(snaps[0]!.snapshot!.metadata.index, 42);
  assert.deepEqual(snaps[0]!.snapshot!.metadata.confState.voters, [A, B]);
  assert.equal(processedBeforeReceived, false);
  assert.equal(peerStats(a, B).snapshotsSent, 1);
  assert.equal(b.transport.stats().snapshotsReceived, 1);
  });
});

test('a corrupted chunk fails the transfer: reportSnapshot(false), and raft never sees the MsgSnap', async () => {
  const corruptedSeqs: number[] = [];
  const corrupt = {
    mutateSnapshotChunk(to: NodeId, seq: number, chunk: Uint8Array): Uint8Array {
      if (to !== B || seq !== 3) return chunk;
      corruptedSeqs.push(seq);
      const copy = Buffer.from(chunk);
      copy[100] = copy[100]! ^ 0xff;
      return copy;
    },
  };
  await withPair([A, B], async (a, b) => {
    const data = randomBytes(1024 * 1024);
    a.handler.outboundSnapshots.set('snap-bad', { data, pieceBytes: 1024 * 1024 });
    a.transport.send([snapshotMessage(A, B, 'snap-bad')]);
    await waitUntil('snapshot reported', () => a.handler.snapshotReports.length === 1);
    assert.deepEqual(a.handler.snapshotReports, [{ id: B, ok: false }]);
    assert.deepEqual(corruptedSeqs, [3]);
    assert.equal(b.handler.failedReceptions.length, 1);
    assert.match(b.handler.failedReceptions[0]!, /snapshot checksum mismatch/);
    assert.equal(b.handler.received.filter((m) => m.type === MessageType.MsgSnap).length, 0);
    assert.equal(b.transport.stats().snapshotsRejected, 1);
    assert.equal(peerStats(a, B).snapshotsFailed, 1);

    // The next attempt, uncorrupted (the hook only touches seq 3 of a 1-chunk-per-64KiB stream,
    // so a snapshot of 3 chunks passes), succeeds on the same peers.
    a.handler.outboundSnapshots.set('snap-small', { data: data.subarray(0, 3 * 64 * 1024), pieceBytes: 50_000 });
    a.transport.send([snapshotMessage(A, B, 'snap-small')]);
    await waitUntil('second snapshot reported', () => a.handler.snapshotReports.length === 2);
    assert.deepEqual(a.handler.snapshotReports[1], { id: B, ok: true });
  }, { a: { hooks: corrupt } });
});

test('heartbeats and appends keep flowing while a slow snapshot streams', async () => {
  await withPair([A, B], async (a, b) => {
    await waitForStreams([a, b]);
    b.handler.afterEachChunk = () => sleep(25); // 16 chunks of 64 KiB: at least 400 ms of streaming
    a.handler.outboundSnapshots.set('snap-slow', { data: randomBytes(1024 * 1024), pieceBytes: 1024 * 1024 });
    a.transport.send([snapshotMessage(A, B, 'snap-slow')]);
    let index = 0;
    let heartbeatsDuringSnapshot = 0;
    b.handler.watch((m) => {
      if (m.type === MessageType.MsgHeartbeat && b.handler.receivedSnapshots.length === 0) heartbeatsDuringSnapshot++;
  });
  while (a.handler.snapshotReports.length === 0) {
    a.transport.send([message(A, B, ++index, MessageType.MsgHeartbeat)]);
    await sleep(10);
    if (index > 1000) assert.fail('snapshot never finished');
  }
  assert.deepEqual(a.handler.snapshotReports, [{ id: B, ok: true }]);
  assert.ok(heartbeatsDuringSnapshot >= 20, `only ${heartbeatsDuringSnapshot} heartbeats arrived during the snapshot`);
  await waitUntil('every heartbeat delivered', () => b.handler.received.filter((m) => m.type === MessageType.MsgHeartbeat).length === index);
  });
});

test('a snapshot to a peer that is down fails promptly with reportSnapshot(false)', async () => {
  await withPair([A, B], async (a, b) => {
    await b.transport.stop();
    a.handler.outboundSnapshots.set('snap', { data: randomBytes(1000), pieceBytes: 1000 });
    a.transport.send([snapshotMessage(A, B, 'snap')]);
    await waitUntil('snapshot reported', () => a.handler.snapshotReports.length === 1, 3000);
    assert.deepEqual(a.handler.snapshotReports, [{ id: B, ok: false }]);
  });
});

test('a receiver that stalls makes the transfer fail after the stall timeout', async () => {
  let unstick!: () => void;
  const stuck = new Promise<void>((resolve) => (unstick = resolve));
  try {
    await withPair([A, B], async (a, b) => {
      b.handler.afterEachChunk = () => stuck;
      a.handler.outboundSnapshots.set('snap', { data: randomBytes(4 * 1024 * 1024), pieceBytes: 1024 * 1024 });
      a.transport.send([snapshotMessage(A, B, 'snap')]);
      await waitUntil('snapshot reported', () => a.handler.snapshotReports.length === 1, 5000);
      assert.deepEqual(a.handler.snapshotReports, [{ id: B, ok: false }]);
      unstick();
      await waitUntil('the receiver gives up too', () => b.transport.stats().snapshotsRejected === 1);
      assert.equal(b.handler.received.filter((m) => m.type === MessageType.MsgSnap).length, 0);
    }, { a: { snapshotStallTimeoutMs: 300 } });
  } finally {
    unstick();
  }
});

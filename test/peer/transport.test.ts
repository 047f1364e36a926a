import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageType, type Message } from '../../src/raft/types.js';
import { freePort } from '../helpers/ports.js';
import { connectAll, message, peerStats, startNode, stopAll, waitForStreams, waitUntil, withPair, type Node } from './harness.js';

const A = 0xa1n;
const B = 0xb2n;
const C = 0xc3n;

function indexes(ms: readonly Message[]): number[] {
  return ms.map((m) => m.index);
}

test('two transports exchange messages both ways; messages to self never leave', async () => {
  await withPair([A, B], async (a, b) => {
    await waitForStreams([a, b]);
    a.transport.send([message(A, B, 1), message(A, A, 99), message(A, B, 2, MessageType.MsgHeartbeat)]);
    b.transport.send([message(B, A, 7, MessageType.MsgAppResp)]);
    await waitUntil('both sides received', () => b.handler.received.length === 2 && a.handler.received.length === 1);
    assert.deepEqual(indexes(b.handler.received), [1, 2]);
    assert.deepEqual(b.handler.received.map((m) => m.type), [MessageType.MsgApp, MessageType.MsgHeartbeat]);
    assert.equal(a.handler.received[0]!.type, MessageType.MsgAppResp);
    assert.equal(a.handler.received[0]!.from, B);
    assert.equal(a.transport.stats().selfAddressedSkipped, 1);
    assert.equal(peerStats(a, B).messagesSent, 2);
    assert.equal(peerStats(a, B).state, 'open');
    assert.equal(b.transport.stats().messagesReceived, 2);
    assert.equal(a.handler.unreachable.size, 0);
  });
});

test('three transports: every pair delivers, in order per sender, and queued messages are batched into frames', async () => {
  const nodes = [await startNode(A), await startNode(B), await startNode(C)];
  try {
    connectAll(nodes);
    await waitForStreams(nodes);
    const perPair = 3000;
    const payload = Buffer.alloc(100, 7);
    // Many small sends, as a busy ready loop would make them; interleave destinations.
    for (let i = 1; i <= perPair; i += 10) {
      for (const sender of nodes) {
        const batch: Message[] = [];
        for (let j = i; j < i + 10; j++) for (const receiver of nodes) if (receiver !== sender) batch.push(message(sender.id, receiver.id, j, MessageType.MsgApp, payload));
        sender.transport.send(batch);
      }
      if (i % 500 === 1) await sleep(1);
    }
    await waitUntil('all messages delivered', () => nodes.every((n) => n.handler.received.length === 2 * perPair), 10_000);
    const expected = Array.from({ length: perPair }, (_, i) => i + 1);
    for (const receiver of nodes) {
      for (const sender of nodes) {
        if (sender === receiver) continue;
        assert.deepEqual(indexes(receiver.handler.from(sender.id)), expected, `order from ${sender.id} to ${receiver.id}`);
        assert.ok(receiver.handler.from(sender.id).every((m) => Buffer.from(m.entries[0]!.data).equals(payload)));
      }
    }
    for (const sender of nodes) {
      for (const stats of sender.transport.stats().peers) {
        assert.equal(stats.messagesSent, perPair);
        assert.equal(stats.messagesDropped, 0);
        assert.ok(stats.framesSent < stats.messagesSent / 5, `frames ${stats.framesSent} should batch ${stats.messagesSent} messages`);
      }
    }
  } finally {
    await stopAll(nodes);
  }
});

test('a down peer: its messages are dropped and reported, others unaffected, delivery resumes when it comes back on the same port', async () => {
  const a = await startNode(A);
  const b = await startNode(B);
  const cUrl = `http://127.0.0.1:${await freePort()}`;
  let c: Node | undefined;
  try {
    a.transport.addPeer(B, [b.url]);
    a.transport.addPeer(C, [cUrl]);
    b.transport.addPeer(A, [a.url]);
    await waitForStreams([b]);
    await waitUntil('A to B open', () => peerStats(a, B).state === 'open');

    let index = 0;
    const tick = (): void => {
      index++;
      a.transport.send([message(A, B, index, MessageType.MsgHeartbeat), message(A, C, index, MessageType.MsgHeartbeat)]);
    };
    for (let i = 0; i < 30; i++) {
      tick();
      await sleep(5);
    }
    await waitUntil('B got every heartbeat', () => b.handler.received.length === index);
    assert.ok((a.handler.unreachable.get(C) ?? 0) > 0, 'C reported unreachable');
    assert.equal(a.handler.unreachable.get(B), undefined, 'B never reported unreachable');
    assert.ok(peerStats(a, C).messagesDropped > 0);
    assert.equal(peerStats(a, C).messagesSent, 0);
    assert.equal(peerStats(a, B).messagesDropped, 0);

    // C comes up: within the reconnect cap (200 ms here) A finds it.
    c = await startNode(C, cUrl);
    c.transport.addPeer(A, [a.url]);
    const firstIndexAfterStart = index + 1;
    await waitUntil('C receives again', () => {
      tick();
      return c!.handler.received.length > 0;
    });
    const seenByC = indexes(c.handler.received);
    assert.ok(seenByC[0]! >= firstIndexAfterStart);

    // C restarts on the same port: A notices, then reconnects.
    await c.transport.stop();
    const unreachableBefore = a.handler.unreachable.get(C) ?? 0;
    await waitUntil('A reports C unreachable again', () => {
      tick();
      return (a.handler.unreachable.get(C) ?? 0) > unreachableBefore;
    });
    c = await startNode(C, cUrl);
    c.transport.addPeer(A, [a.url]);
    await waitUntil('restarted C receives', () => {
      tick();
      return c!.handler.received.length > 0;
    });
    // B saw everything, in order, throughout.
    await waitUntil('B caught up', () => b.handler.received.length === index);
    assert.deepEqual(indexes(b.handler.received), Array.from({ length: index }, (_, i) => i + 1));
    assert.ok(peerStats(a, C).streamsOpened >= 2);
  } finally {
    await stopAll([a, b, c]);
  }
});

test('a burst of 100k messages to a dead or a silent peer stays within the queue bound', async () => {
  // A "silent" peer accepts TCP connections and never answers: the stream stays in dialing until
  // the dial timeout, so messages pile up in the queue, which must stay bounded.
  const sockets: Socket[] = [];
  const silent: Server = createServer((socket) => sockets.push(socket));
  const silentPort = await freePort();
  await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve));
  const deadPort = await freePort();
  const maxQueued = 1000;
  const a = await startNode(A, undefined, { maxQueuedMessagesPerPeer: maxQueued, dialTimeoutMs: 2000 });
  try {
    a.transport.addPeer(B, [`http://127.0.0.1:${deadPort}`]);
    a.transport.addPeer(C, [`http://127.0.0.1:${silentPort}`]);
    await sleep(50);
    const payload = Buffer.alloc(1024);
    let maxSeen = 0;
    for (let round = 0; round < 100; round++) {
      const batch: Message[] = [];
      for (let i = 0; i < 500; i++) {
        const index = round * 500 + i;
        batch.push(message(A, B, index, MessageType.MsgApp, payload), message(A, C, index, MessageType.MsgApp, payload));
      }
      a.transport.send(batch);
      for (const p of a.transport.stats().peers) maxSeen = Math.max(maxSeen, p.queuedMessages);
    }
    assert.ok(maxSeen <= maxQueued, `queue reached ${maxSeen}`);
    for (const peer of [B, C]) {
      const stats = peerStats(a, peer);
      assert.equal(stats.messagesSent, 0);
      assert.ok(stats.queuedMessages <= maxQueued);
      assert.equal(stats.messagesDropped + stats.queuedMessages, 50_000, `peer ${peer}: every message is queued or dropped`);
      assert.ok((a.handler.unreachable.get(peer) ?? 0) > 0);
    }
    // The silent peer's dial times out: what was queued is dropped too, and the peer is reported.
    await waitUntil('silent peer gives up', () => peerStats(a, C).queuedMessages === 0 && peerStats(a, C).state !== 'dialing', 5000);
    assert.equal(peerStats(a, C).messagesDropped, 50_000);
  } finally {
    await stopAll([a]);
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('a queue bounded in bytes drops large messages before its count bound is reached', async () => {
  const a = await startNode(A, undefined, { maxQueuedBytesPerPeer: 1024 * 1024, dialTimeoutMs: 2000 });
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  const port = await freePort();
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
  try {
    a.transport.addPeer(B, [`http://127.0.0.1:${port}`]);
    const big = Buffer.alloc(100 * 1024);
    a.transport.send(Array.from({ length: 50 }, (_, i) => message(A, B, i, MessageType.MsgApp, big)));
    const stats = peerStats(a, B);
    assert.ok(stats.queuedMessages >= 8 && stats.queuedMessages <= 10, `queued ${stats.queuedMessages}`);
    assert.equal(stats.messagesDropped, 50 - stats.queuedMessages);
  } finally {
    await stopAll([a]);
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('a member of another cluster is refused with FAILED_PRECONDITION and a clear reason', async () => {
  await withPair([A, B], async (a, b) => {
    a.transport.send([message(A, B, 1)]);
    await waitUntil('A learns it is refused', () => a.handler.refusals.length > 0);
    const { id, refusal } = a.handler.refusals[0]!;
    assert.equal(id, B);
    assert.equal(refusal.reason, 'cluster-mismatch');
    assert.match(refusal.message, /cluster ID mismatch: member a1 belongs to cluster 1c2d3e4f5a6b7c8d, member b2 to cluster deadbeef/);
    assert.equal(peerStats(a, B).refusal?.reason, 'cluster-mismatch');
    assert.ok(b.transport.stats().callsRefused > 0);
    // Nothing crossed, in either direction, and the refused sender keeps dropping.
    a.transport.send([message(A, B, 2)]);
    await sleep(50);
    assert.equal(b.handler.received.length, 0);
    assert.equal(a.handler.received.length, 0);
    assert.ok((a.handler.unreachable.get(B) ?? 0) > 0);
  }, { b: { clusterId: 0xdeadbeefn } });
});

test('a removed member is refused, also on a stream that was open before its removal', async () => {
  await withPair([A, B], async (a, b) => {
    await waitForStreams([a, b]);
    a.transport.send([message(A, B, 1)]);
    await waitUntil('first message delivered', () => b.handler.received.length === 1);
    b.handler.removed.add(A);
    a.transport.send([message(A, B, 2)]);
    await waitUntil('A learns it was removed', () => a.handler.refusals.some((r) => r.refusal.reason === 'removed'));
    assert.match(a.handler.refusals.find((r) => r.refusal.reason === 'removed')!.refusal.message, /member a1 was removed from cluster/);
    // The redial is refused at once too.
    await sleep(400);
    a.transport.send([message(A, B, 3)]);
    await sleep(50);
    assert.deepEqual(indexes(b.handler.received), [1]);
    assert.ok(b.transport.stats().callsRefused >= 2, `refused ${b.transport.stats().callsRefused} calls`);
  });
});

test('a sender the receiver does not know yet is refused until it is added, then delivered promptly', async () => {
  await withPair([A, B], async (a, b) => {
    a.transport.addPeer(B, [b.url]);
    await waitUntil('refused as unknown', () => a.handler.refusals.some((r) => r.refusal.reason === 'unknown-member'));
    b.transport.addPeer(A, [a.url]);
    let index = 0;
    await waitUntil('delivered after B learned about A', () => {
      a.transport.send([message(A, B, ++index)]);
      return b.handler.received.length > 0;
    }, 3000);
    assert.equal(peerStats(a, B).refusal, undefined);
  }, { connect: false });
});

test('a different member answering at the peer URL is refused as the wrong member', async () => {
  await withPair([A, C], async (a, impostor) => {
    impostor.transport.addPeer(A, [a.url]);
    a.transport.addPeer(B, [impostor.url]);
    await waitUntil('refused', () => a.handler.refusals.length > 0);
    assert.equal(a.handler.refusals[0]!.refusal.reason, 'wrong-member');
    assert.match(a.handler.refusals[0]!.refusal.message, /addressed member b2, but this peer URL belongs to member c3/);
  }, { connect: false });
});

test('updatePeer moves the stream to the new URL; removePeer stops sending', async () => {
  const a = await startNode(A);
  const b1 = await startNode(B);
  try {
    connectAll([a, b1]);
    await waitForStreams([a, b1]);
    a.transport.send([message(A, B, 1)]);
    await waitUntil('delivered to the first URL', () => b1.handler.received.length === 1);
    await b1.transport.stop();
    const b2 = await startNode(B);
    try {
      b2.transport.addPeer(A, [a.url]);
      a.transport.updatePeer(B, [b2.url]);
      let index = 1;
      await waitUntil('delivered to the new URL', () => {
        a.transport.send([message(A, B, ++index)]);
        return b2.handler.received.length > 0;
      });
      assert.deepEqual(peerStats(a, B).urls, [b2.url]);
      a.transport.removePeer(B);
      const before = b2.handler.received.length;
      a.transport.send([message(A, B, 1000)]);
      await sleep(50);
      assert.equal(b2.handler.received.length, before);
      assert.equal(a.transport.stats().unknownPeerDropped, 1);
      assert.equal(a.transport.stats().peers.length, 0);
    } finally {
      await b2.transport.stop();
    }
  } finally {
    await stopAll([a]);
  }
});

test('a message bigger than a receiver accepts is dropped at the sender, not sent', async () => {
  await withPair([A, B], async (a, b) => {
    await waitForStreams([a, b]);
    a.transport.send([message(A, B, 1, MessageType.MsgApp, Buffer.alloc(100 * 1024)), message(A, B, 2)]);
    await waitUntil('the small one arrives', () => b.handler.received.length === 1);
    assert.equal(b.handler.received[0]!.index, 2);
    assert.equal(peerStats(a, B).messagesDropped, 1);
    assert.equal(a.handler.unreachable.get(B), 1);
  }, { a: { maxMessageBytes: 64 * 1024 } });
});

test('malformed peer URLs are rejected when the peer is added or updated, not at a later redial', async () => {
  await withPair([A, B], async (a, b) => {
    assert.throws(() => a.transport.addPeer(C, ['http://127.0.0.1:1', 'https://127.0.0.1:2']), /only http:\/\/ is supported/);
    assert.throws(() => a.transport.addPeer(C, []), /has no URLs/);
    assert.throws(() => a.transport.updatePeer(B, ['http://127.0.0.1:3', 'not a url']), /bad peer URL/);
    assert.deepEqual(peerStats(a, B).urls, [b.url]);
    await waitForStreams([a]);
    a.transport.send([message(A, B, 1)]);
    await waitUntil('still delivering', () => b.handler.received.length === 1);
  });
});

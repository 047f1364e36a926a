/**
 * Test scaffolding for the peer transport: a handler that records everything the transport tells
 * it, message builders, and transports on free loopback ports that tests can stop and restart.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../src/base/logger.js';
import { nullLogger } from '../../src/base/logger.js';
import { SeededRand } from '../../src/base/rand.js';
import { GrpcTransport, type ClusterMember, type GrpcTransportOptions, type Refusal, type TransportHandler } from '../../src/peer/transport.js';
import { emptyConfState } from '../../src/raftpb/codec.js';
import { EntryType, MessageType, type Message, type NodeId } from '../../src/raft/types.js';
import { freePort } from '../helpers/ports.js';

export const CLUSTER = 0x1c2d3e4f5a6b7c8dn;

export function message(from: NodeId, to: NodeId, index: number, type: MessageType = MessageType.MsgApp, payload?: Uint8Array): Message {
  return {
    type,
    to,
    from,
    term: 1,
    logTerm: 1,
    index,
    entries: payload ? [{ term: 1, index: index + 1, type: EntryType.Normal, data: payload }] : [],
    commit: index,
    reject: false,
    rejectHint: 0,
    context: Buffer.alloc(0),
  };
}

/** A MsgSnap whose snapshot.data is a reference the sending handler resolves in openSnapshot. */
export function snapshotMessage(from: NodeId, to: NodeId, reference: string, index = 100): Message {
  return {
    ...message(from, to, index, MessageType.MsgSnap),
    snapshot: { data: Buffer.from(reference), metadata: { confState: { ...emptyConfState(), voters: [from, to] }, index, term: 3 } },
  };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ReceivedSnapshot {
  message: Message;
  data: Buffer;
}

/** Records every call; snapshots to send are registered by reference in `outboundSnapshots`. */
export class RecordingHandler implements TransportHandler {
  readonly received: Message[] = [];
  readonly unreachable = new Map<NodeId, number>();
  readonly snapshotReports: { id: NodeId; ok: boolean }[] = [];
  readonly refusals: { id: NodeId; refusal: Refusal }[] = [];
  readonly removed = new Set<NodeId>();
  readonly outboundSnapshots = new Map<string, { data: Uint8Array; pieceBytes: number }>();
  readonly receivedSnapshots: ReceivedSnapshot[] = [];
  readonly failedReceptions: string[] = [];
  /** What clusterMembers() answers; undefined makes the handler not implement it. */
  members: ClusterMember[] | undefined;
  /** Awaited after each received snapshot chunk, to simulate a slow or stuck disk. */
  afterEachChunk: (() => Promise<void>) | undefined;
  private onProcess: ((m: Message) => void) | undefined;

  process(m: Message): void {
    this.received.push(m);
    this.onProcess?.(m);
  }
  reportUnreachable(id: NodeId): void {
    this.unreachable.set(id, (this.unreachable.get(id) ?? 0) + 1);
  }
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.snapshotReports.push({ id, ok });
  }
  reportRefused(id: NodeId, refusal: Refusal): void {
    this.refusals.push({ id, refusal });
  }
  clusterMembers(): readonly ClusterMember[] {
    if (!this.members) throw new Error('members not set');
    return this.members;
  }
  isRemoved(id: NodeId): boolean {
    return this.removed.has(id);
  }
  async *openSnapshot(m: Message): AsyncIterable<Uint8Array> {
    const reference = Buffer.from(m.snapshot!.data).toString();
    const source = this.outboundSnapshots.get(reference);
    if (!source) throw new Error(`no snapshot registered as ${reference}`);
    for (let offset = 0; offset < source.data.length; offset += source.pieceBytes) {
      yield source.data.subarray(offset, offset + source.pieceBytes);
    }
  }
  async receiveSnapshot(m: Message, chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const parts: Buffer[] = [];
    try {
      for await (const chunk of chunks) {
        parts.push(Buffer.from(chunk));
        if (this.afterEachChunk) await this.afterEachChunk();
      }
    } catch (err) {
      this.failedReceptions.push(err instanceof Error ? err.message : String(err));
      throw err;
    }
    const data = Buffer.concat(parts);
    this.receivedSnapshots.push({ message: m, data });
    return Buffer.from(`stored:${sha256(data)}`);
  }

  /** Messages received from `from`, in arrival order. */
  from(from: NodeId): Message[] {
    return this.received.filter((m) => m.from === from);
  }

  watch(fn: ((m: Message) => void) | undefined): void {
    this.onProcess = fn;
  }
}

export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export interface Node {
  id: NodeId;
  url: string;
  handler: RecordingHandler;
  transport: GrpcTransport;
}

export type NodeOptions = Partial<Omit<GrpcTransportOptions, 'localId' | 'handler' | 'logger'>> & { logger?: Logger };

/** Starts a transport for member `id` listening on `url` (a fresh loopback port when omitted). */
export async function startNode(id: NodeId, url?: string, opts: NodeOptions = {}, handler = new RecordingHandler()): Promise<Node> {
  const nodeUrl = url ?? `http://127.0.0.1:${await freePort()}`;
  const transport = new GrpcTransport({
    clusterId: CLUSTER,
    rand: new SeededRand(Number(id)),
    logger: nullLogger,
    // A short cap keeps reconnection tests fast.
    reconnectCapMs: 200,
    ...opts,
    localId: id,
    handler,
  });
  await transport.listen([nodeUrl]);
  return { id, url: nodeUrl, handler, transport };
}

/** Makes every node a peer of every other. */
export function connectAll(nodes: readonly Node[]): void {
  for (const a of nodes) for (const b of nodes) if (a !== b) a.transport.addPeer(b.id, [b.url]);
}

/**
 * Waits until every node's stream to every peer it knows is open, for tests that assert nothing is
 * dropped: messages sent while a stream is still dialing could be lost to a slow dial on a busy machine.
 */
export async function waitForStreams(nodes: readonly Node[]): Promise<void> {
  await waitUntil('all streams open', () => nodes.every((n) => n.transport.stats().peers.every((p) => p.state === 'open')));
}

export function peerStats(node: Node, peer: NodeId) {
  const stats = node.transport.stats().peers.find((p) => p.id === peer);
  if (!stats) throw new Error(`no stats for peer ${peer}`);
  return stats;
}

export async function stopAll(nodes: readonly (Node | undefined)[]): Promise<void> {
  await Promise.all(nodes.map((n) => n?.transport.stop()));
}

/**
 * Runs `body` with two nodes (ids `ids`), peers of each other unless `connect` is false, stopping
 * both afterwards whatever happens.
 */
export async function withPair(
  ids: readonly [NodeId, NodeId],
  body: (a: Node, b: Node) => Promise<void>,
  opts: { a?: NodeOptions; b?: NodeOptions; connect?: boolean } = {},
): Promise<void> {
  const a = await startNode(ids[0], undefined, opts.a);
  const b = await startNode(ids[1], undefined, opts.b);
  try {
    if (opts.connect !== false) connectAll([a, b]);
    await body(a, b);
  } finally {
    await stopAll([a, b]);
  }
}

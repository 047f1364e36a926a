/**
 * Raft traffic between members: what the server gives the transport (messages from each Ready,
 * membership changes) and what the transport gives back (inbound messages, unreachable peers,
 * snapshot outcomes). The gRPC implementation is GrpcTransport (grpc_transport.ts, re-exported
 * here); the simulator can stand in with its own `Transport`.
 *
 * Guarantees:
 * - `send` never blocks and never throws because of a peer: each peer has its own bounded queue.
 *   A message that cannot be queued (the peer is down, its queue is full, or its stream broke with
 *   the message still queued) is dropped and the peer reported unreachable, as etcd does; raft
 *   retransmits what matters.
 * - Messages to one peer arrive in the order sent, or not at all (no duplicates, no reordering);
 *   a MsgSnap travels on its own call, so it is not ordered with respect to the others.
 * - Inbound messages reach `process` only from a stream of the same cluster, addressed to this
 *   member, from a member known to the transport (`addPeer`) and not removed.
 * - A MsgSnap reaches `process` only after its data arrived completely and matched its checksum,
 *   with `snapshot.data` replaced by what `receiveSnapshot` returned.
 * - Messages addressed to the local member are skipped, never sent over the network.
 */
import type { Logger } from '../base/logger.js';
import type { Rand } from '../base/rand.js';
import type { Message, NodeId } from '../raft/types.js';
import type { ClusterMember } from './cluster_info.js';
import type { Refusal } from './wire.js';

export type { Refusal, RefusalReason } from './wire.js';
export type { ClusterMember, RemoteCluster } from './cluster_info.js';
export { fetchClusterFromPeers } from './cluster_info.js';
export { GrpcTransport } from './grpc_transport.js';

/**
 * The server's side of the transport. `reportUnreachable` may be called synchronously from within
 * `send` (after all of that send's messages were queued); the other methods from gRPC callbacks.
 */
export interface TransportHandler {
  /** An inbound raft message for the local node (already checked: right cluster, known non-removed sender). */
  process(m: Message): void;
  /** A send to this peer failed, or its queue overflowed: raft should probe it instead of pipelining. */
  reportUnreachable(id: NodeId): void;
  /** The outcome of sending a MsgSnap: ok once the receiver has the data and handed the MsgSnap to raft. */
  reportSnapshot(id: NodeId, ok: boolean): void;
  /** Messages and streams from removed members are refused. */
  isRemoved(id: NodeId): boolean;
  /**
   * The data to stream for an outbound MsgSnap, in pieces of any size (the transport re-chunks).
   * The MsgSnap's own `snapshot.data` is small: an opaque reference the handler understands. The
   * transport stops iterating (calling `return`) if the transfer fails.
   */
  openSnapshot(m: Message): AsyncIterable<Uint8Array>;
  /**
   * Receives a streamed snapshot's data; resolves with the bytes to put in `snapshot.data` before
   * `process(m)` is called with the MsgSnap. `chunks` throws if the transfer breaks or the data does
   * not match its checksum; the handler must then discard what it wrote and reject. It must read
   * `chunks` to the end: stopping early fails the transfer.
   */
  receiveSnapshot(m: Message, chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array>;
  /**
   * Optional: a peer refused this member's calls (another cluster, removed, not yet known, wrong
   * member at that URL). Called on every refusal; a server may stop itself when told it was removed.
   */
  reportRefused?(id: NodeId, refusal: Refusal): void;
  /**
   * Optional: the current members (not the removed ones), for a member joining the cluster (see
   * cluster_info.ts). Without it the peer service answers such requests UNIMPLEMENTED.
   */
  clusterMembers?(): readonly ClusterMember[];
}

/** What the server needs from a transport; GrpcTransport implements it over the peer URLs. */
export interface Transport {
  /** Starts serving the peer URLs (http://host:port). */
  listen(urls: readonly string[]): Promise<void>;
  addPeer(id: NodeId, urls: readonly string[]): void;
  updatePeer(id: NodeId, urls: readonly string[]): void;
  removePeer(id: NodeId): void;
  /** Never blocks, never throws for a down peer. */
  send(messages: readonly Message[]): void;
  stats(): TransportStats;
  stop(): Promise<void>;
}

export interface GrpcTransportOptions {
  localId: NodeId;
  clusterId: bigint;
  handler: TransportHandler;
  logger: Logger;
  /** How long a new stream may take to be accepted before the dial counts as failed. */
  dialTimeoutMs?: number;
  /** Messages waiting for one peer's stream; beyond this, new messages are dropped. */
  maxQueuedMessagesPerPeer?: number;
  /** Approximate encoded bytes waiting for one peer; beyond this, new messages are dropped. */
  maxQueuedBytesPerPeer?: number;
  /** Bytes of messages gathered into one stream frame (a single larger message still goes alone). */
  maxFrameBytes?: number;
  /** The largest frame a receiver accepts; an outbound message larger than this is dropped. */
  maxMessageBytes?: number;
  /** Reconnection backoff: first delay and cap (the cap stays short so a restarted member is found quickly). */
  reconnectBaseMs?: number;
  reconnectCapMs?: number;
  snapshotChunkBytes?: number;
  /** A snapshot transfer that makes no progress for this long fails. */
  snapshotStallTimeoutMs?: number;
  /** HTTP/2 keepalive ping interval and timeout: how fast a silently dead connection is noticed. */
  keepaliveMs?: number;
  /** Jitter source for the backoff; defaults to an OS-seeded one. */
  rand?: Rand;
  hooks?: TransportTestHooks;
}

/** Fault injection for tests; production leaves these unset. */
export interface TransportTestHooks {
  /** Replaces a snapshot data chunk after its checksum was computed (seq counts data chunks from 0). */
  mutateSnapshotChunk?(to: NodeId, seq: number, chunk: Uint8Array): Uint8Array;
}

export const TRANSPORT_DEFAULTS = {
  dialTimeoutMs: 1000,
  // etcd's per-peer stream buffer holds 4096 messages.
  maxQueuedMessagesPerPeer: 4096,
  maxQueuedBytesPerPeer: 64 * 1024 * 1024,
  maxFrameBytes: 4 * 1024 * 1024,
  maxMessageBytes: 128 * 1024 * 1024,
  reconnectBaseMs: 50,
  reconnectCapMs: 1000,
  snapshotChunkBytes: 64 * 1024,
  snapshotStallTimeoutMs: 30_000,
  keepaliveMs: 5000,
} as const;

export type TransportLimits = { -readonly [K in keyof typeof TRANSPORT_DEFAULTS]: number };

export type PeerStreamState = 'dialing' | 'open' | 'backoff' | 'stopped';

export interface PeerStats {
  id: NodeId;
  urls: readonly string[];
  state: PeerStreamState;
  /** Set while the peer's last answer was a refusal (cleared when a stream is accepted). */
  refusal: Refusal | undefined;
  queuedMessages: number;
  /** Messages handed to the peer's stream. */
  messagesSent: number;
  /** Messages dropped for this peer (down, queue full, stream broke, too large). */
  messagesDropped: number;
  /** Stream frames written; messagesSent / framesSent is the batching factor. */
  framesSent: number;
  /** Streams the peer accepted (1 + reconnections). */
  streamsOpened: number;
  snapshotsSent: number;
  snapshotsFailed: number;
}

export interface TransportStats {
  peers: PeerStats[];
  /** Inbound messages handed to `process` (snapshots included). */
  messagesReceived: number;
  /** Inbound messages dropped: wrong sender or receiver, a MsgSnap on the message stream. */
  messagesRejected: number;
  /** Inbound calls refused (other cluster, removed, unknown sender, wrong member, bad metadata). */
  callsRefused: number;
  snapshotsReceived: number;
  snapshotsRejected: number;
  /** Outbound messages addressed to the local member (skipped). */
  selfAddressedSkipped: number;
  /** Outbound messages to a member the transport does not know (dropped). */
  unknownPeerDropped: number;
}

export function resolveLimits(opts: GrpcTransportOptions): TransportLimits {
  const limits: TransportLimits = { ...TRANSPORT_DEFAULTS };
  for (const key of Object.keys(TRANSPORT_DEFAULTS) as (keyof TransportLimits)[]) {
    const given = opts[key];
    if (given !== undefined) {
      if (!(Number.isFinite(given) && given > 0)) throw new RangeError(`transport option ${key} must be a positive number, got ${given}`);
      limits[key] = given;
    }
  }
  return limits;
}

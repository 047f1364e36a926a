/**
 * The Transport over gRPC on the peer URLs: one PeerSender per remote member for what leaves, one
 * gRPC server (the `tetcd.peerpb.Raft` service) for what arrives. See transport.ts for the contract.
 */
import * as grpc from '@grpc/grpc-js';
import { invariant } from '../base/assert.js';
import { hexId } from '../base/ids.js';
import type { Logger } from '../base/logger.js';
import { systemRand } from '../base/rand.js';
import { MessageType, type Message, type NodeId } from '../raft/types.js';
import { inboundService, type InboundCounters } from './inbound.js';
import { PeerSender, type PeerSenderContext } from './peer_sender.js';
import { resolveLimits, type GrpcTransportOptions, type Transport, type TransportHandler, type TransportStats } from './transport.js';
import { grpcAddressOf, raftService } from './wire.js';

export class GrpcTransport implements Transport {
  private readonly peers = new Map<NodeId, PeerSender>();
  private readonly senderContext: PeerSenderContext;
  private readonly handler: TransportHandler;
  private readonly log: Logger;
  private server: grpc.Server | undefined;
  private stopped = false;
  private readonly inbound: InboundCounters = { messagesReceived: 0, messagesRejected: 0, callsRefused: 0, snapshotsReceived: 0, snapshotsRejected: 0 };
  private selfAddressedSkipped = 0;
  private unknownPeerDropped = 0;

  constructor(private readonly opts: GrpcTransportOptions) {
    invariant(opts.localId !== 0n, 'the local member id must be non-zero');
    this.handler = opts.handler;
    this.log = opts.logger.child({ component: 'peer', member: hexId(opts.localId) });
    this.senderContext = {
      localId: opts.localId,
      clusterId: opts.clusterId,
      handler: opts.handler,
      logger: this.log,
      limits: resolveLimits(opts),
      rand: opts.rand ?? systemRand(),
      hooks: opts.hooks,
    };
  }

  async listen(urls: readonly string[]): Promise<void> {
    invariant(this.server === undefined, 'listen() called twice');
    invariant(!this.stopped, 'listen() after stop()');
    const addresses = urls.map(grpcAddressOf);
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.senderContext.limits.maxMessageBytes,
      'grpc.max_send_message_length': -1,
    });
    server.addService(
      raftService(),
      inboundService({
        localId: this.opts.localId,
        clusterId: this.opts.clusterId,
        handler: this.handler,
        logger: this.log,
        counters: this.inbound,
        isKnownPeer: (id) => this.peers.has(id),
        isRunning: () => !this.stopped,
      }),
    );
    this.server = server;
    for (const address of addresses) {
      await new Promise<void>((resolve, reject) => {
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(new Error(`cannot listen for peers on ${address}: ${err.message}`)) : resolve()));
      });
    }
    this.log.info({ urls }, 'listening for peers');
  }

  addPeer(id: NodeId, urls: readonly string[]): void {
    invariant(id !== this.opts.localId, 'the local member is not its own peer');
    if (this.stopped) return;
    const existing = this.peers.get(id);
    if (existing) {
      existing.updateUrls(urls);
      return;
    }
    this.log.info({ peer: hexId(id), urls }, 'added peer');
    this.peers.set(id, new PeerSender(id, urls, this.senderContext));
  }

  updatePeer(id: NodeId, urls: readonly string[]): void {
    const peer = this.peers.get(id);
    if (!peer) {
      this.log.warn({ peer: hexId(id), urls }, 'cannot update an unknown peer');
      return;
    }
    peer.updateUrls(urls);
  }

  removePeer(id: NodeId): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    peer.stop();
    this.peers.delete(id);
    this.log.info({ peer: hexId(id) }, 'removed peer');
  }

  send(messages: readonly Message[]): void {
    if (this.stopped) return;
    let toFlush: Set<PeerSender> | undefined;
    let unreachable: Set<NodeId> | undefined;
    for (const m of messages) {
      if (m.to === this.opts.localId) {
        this.selfAddressedSkipped++;
        continue;
      }
      const peer = this.peers.get(m.to);
      if (!peer) {
        this.unknownPeerDropped++;
        this.log.debug({ to: hexId(m.to), type: MessageType[m.type] }, 'dropping a message to an unknown peer');
        continue;
      }
      if (m.type === MessageType.MsgSnap) {
        peer.sendSnapshot(m);
      } else if (peer.enqueue(m)) {
        (toFlush ??= new Set()).add(peer);
      } else {
        (unreachable ??= new Set()).add(m.to);
      }
    }
    if (toFlush) for (const peer of toFlush) peer.flush();
    if (unreachable) for (const id of unreachable) this.handler.reportUnreachable(id);
  }

  stats(): TransportStats {
    return {
      peers: [...this.peers.values()].map((p) => p.stats()),
      ...this.inbound,
      selfAddressedSkipped: this.selfAddressedSkipped,
      unknownPeerDropped: this.unknownPeerDropped,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const peer of this.peers.values()) peer.stop();
    this.peers.clear();
    const server = this.server;
    if (server) {
      // Peer streams never end on their own, so a graceful shutdown would wait forever.
      server.forceShutdown();
    }
    this.log.info({}, 'peer transport stopped');
  }
}

/**
 * The receiving side of the peer service: admits or refuses each call by its identity metadata,
 * hands stream messages to raft, and assembles snapshots, checking their size and SHA-256 before
 * the MsgSnap reaches raft. It also answers a joining member's request for the member list.
 */
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { hexId } from '../base/ids.js';
import type { Logger } from '../base/logger.js';
import { DecodeError, decodeMessage, decodeMessageBatch } from '../raftpb/codec.js';
import { MessageType, type Message, type NodeId } from '../raft/types.js';
import { membersToWire } from './cluster_info.js';
import type { TransportHandler } from './transport.js';
import { readIdentity, refusalStatus, type CallIdentity, type MembersResponse, type SnapshotChunk, type SnapshotReceipt, type StreamSummary } from './wire.js';

export interface InboundCounters {
  messagesReceived: number;
  messagesRejected: number;
  callsRefused: number;
  snapshotsReceived: number;
  snapshotsRejected: number;
}

export interface InboundContext {
  localId: NodeId;
  clusterId: bigint;
  handler: TransportHandler;
  logger: Logger;
  counters: InboundCounters;
  isKnownPeer(id: NodeId): boolean;
  /** False once the transport is stopping: late frames are ignored. */
  isRunning(): boolean;
}

/** The data did not match the size or SHA-256 announced in the last chunk. */
export class SnapshotChecksumError extends Error {
  override name = 'SnapshotChecksumError';
}

/** The snapshot call broke the protocol (no MsgSnap first, ended before its last chunk, ...). */
export class SnapshotProtocolError extends Error {
  override name = 'SnapshotProtocolError';
}

/** Logs at most once per `intervalMs` per key, so a peer retrying every second cannot flood the log. */
class ThrottledLog {
  private readonly last = new Map<string, number>();
  constructor(private readonly intervalMs: number) {}
  shouldLog(key: string): boolean {
    const now = performance.now();
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) return false;
    if (this.last.size > 1000) this.last.clear();
    this.last.set(key, now);
    return true;
  }
}

/** What a receiver answers a call with when it does not accept it. */
type ServerStatus = Partial<grpc.StatusObject>;

type Admission = { identity: CallIdentity } | { status: ServerStatus };

export function inboundService(ctx: InboundContext): grpc.UntypedServiceImplementation {
  const throttle = new ThrottledLog(10_000);
  const log = ctx.logger;

  function refuse(what: string, identity: CallIdentity | undefined, status: ServerStatus): Admission {
    ctx.counters.callsRefused++;
    const from = identity ? hexId(identity.from) : 'unknown';
    if (throttle.shouldLog(`refuse:${from}:${status.details}`)) log.warn({ call: what, from, detail: status.details }, 'refused a peer call');
    return { status };
  }

  function admit(what: string, md: grpc.Metadata): Admission {
    const identity = readIdentity(md);
    if (typeof identity === 'string') return refuse(what, undefined, { code: grpc.status.INVALID_ARGUMENT, details: `bad peer call: ${identity}` });
    const local = hexId(ctx.localId);
    const from = hexId(identity.from);
    if (identity.clusterId !== ctx.clusterId) {
      return refuse(what, identity, refusalStatus({
        reason: 'cluster-mismatch',
        message: `cluster ID mismatch: member ${from} belongs to cluster ${hexId(identity.clusterId)}, member ${local} to cluster ${hexId(ctx.clusterId)}`,
      }));
    }
    if (identity.to !== ctx.localId) {
      return refuse(what, identity, refusalStatus({
        reason: 'wrong-member',
        message: `member ${from} addressed member ${hexId(identity.to)}, but this peer URL belongs to member ${local}`,
      }));
    }
    if (ctx.handler.isRemoved(identity.from)) {
      return refuse(what, identity, removedStatus(identity.from));
    }
    if (!ctx.isKnownPeer(identity.from)) {
      return refuse(what, identity, refusalStatus({
        reason: 'unknown-member',
        message: `member ${from} is not (yet) a member known to member ${local}`,
      }));
    }
    return { identity };
  }

  function removedStatus(id: NodeId): ServerStatus {
    return refusalStatus({
      reason: 'removed',
      message: `member ${hexId(id)} was removed from cluster ${hexId(ctx.clusterId)}; its raft messages are refused`,
    });
  }

  /** A message the stream's sender may deliver to this member; anything else is dropped and counted. */
  function acceptable(m: Message, identity: CallIdentity): boolean {
    if (m.to === ctx.localId && m.from === identity.from && m.type !== MessageType.MsgSnap) return true;
    ctx.counters.messagesRejected++;
    if (throttle.shouldLog(`reject:${hexId(identity.from)}`)) {
      log.warn({ from: hexId(identity.from), messageFrom: hexId(m.from), messageTo: hexId(m.to), type: MessageType[m.type] }, 'dropped an inbound message that does not belong on this stream');
    }
    return false;
  }

  function acceptStream(call: grpc.ServerDuplexStream<Buffer, StreamSummary>, respond: grpc.sendUnaryData<StreamSummary>): void {
    const admission = admit('stream', call.metadata);
    if ('status' in admission) {
      respond(admission.status);
      return;
    }
    const { identity } = admission;
    let received = 0;
    let finished = false;
    const finish = (status: ServerStatus | null): void => {
      if (finished) return;
      finished = true;
      if (status) respond(status);
      else respond(null, { messages_received: String(received) });
    };
    call.sendMetadata(new grpc.Metadata());
    log.debug({ from: hexId(identity.from) }, 'accepted a message stream');
    call.on('data', (frame: Buffer) => {
      if (finished || !ctx.isRunning()) return;
      if (ctx.handler.isRemoved(identity.from)) {
        ctx.counters.callsRefused++;
        log.warn({ from: hexId(identity.from) }, 'closing the stream of a member that was removed');
        finish(removedStatus(identity.from));
        return;
      }
      let messages: Message[];
      try {
        messages = decodeMessageBatch(frame);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        log.error({ from: hexId(identity.from), err: err.message }, 'undecodable frame on a peer stream; closing it');
        finish({ code: grpc.status.INVALID_ARGUMENT, details: `undecodable raft message batch: ${err.message}` });
        return;
      }
      for (const m of messages) {
        if (!acceptable(m, identity)) continue;
        received++;
        ctx.counters.messagesReceived++;
        ctx.handler.process(m);
      }
    });
    call.on('end', () => finish(null));
    // A cancelled or reset stream: the sender is gone, there is nobody to answer.
    call.on('error', () => finish({ code: grpc.status.CANCELLED, details: 'stream broken' }));
  }

  async function acceptSnapshot(call: grpc.ServerDuplexStream<SnapshotChunk, SnapshotReceipt>, respond: grpc.sendUnaryData<SnapshotReceipt>): Promise<void> {
    const admission = admit('snapshot', call.metadata);
    if ('status' in admission) {
      respond(admission.status);
      return;
    }
    const { identity } = admission;
    call.sendMetadata(new grpc.Metadata());
    const frames = call[Symbol.asyncIterator]() as AsyncIterator<SnapshotChunk>;
    let m: Message | undefined;
    try {
      const first = await frames.next();
      if (first.done || first.value.message.length === 0) throw new SnapshotProtocolError('the snapshot call did not start with its MsgSnap');
      m = decodeMessage(first.value.message);
      const snapshot = m.snapshot;
      if (m.type !== MessageType.MsgSnap || snapshot === undefined || m.to !== ctx.localId || m.from !== identity.from) {
        throw new SnapshotProtocolError(`the snapshot call carries ${MessageType[m.type]} from ${hexId(m.from)} to ${hexId(m.to)}, not a MsgSnap from the caller to this member`);
      }
      const progress = { verified: false, bytes: 0 };
      const data = await ctx.handler.receiveSnapshot(m, verifiedChunks(frames, progress));
      if (!progress.verified) throw new SnapshotProtocolError('the snapshot handler stopped reading before the last chunk');
      snapshot.data = data;
      ctx.counters.snapshotsReceived++;
      ctx.counters.messagesReceived++;
      log.info({ from: hexId(identity.from), index: snapshot.metadata.index, bytes: progress.bytes }, 'received snapshot');
      if (ctx.isRunning()) ctx.handler.process(m);
      respond(null, { bytes_received: String(progress.bytes) });
    } catch (err) {
      ctx.counters.snapshotsRejected++;
      const detail = err instanceof Error ? err.message : String(err);
      const code =
        err instanceof SnapshotChecksumError ? grpc.status.DATA_LOSS
        : err instanceof SnapshotProtocolError || err instanceof DecodeError ? grpc.status.INVALID_ARGUMENT
        : call.cancelled ? grpc.status.CANCELLED
        : grpc.status.INTERNAL;
      log.warn({ from: hexId(identity.from), index: m?.snapshot?.metadata.index, code: grpc.status[code], err: detail }, 'snapshot reception failed');
      respond({ code, details: `snapshot not received: ${detail}` });
    }
  }

  function answerMembers(_call: grpc.ServerUnaryCall<unknown, MembersResponse>, respond: grpc.sendUnaryData<MembersResponse>): void {
    if (!ctx.handler.clusterMembers) {
      respond({ code: grpc.status.UNIMPLEMENTED, details: `member ${hexId(ctx.localId)} does not serve its member list` });
      return;
    }
    try {
      respond(null, membersToWire(ctx.clusterId, ctx.localId, ctx.handler.clusterMembers()));
    } catch (err) {
      respond({ code: grpc.status.INTERNAL, details: `member list unavailable: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  return {
    Members: answerMembers as grpc.UntypedHandleCall,
    Stream: acceptStream as grpc.UntypedHandleCall,
    Snapshot: ((call: grpc.ServerDuplexStream<SnapshotChunk, SnapshotReceipt>, respond: grpc.sendUnaryData<SnapshotReceipt>) => {
      void acceptSnapshot(call, respond);
    }) as grpc.UntypedHandleCall,
  };
}

/**
 * The data chunks after the MsgSnap, checked against the size and SHA-256 of the last chunk. It
 * throws instead of finishing when they differ or the stream ends early, so a handler that writes
 * the chunks to a file sees the failure before it could trust the file.
 */
async function* verifiedChunks(frames: AsyncIterator<SnapshotChunk>, progress: { verified: boolean; bytes: number }): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (;;) {
    const next = await frames.next();
    if (next.done) throw new SnapshotProtocolError(`the snapshot stream ended after ${bytes} bytes without its last chunk`);
    const chunk = next.value;
    if (chunk.last) {
      const digest = hash.digest();
      if (chunk.total_bytes !== String(bytes)) throw new SnapshotChecksumError(`snapshot size mismatch: received ${bytes} bytes, the sender sent ${chunk.total_bytes}`);
      if (!digest.equals(chunk.sha256)) throw new SnapshotChecksumError(`snapshot checksum mismatch: sha256 ${digest.toString('hex')} received, ${Buffer.from(chunk.sha256).toString('hex')} sent`);
      progress.verified = true;
      progress.bytes = bytes;
      return;
    }
    hash.update(chunk.data);
    bytes += chunk.data.length;
    yield chunk.data;
  }
}

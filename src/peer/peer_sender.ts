/**
 * Everything this member sends to one peer: a bounded queue, the long-lived message stream that
 * drains it one frame at a time, reconnection with backoff, and that peer's snapshot transfers.
 *
 * Stream life cycle: dialing (a call is open, waiting for the receiver to accept it with response
 * headers) → open (frames flow) → on any failure: backoff (sends are dropped at once, since the peer
 * is known to be unreachable) → dialing again. Only one frame is in flight at a time: everything
 * queued meanwhile becomes the next frame, which is what batches messages under load, and a peer
 * that stops reading fills only its own queue.
 */
import * as grpc from '@grpc/grpc-js';
import { invariant } from '../base/assert.js';
import { toBuffer } from '../base/bytes.js';
import { hexId } from '../base/ids.js';
import type { Logger } from '../base/logger.js';
import type { Rand } from '../base/rand.js';
import { encodeMessageBatch } from '../raftpb/codec.js';
import type { Message, NodeId } from '../raft/types.js';
import { ReconnectBackoff } from './backoff.js';
import { SnapshotTransfer } from './snapshot_sender.js';
import type { PeerStats, PeerStreamState, TransportHandler, TransportLimits, TransportTestHooks } from './transport.js';
import { dedicatedClient, grpcAddressOf, identityMetadata, methodOf, refusalOf, type CallIdentity, type Refusal, type StreamSummary } from './wire.js';

export interface PeerSenderContext {
  localId: NodeId;
  clusterId: bigint;
  handler: TransportHandler;
  logger: Logger;
  limits: TransportLimits;
  rand: Rand;
  hooks: TransportTestHooks | undefined;
}

interface Queued {
  message: Message;
  bytes: number;
}

/**
 * An upper estimate of a message's encoded size, cheap enough to compute for every message: the
 * queue's byte bound and the frame size only need the right order of magnitude.
 */
export function approxEncodedBytes(m: Message): number {
  let bytes = 64 + m.context.length;
  for (const e of m.entries) bytes += e.data.length + 24;
  if (m.snapshot) bytes += m.snapshot.data.length + 64 + 10 * (m.snapshot.metadata.confState.voters.length + m.snapshot.metadata.confState.learners.length);
  return bytes;
}

export class PeerSender {
  private urls: readonly string[];
  private urlIndex = 0;
  private state: PeerStreamState = 'backoff';
  private client: grpc.Client | undefined;
  private call: grpc.ClientWritableStream<Buffer> | undefined;
  /** Dial timeout while dialing, reconnect delay while in backoff. */
  private timer: NodeJS.Timeout | undefined;
  private queue: Queued[] = [];
  private queuedBytes = 0;
  /** Messages of the frame being written (0 when none is in flight). */
  private inFlight = 0;
  private readonly backoff: ReconnectBackoff;
  /** True from the first failure until a stream is accepted again: failures in a row log once. */
  private failing = false;
  private everOpened = false;
  private refusal: Refusal | undefined;
  private snapshot: SnapshotTransfer | undefined;
  private readonly identity: CallIdentity;
  private readonly log: Logger;
  private readonly counters = { messagesSent: 0, messagesDropped: 0, framesSent: 0, streamsOpened: 0, snapshotsSent: 0, snapshotsFailed: 0 };

  constructor(
    readonly id: NodeId,
    urls: readonly string[],
    private readonly ctx: PeerSenderContext,
  ) {
    this.urls = validUrls(id, urls);
    this.identity = { clusterId: ctx.clusterId, from: ctx.localId, to: id };
    this.log = ctx.logger.child({ peer: hexId(id) });
    this.backoff = new ReconnectBackoff(ctx.limits.reconnectBaseMs, ctx.limits.reconnectCapMs, ctx.rand);
    this.dial();
  }

  /**
   * Queues a message for the stream; false if it was dropped (the caller reports the peer
   * unreachable, once per send). Writing happens in flush(), after a whole Ready was queued.
   */
  enqueue(m: Message): boolean {
    const bytes = approxEncodedBytes(m);
    const limits = this.ctx.limits;
    const full = this.queue.length >= limits.maxQueuedMessagesPerPeer || this.queuedBytes + bytes > limits.maxQueuedBytesPerPeer;
    if (this.state === 'backoff' || this.state === 'stopped' || full || bytes > limits.maxMessageBytes) {
      if (bytes > limits.maxMessageBytes) this.log.error({ type: m.type, bytes, limit: limits.maxMessageBytes }, 'dropping a raft message larger than a peer accepts');
      this.counters.messagesDropped++;
      return false;
    }
    this.queue.push({ message: m, bytes });
    this.queuedBytes += bytes;
    return true;
  }

  /** Writes the next frame if the stream is open and idle. */
  flush(): void {
    if (this.state !== 'open' || this.inFlight > 0 || this.queue.length === 0) return;
    const call = this.call;
    invariant(call !== undefined, 'an open stream has a call');
    const batch = this.takeFrame();
    this.inFlight = batch.length;
    const frame = toBuffer(encodeMessageBatch(batch));
    call.write(frame, () => {
      // A write on a stream that since broke completes too; its messages were counted as dropped.
      if (call !== this.call) return;
      this.counters.messagesSent += this.inFlight;
      this.counters.framesSent++;
      this.inFlight = 0;
      this.flush();
    });
  }

  sendSnapshot(m: Message): void {
    const handler = this.ctx.handler;
    if (this.state === 'stopped') return;
    if (this.snapshot) {
      // Raft sends one MsgSnap per follower until reportSnapshot; a second one means the first is
      // stale, so let raft retry later rather than stream two snapshots at once.
      this.log.warn({ index: m.snapshot?.metadata.index }, 'a snapshot transfer to this peer is already running; refusing another');
      this.counters.snapshotsFailed++;
      handler.reportSnapshot(this.id, false);
      return;
    }
    const limits = this.ctx.limits;
    const mutate = this.ctx.hooks?.mutateSnapshotChunk;
    const transfer = new SnapshotTransfer({
      url: this.currentUrl(),
      identity: this.identity,
      message: m,
      openData: () => handler.openSnapshot(m),
      chunkBytes: limits.snapshotChunkBytes,
      dialTimeoutMs: limits.dialTimeoutMs,
      stallTimeoutMs: limits.snapshotStallTimeoutMs,
      keepaliveMs: limits.keepaliveMs,
      mutateChunk: mutate ? (seq, chunk) => mutate(this.id, seq, chunk) : undefined,
    });
    this.snapshot = transfer;
    const index = m.snapshot?.metadata.index;
    this.log.info({ index }, 'sending snapshot');
    transfer.done.then(
      (bytes) => {
        this.snapshot = undefined;
        if (this.state === 'stopped') return;
        this.counters.snapshotsSent++;
        this.log.info({ index, bytes }, 'snapshot sent');
        handler.reportSnapshot(this.id, true);
      },
      (err: unknown) => {
        this.snapshot = undefined;
        if (this.state === 'stopped') return;
        this.counters.snapshotsFailed++;
        this.log.warn({ index, err: errorText(err) }, 'snapshot transfer failed');
        handler.reportSnapshot(this.id, false);
      },
    );
  }

  updateUrls(urls: readonly string[]): void {
    if (urls.length === this.urls.length && urls.every((u, i) => u === this.urls[i])) return;
    const valid = validUrls(this.id, urls);
    this.log.info({ from: this.urls, to: urls }, 'peer URLs changed; redialing');
    this.urls = valid;
    this.urlIndex = 0;
    if (this.state === 'stopped') return;
    // The frame in flight may or may not have arrived; raft treats it as lost either way.
    this.counters.messagesDropped += this.inFlight;
    this.closeCall('peer URLs changed');
    this.backoff.reset();
    this.dial();
  }

  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.closeCall('transport stopped');
    this.queue = [];
    this.queuedBytes = 0;
    this.snapshot?.cancel('transport stopped or peer removed');
    this.snapshot = undefined;
  }

  stats(): PeerStats {
    return {
      id: this.id,
      urls: this.urls,
      state: this.state,
      refusal: this.refusal,
      queuedMessages: this.queue.length,
      ...this.counters,
    };
  }

  // ---- stream life cycle --------------------------------------------------------------------

  private currentUrl(): string {
    return this.urls[this.urlIndex % this.urls.length]!;
  }

  private dial(): void {
    invariant(this.state === 'backoff', () => `dial from state ${this.state}`);
    this.state = 'dialing';
    const method = methodOf('Stream');
    const client = dedicatedClient(this.currentUrl(), this.ctx.limits.keepaliveMs);
    const call = client.makeClientStreamRequest<Buffer, StreamSummary>(
      method.path,
      (frame) => frame,
      method.responseDeserialize as (bytes: Buffer) => StreamSummary,
      identityMetadata(this.identity),
      {},
      (err) => this.onStreamEnd(call, err),
    );
    this.client = client;
    this.call = call;
    call.on('metadata', () => this.onAccepted(call));
    this.timer = setTimeout(() => {
      if (call === this.call && this.state === 'dialing') this.failStream(`no answer from ${this.currentUrl()} within ${this.ctx.limits.dialTimeoutMs} ms`);
    }, this.ctx.limits.dialTimeoutMs);
  }

  private onAccepted(call: grpc.ClientWritableStream<Buffer>): void {
    if (call !== this.call || this.state !== 'dialing') return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.state = 'open';
    this.counters.streamsOpened++;
    this.backoff.reset();
    if (this.failing || !this.everOpened) this.log.info({ url: this.currentUrl() }, this.everOpened ? 'peer reachable again' : 'stream to peer established');
    this.failing = false;
    this.everOpened = true;
    this.refusal = undefined;
    this.flush();
  }

  private onStreamEnd(call: grpc.ClientWritableStream<Buffer>, err: grpc.ServiceError | null): void {
    if (call !== this.call) return;
    if (err === null) {
      this.failStream('the peer ended the stream');
      return;
    }
    const refusal = refusalOf(err);
    if (refusal) this.failStream(`refused: ${refusal.message}`, refusal);
    else this.failStream(err.details || err.message);
  }

  /** The current stream is unusable: drop what it held, report the peer, and schedule a redial. */
  private failStream(cause: string, refusal?: Refusal): void {
    invariant(this.state === 'dialing' || this.state === 'open', () => `stream failure in state ${this.state}`);
    const wasOpen = this.state === 'open';
    const lost = this.queue.length + this.inFlight;
    this.closeCall(cause);
    this.queue = [];
    this.queuedBytes = 0;
    this.counters.messagesDropped += lost;
    this.state = 'backoff';
    this.urlIndex++;

    if (refusal) {
      const repeated = this.refusal?.reason === refusal.reason && this.refusal.message === refusal.message;
      if (repeated) this.log.debug({ reason: refusal.reason }, 'peer still refuses this member');
      else this.log.error({ reason: refusal.reason, detail: refusal.message }, 'peer refused this member');
      this.refusal = refusal;
    } else if (!this.failing) {
      this.log.warn({ cause, lostMessages: lost }, wasOpen ? 'lost the stream to peer' : 'cannot reach peer');
    } else {
      this.log.debug({ cause }, 'peer still unreachable');
    }
    // Refusals retry on the same short backoff: most clear up soon (the receiver applies the conf
    // change that adds this member, an operator restarts a misconfigured member), and a refused
    // call costs the receiver little.
    const delay = this.backoff.next();
    this.failing = true;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state === 'backoff') this.dial();
    }, delay);
    if (refusal) this.ctx.handler.reportRefused?.(this.id, refusal);
    if (lost > 0 || wasOpen) this.ctx.handler.reportUnreachable(this.id);
  }

  private closeCall(reason: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const call = this.call;
    const client = this.client;
    this.call = undefined;
    this.client = undefined;
    this.inFlight = 0;
    if (call) {
      call.removeAllListeners('metadata');
      // The call's completion callback still fires once; it sees a stale call and returns.
      call.cancel();
      this.log.debug({ reason }, 'closed stream');
    }
    client?.close();
    if (this.state === 'open' || this.state === 'dialing') this.state = 'backoff';
  }

  private takeFrame(): Message[] {
    const maxFrameBytes = this.ctx.limits.maxFrameBytes;
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && (count === 0 || bytes + this.queue[count]!.bytes <= maxFrameBytes)) {
      bytes += this.queue[count]!.bytes;
      count++;
    }
    const taken = count === this.queue.length ? this.queue : this.queue.slice(0, count);
    this.queue = count === this.queue.length ? [] : this.queue.slice(count);
    this.queuedBytes -= bytes;
    return taken.map((q) => q.message);
  }
}

/** Checks every URL now, so that a later redial (from a timer) cannot fail on a malformed one. */
function validUrls(id: NodeId, urls: readonly string[]): string[] {
  if (urls.length === 0) throw new Error(`peer ${hexId(id)} has no URLs`);
  for (const url of urls) grpcAddressOf(url);
  return [...urls];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

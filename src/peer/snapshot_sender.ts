/**
 * One outbound snapshot: the MsgSnap, then its data in fixed-size chunks, then the size and SHA-256
 * of the whole, on a call (and connection) of its own. Each chunk is written only after the previous
 * one left, so memory stays at one chunk whatever the snapshot's size, and a receiver that stops
 * reading stalls only this transfer, which a watchdog then fails.
 */
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Message } from '../raft/types.js';
import { encodeMessage } from '../raftpb/codec.js';
import { dedicatedClient, identityMetadata, methodOf, type CallIdentity, type SnapshotChunk, type SnapshotReceipt } from './wire.js';

export interface SnapshotTransferOptions {
  url: string;
  identity: CallIdentity;
  message: Message;
  /** Called once the receiver accepted the call, so nothing is opened for a transfer that never starts. */
  openData: () => AsyncIterable<Uint8Array>;
  chunkBytes: number;
  dialTimeoutMs: number;
  stallTimeoutMs: number;
  keepaliveMs: number;
  mutateChunk: ((seq: number, chunk: Uint8Array) => Uint8Array) | undefined;
}

const EMPTY = Buffer.alloc(0);

function chunkFrame(fields: Partial<SnapshotChunk>): SnapshotChunk {
  return { message: EMPTY, data: EMPTY, last: false, total_bytes: '0', sha256: EMPTY, ...fields };
}

/** Regroups pieces of any size into chunks of exactly `size` bytes (the last one may be shorter). */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let offset = 0;
    while (offset < piece.length) {
      const take = Math.min(size - pendingBytes, piece.length - offset);
      pending.push(piece.subarray(offset, offset + take));
      pendingBytes += take;
      offset += take;
      if (pendingBytes === size) {
        yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
}

export class SnapshotTransfer {
  /** Resolves with the number of data bytes once the receiver confirmed; rejects on any failure. */
  readonly done: Promise<number>;
  private call: grpc.ClientWritableStream<SnapshotChunk> | undefined;
  private cancelReason: string | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SnapshotTransferOptions) {
    this.done = this.run();
  }

  cancel(reason: string): void {
    if (this.cancelReason !== undefined) return;
    this.cancelReason = reason;
    this.call?.cancel();
  }

  private async run(): Promise<number> {
    const { opts } = this;
    const method = methodOf('Snapshot');
    const client = dedicatedClient(opts.url, opts.keepaliveMs);
    try {
      let accept!: () => void;
      const accepted = new Promise<void>((resolve) => (accept = resolve));
      const answered = new Promise<SnapshotReceipt>((resolve, reject) => {
        this.call = client.makeClientStreamRequest<SnapshotChunk, SnapshotReceipt>(
          method.path,
          method.requestSerialize as (chunk: SnapshotChunk) => Buffer,
          method.responseDeserialize as (bytes: Buffer) => SnapshotReceipt,
          identityMetadata(opts.identity),
          {},
          (err, receipt) => (err ? reject(err) : resolve(receipt ?? { bytes_received: '0' })),
        );
      });
      const call = this.call!;
      call.on('metadata', accept);
      // Every later await races the call's end, so a refusal or a broken connection fails at once.
      const ended = answered.then(
        () => Promise.reject(new Error('the receiver answered before the snapshot was complete')),
        (err: unknown) => Promise.reject(this.describe(err)),
      );
      ended.catch(() => {});
      if (this.cancelReason !== undefined) call.cancel();

      this.arm(opts.dialTimeoutMs, `no answer from ${opts.url} within ${opts.dialTimeoutMs} ms`);
      await Promise.race([accepted, ended]);

      const write = async (frame: SnapshotChunk): Promise<void> => {
        this.arm(opts.stallTimeoutMs, `no progress for ${opts.stallTimeoutMs} ms`);
        await Promise.race([new Promise<void>((resolve) => call.write(frame, () => resolve())), ended]);
      };
      await write(chunkFrame({ message: encodeMessage(opts.message) }));
      const hash = createHash('sha256');
      let total = 0;
      let seq = 0;
      for await (const chunk of rechunk(opts.openData(), opts.chunkBytes)) {
        hash.update(chunk);
        total += chunk.length;
        await write(chunkFrame({ data: opts.mutateChunk ? opts.mutateChunk(seq, chunk) : chunk }));
        seq++;
      }
      await write(chunkFrame({ last: true, total_bytes: String(total), sha256: hash.digest() }));
      call.end();
      this.arm(opts.stallTimeoutMs, `no confirmation within ${opts.stallTimeoutMs} ms of the last chunk`);
      try {
        await answered;
      } catch (err) {
        throw this.describe(err);
      }
      return total;
    } finally {
      clearTimeout(this.watchdog);
      this.call?.cancel();
      client.close();
    }
  }

  /** (Re)starts the watchdog: if it fires, the call is cancelled and the transfer fails with `reason`. */
  private arm(ms: number, reason: string): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.cancel(reason), ms);
  }

  private describe(err: unknown): Error {
    if (this.cancelReason !== undefined) return new Error(`snapshot transfer cancelled: ${this.cancelReason}`);
    const status = err as Partial<grpc.ServiceError>;
    if (typeof status.code === 'number') return new Error(`snapshot transfer failed (${grpc.status[status.code]}): ${status.details ?? ''}`);
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Bookkeeping for safe ReadIndex (Raft thesis §6.4): each read records the commit index at the time
 * it arrived and waits until a quorum answers a heartbeat sent after it. Heartbeats carry the context
 * of the newest pending read; a quorum ack of that context confirms it and every read queued before
 * it, so many reads share one round.
 */
import type { Message, NodeId } from './types.js';

export type ReadOnlyOption = 'safe' | 'lease-based';

export interface ReadIndexStatus {
  /** The MsgReadIndex: from the leader itself or forwarded by a follower. */
  req: Message;
  /** The leader's commit index when the read arrived: the read may be served once applied >= it. */
  index: number;
  acks: Set<NodeId>;
}

/** Request contexts are byte strings; a Map needs a primitive key. */
function keyOf(ctx: Uint8Array): string {
  let s = '';
  for (const b of ctx) s += String.fromCharCode(b);
  return s;
}

export class ReadOnly {
  private pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  /** Registers a read; a second read with a context already pending is ignored (it shares the first). */
  addRequest(index: number, m: Message): void {
    const key = keyOf(m.entries[0]!.data);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records a heartbeat ack carrying `ctx`; returns who has acked that read so far. */
  recvAck(id: NodeId, ctx: Uint8Array): ReadonlySet<NodeId> | undefined {
    const rs = this.pending.get(keyOf(ctx));
    if (rs === undefined) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /**
   * The read with context `ctx` is confirmed: it and every read queued before it are returned (in
   * arrival order) and forgotten.
   */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = keyOf(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.splice(0, at + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      out.push(this.pending.get(k)!);
      this.pending.delete(k);
    }
    return out;
  }

  /** The context of the newest pending read (what the next heartbeat carries), if any. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1]!)!.req.entries[0]!.data;
  }

  pendingCount(): number {
    return this.queue.length;
  }
}

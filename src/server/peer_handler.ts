/**
 * The server's side of the peer transport: inbound raft messages go to the consensus, snapshots
 * are streamed out of and into the backend. A received snapshot's data is written to the
 * snapshot store (durably) before raft sees its MsgSnap, so that a crash between the raft log's
 * snapshot marker and the restore can finish the restore at the next boot.
 */
import type { Logger } from '../base/logger.js';
import type { Message, NodeId, Snapshot } from '../raft/index.js';
import type { Backend } from '../storage/backend.js';
import type { SnapshotStore } from '../storage/snapshot_store.js';
import type { RaftConsensus } from './raft_consensus.js';
import type { Member, Membership } from './membership.js';
import { decodeBackendDump, encodeBackendDump } from './snapshot_data.js';

/** What receiveSnapshot hands raft as `snapshot.data`: where the data file is. */
interface SnapshotRef {
  term: number;
  index: number;
}

export function encodeSnapshotRef(ref: SnapshotRef): Uint8Array {
  return Buffer.from(JSON.stringify(ref), 'utf8');
}

export function decodeSnapshotRef(data: Uint8Array): SnapshotRef | undefined {
  if (data.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as SnapshotRef;
  } catch {
    return undefined;
  }
}

export class PeerHandler {
  onRemoved: (() => void) | undefined;

  constructor(
    private readonly consensus: RaftConsensus,
    private readonly membership: Membership,
    private readonly backend: Backend,
    private readonly snapshots: SnapshotStore,
    private readonly logger: Logger,
    private readonly maxSnapshots: number,
  ) {}

  process(m: Message): void {
    this.consensus.step(m);
  }

  reportUnreachable(id: NodeId): void {
    this.consensus.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.consensus.reportSnapshot(id, ok);
  }

  /** Answers a joining member's question: which cluster is this, and who is in it? */
  clusterMembers(): Member[] {
    return this.membership.list();
  }

  isRemoved(id: NodeId): boolean {
    return this.membership.isRemoved(id);
  }

  openSnapshot(m: Message): AsyncIterable<Uint8Array> {
    this.logger.info({ to: m.to.toString(16), index: m.snapshot?.metadata.index }, 'sending a snapshot of the backend');
    return encodeBackendDump(this.backend.dumpAll());
  }

  async receiveSnapshot(m: Message, chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const meta = m.snapshot?.metadata;
    if (!meta) throw new Error('MsgSnap without a snapshot');
    await this.snapshots.save(meta, chunks);
    this.logger.info({ from: m.from.toString(16), index: meta.index, term: meta.term }, 'received a snapshot');
    return encodeSnapshotRef({ term: meta.term, index: meta.index });
  }

  reportRefused(id: NodeId, refusal: { reason: string; message: string }): void {
    if (refusal.reason === 'removed') {
      this.logger.warn({ peer: id.toString(16), reason: refusal.message }, 'a peer says this member was removed from the cluster');
      this.onRemoved?.();
    }
  }

  /** Replaces the backend's contents with a received snapshot's data. */
  async installSnapshotData(snapshot: Snapshot): Promise<void> {
    const { index, term } = snapshot.metadata;
    const loaded = await this.snapshots.load(index, term);
    await this.backend.replaceAll(decodeBackendDump(loaded.readData()));
    // Only the newest received snapshot can still be needed (to finish a restore after a crash);
    // --max-snapshots 0 keeps them all, as in etcd.
    if (this.maxSnapshots > 0) await this.snapshots.purge(this.maxSnapshots);
  }
}

/**
 * A node's simulated disk: a durable image (what survives a crash) and a volatile part (written but
 * not yet synced). The raft part holds what the host loop persists (snapshot, entries, hard state);
 * the state-machine part holds the toy KV with its applied index, flushed without fsync now and
 * then, like etcd's backend — so after a crash the state machine may be behind the raft log and the
 * restart path has to re-apply committed entries from the durable applied index.
 *
 * Crashes lose the volatile part only. Batches are atomic (a write lands whole or not at all).
 */
import type { ConfState, Entry, HardState, NodeId, Snapshot } from '../../src/raft/types.js';
import { invariant } from '../../src/base/assert.js';
import type { KvImage } from './kv.js';
import { copyEntry, copySnapshot } from './network.js';

export interface RaftImage {
  hardState: HardState;
  snapshot: Snapshot;
  /** Contiguous entries after snapshot.metadata.index. */
  entries: Entry[];
}

export interface StateMachineImage {
  kv: KvImage;
  /** The configuration as of kv.applied, which the host needs to take snapshots. */
  confState: ConfState;
  /** Members removed by applied conf changes (etcd keeps them in its member store). */
  removed: NodeId[];
}

export interface RaftWrite {
  snapshot?: Snapshot;
  entries?: Entry[];
  hardState?: HardState;
}

export function emptyConfState(): ConfState {
  return { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
}

export function copyConfState(cs: ConfState): ConfState {
  return {
    voters: [...cs.voters],
    learners: [...cs.learners],
    votersOutgoing: [...cs.votersOutgoing],
    learnersNext: [...cs.learnersNext],
    autoLeave: cs.autoLeave,
  };
}

export class SimDisk {
  private raft: RaftImage;
  private stateMachine: StateMachineImage;
  private volatile: RaftWrite[] = [];
  /** Counts syncs, so the durability checker can tell a fresh image from a stale one. */
  syncs = 0;

  constructor() {
    this.raft = {
      hardState: { term: 0, vote: 0n, commit: 0 },
      snapshot: { data: new Uint8Array(0), metadata: { index: 0, term: 0, confState: emptyConfState() } },
      entries: [],
    };
    this.stateMachine = { kv: { applied: 0, values: new Map(), ops: new Map(), digest: 0 }, confState: emptyConfState(), removed: [] };
  }

  /** Buffers a write; it becomes durable at the next sync. */
  write(w: RaftWrite): void {
    this.volatile.push({
      ...(w.snapshot !== undefined && { snapshot: copySnapshot(w.snapshot) }),
      ...(w.entries !== undefined && w.entries.length > 0 && { entries: w.entries.map(copyEntry) }),
      ...(w.hardState !== undefined && { hardState: { ...w.hardState } }),
    });
  }

  sync(): void {
    for (const w of this.volatile) this.applyDurably(w);
    this.volatile = [];
    this.syncs++;
  }

  hasUnsynced(): boolean {
    return this.volatile.length > 0;
  }

  /** Loses every write that was not synced. */
  crash(): void {
    this.volatile = [];
  }

  private applyDurably(w: RaftWrite): void {
    const img = this.raft;
    if (w.snapshot !== undefined) {
      invariant(w.snapshot.metadata.index >= img.snapshot.metadata.index, 'disk: snapshot older than the durable one');
      img.snapshot = w.snapshot;
      // A snapshot replaces the log, as MemoryLogStorage.applySnapshot does.
      img.entries = [];
    }
    if (w.entries !== undefined) this.appendDurably(w.entries);
    if (w.hardState !== undefined) img.hardState = w.hardState;
  }

  private appendDurably(entries: Entry[]): void {
    const img = this.raft;
    const first = entries[0]!.index;
    const snapIndex = img.snapshot.metadata.index;
    const lastIndex = snapIndex + img.entries.length;
    invariant(first <= lastIndex + 1, () => `disk: append at ${first} leaves a gap after ${lastIndex}`);
    const skip = Math.max(0, snapIndex + 1 - first);
    if (skip >= entries.length) return;
    const from = first + skip;
    img.entries.length = from - snapIndex - 1;
    for (let i = skip; i < entries.length; i++) img.entries.push(entries[i]!);
  }

  /**
   * The host compacts after taking a snapshot at an applied index: the snapshot replaces the
   * entries it covers. Durable at once (one atomic, synced write).
   */
  saveSnapshot(snapshot: Snapshot): void {
    const img = this.raft;
    const index = snapshot.metadata.index;
    if (index <= img.snapshot.metadata.index) return;
    const snapIndex = img.snapshot.metadata.index;
    img.entries = img.entries.slice(Math.min(img.entries.length, index - snapIndex));
    img.snapshot = copySnapshot(snapshot);
    this.syncs++;
  }

  /** The state machine's flush (etcd's backend commit): durable, but not ordered with raft syncs. */
  saveStateMachine(image: StateMachineImage): void {
    this.stateMachine = { kv: image.kv, confState: copyConfState(image.confState), removed: [...image.removed] };
  }

  durableRaft(): Readonly<RaftImage> {
    return this.raft;
  }

  durableStateMachine(): Readonly<StateMachineImage> {
    return this.stateMachine;
  }

  durableLastIndex(): number {
    return this.raft.snapshot.metadata.index + this.raft.entries.length;
  }

  /** Term of the durable entry at `index`; undefined if the durable log does not hold it. */
  durableTerm(index: number): number | undefined {
    const snap = this.raft.snapshot.metadata;
    if (index === snap.index) return snap.term;
    if (index < snap.index) return undefined;
    return this.raft.entries[index - snap.index - 1]?.term;
  }
}

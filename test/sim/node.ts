/**
 * One simulated member: the real RawNode over a MemoryLogStorage, the toy KV, a simulated disk and
 * a host loop — the contract's (persist, one sync → send → apply → advance) or the server's
 * (RaftConsensus.handleReady: a leader's appends leave before the write, committed entries already
 * durable here are applied before it) — with a crash possible at each of its steps. A crash throws
 * away everything but the disk's durable image; restart rebuilds the node from that image alone, as
 * a real process boots.
 */
import { invariant } from '../../src/base/assert.js';
import { SeededRand } from '../../src/base/rand.js';
import {
  bootstrapState,
  decodeConfChangeV2,
  MemoryLogStorage,
  RawNode,
  type Ready,
} from '../../src/raft/index.js';
import type { ConfChangeV2, ConfState, Entry, HardState, Message, NodeId, ReadState, Snapshot } from '../../src/raft/types.js';
import { ConfChangeType, EntryType, StateType } from '../../src/raft/types.js';
import { Choices } from './choices.js';
import { copyConfState, emptyConfState, SimDisk, type RaftImage } from './disk.js';
import { LEADER_EARLY_MESSAGE_TYPES, violated, type Ghost, type TermLookup } from './ghost.js';
import { decodePut, ToyKv, type KvJson } from './kv.js';
import { copyEntry, copySnapshot } from './network.js';
import type { DriverBugs, HostLoop, WorldConfig } from './options.js';
import type { Trace } from './trace.js';
import { describeMessage } from './describe.js';

export type CrashPoint = 'before-persist' | 'after-early-send' | 'mid-early-apply' | 'after-persist' | 'after-send' | 'mid-apply';

/** Where each host loop can crash, in the order it passes them (the server loop has two more steps). */
export const CRASH_POINTS: Readonly<Record<HostLoop, readonly CrashPoint[]>> = {
  plain: ['before-persist', 'after-persist', 'after-send', 'mid-apply'],
  server: ['before-persist', 'after-early-send', 'mid-early-apply', 'after-persist', 'after-send', 'mid-apply'],
};

export type NodeState = 'up' | 'down' | 'stopped';

/** How often the server loop took its shortcuts (so a green run shows they were exercised). */
export interface ServerLoopStats {
  /** A leader's messages sent before its Ready was persisted. */
  earlyMessages: number;
  /** Committed entries applied before the Ready was persisted. */
  earlyApplied: number;
  /** Readys whose commit-only hard state was not written. */
  commitOnlySkipped: number;
}

/** What a node needs from the world around it. */
export interface NodeHost {
  readonly ghost: Ghost;
  readonly serverLoop: ServerLoopStats;
  readonly trace: Trace;
  readonly cfg: WorldConfig;
  readonly bugs: DriverBugs;
  now(): number;
  send(from: SimNode, m: Message): void;
  onPutApplied(node: SimNode, opId: number): void;
  onConfChangeApplied(node: SimNode, cc: ConfChangeV2, cs: ConfState): void;
  onReadStates(node: SimNode, states: readonly ReadState[]): void;
  /** The node was the first to commit entries up to the canonical commit index. */
  onNewlyCommitted(node: SimNode): void;
  /** The node was just seen becoming leader (a chance to arm a crash on it). */
  onBecameLeader(node: SimNode): void;
  /** After each host-loop iteration: serve reads that became ready. */
  afterApply(node: SimNode): void;
  onCrash(node: SimNode, point: CrashPoint): void;
  /**
   * The node applied its own removal. It keeps running (it stops serving clients): a member that
   * vanishes at once can strand a follower that holds the removal entry without knowing it is
   * committed, and a lingering removed member is the harsher test that it cannot disrupt anyone.
   */
  onRemovedSelf(node: SimNode): void;
}

/** The state machine as snapshots carry it: the KV plus the members known to be removed. */
interface SnapshotPayload {
  kv: KvJson;
  removed: string[];
}

export class SimNode {
  state: NodeState = 'down';
  incarnation = 0;
  raw!: RawNode;
  storage!: MemoryLogStorage;
  kv = new ToyKv();
  /** The configuration as of kv.applied (what the host snapshots with). */
  confState: ConfState = emptyConfState();
  /** Members removed by applied conf changes: their messages are refused, as etcd's transport does. */
  removed = new Set<NodeId>();
  /** Last raft state and term seen in a Ready. */
  role: StateType = StateType.Follower;
  lead: NodeId = 0n;
  term = 0;
  /** Ghost bookkeeping: highest commit index already checked, last index applied since boot. */
  checkedCommit = 0;
  checkedApplied = 0;
  /** A crash armed by the world, taken at the next host-loop iteration. */
  armedCrash: CrashPoint | undefined;
  readyScheduled = false;
  /** Applied its own removal (clients stay away; it still runs). */
  knowsRemoved = false;
  readonly disk = new SimDisk();
  private readonly local: Choices;
  private readonly coreRand: SeededRand;
  private removedSelf = false;

  constructor(
    readonly id: NodeId,
    private readonly host: NodeHost,
    streams: Choices,
  ) {
    this.local = streams.fork(`node${id}`);
    this.coreRand = streams.rand.fork(`core${id}`);
  }

  /** A founding member writes the bootstrap state durably before its first boot. */
  bootstrapDisk(voters: NodeId[], learners: NodeId[]): void {
    const { snapshot, hardState } = bootstrapState(voters, learners);
    this.disk.write({ snapshot, hardState });
    this.disk.sync();
  }

  boot(): void {
    invariant(this.state === 'down', () => `n${this.id}: boot while ${this.state}`);
    this.incarnation++;
    const img = this.disk.durableRaft();
    const storage = new MemoryLogStorage();
    const snapIndex = img.snapshot.metadata.index;
    if (snapIndex > 0) storage.applySnapshot(copySnapshot(img.snapshot));
    storage.append(img.entries.map(copyEntry));
    storage.setHardState({ ...img.hardState });
    const sm = this.disk.durableStateMachine();
    this.checkAppliedIsDurable(img, sm.kv.applied);
    if (snapIndex > sm.kv.applied) {
      this.loadSnapshotState(img.snapshot);
    } else {
      this.kv = ToyKv.fromImage(sm.kv);
      this.confState = copyConfState(sm.confState);
      this.removed = new Set(sm.removed);
    }
    const cfg = this.host.cfg;
    this.storage = storage;
    this.raw = new RawNode({
      id: this.id,
      electionTick: cfg.electionTick,
      heartbeatTick: cfg.heartbeatTick,
      storage,
      applied: this.kv.applied,
      maxSizePerMsg: cfg.maxSizePerMsg,
      maxInflightMsgs: cfg.maxInflightMsgs,
      maxInflightBytes: cfg.maxInflightBytes,
      checkQuorum: cfg.checkQuorum,
      preVote: cfg.preVote,
      readOnlyOption: cfg.readOnlyOption,
      disableProposalForwarding: cfg.disableProposalForwarding,
      rand: this.coreRand.fork(`boot${this.incarnation}`),
    });
    this.state = 'up';
    this.role = StateType.Follower;
    this.lead = 0n;
    this.term = img.hardState.term;
    this.checkedCommit = img.hardState.commit;
    this.checkedApplied = this.kv.applied;
    this.armedCrash = undefined;
    this.readyScheduled = false;
    this.removedSelf = false;
    this.knowsRemoved = !membersOf(this.confState).has(this.id) && this.removed.has(this.id);
    this.host.trace.line(this.host.now(), () => `n${this.id} BOOT #${this.incarnation} ${hs(img.hardState)} snap=${snapIndex} last=${this.storage.lastIndex()} applied=${this.kv.applied} conf=${conf(this.confState)}`);
  }

  /**
   * Whatever the state machine applied must be in the durable log as committed: entries up to the
   * durable commit were checked when committed, the ones above it are compared with the canonical
   * log here. (The core replays the log up to the applied index at boot.)
   */
  private checkAppliedIsDurable(img: Readonly<RaftImage>, applied: number): void {
    const snapIndex = img.snapshot.metadata.index;
    const durableLast = snapIndex + img.entries.length;
    if (applied > durableLast) {
      violated('state-machine-safety', `n${this.id} boots with its state machine at index ${applied} beyond its durable log (last index ${durableLast}): it applied entries before persisting them`);
    }
    for (let i = Math.max(snapIndex, img.hardState.commit) + 1; i <= applied; i++) {
      const held = img.entries[i - snapIndex - 1]!.term;
      const committed = this.host.ghost.canonicalTerm(i);
      if (held !== committed) {
        violated('state-machine-safety', `n${this.id} boots with its state machine at index ${applied}, but its durable log holds term ${held} at index ${i}, where term ${committed} is committed: it applied an entry before persisting it`);
      }
    }
  }

  private loadSnapshotState(snap: Snapshot): void {
    const payload = decodeSnapshotPayload(snap);
    this.kv = payload.kv;
    this.confState = copyConfState(snap.metadata.confState);
    this.removed = payload.removed;
  }

  /**
   * The configuration this node would campaign with: the one as of its commit index, because the
   * core refuses to campaign while committed conf changes are unapplied (and a booting node
   * re-applies everything it knows committed before its first election timeout). Up: its applied
   * configuration and in-memory log; down: what it will boot with and its durable log. Undefined
   * when that depends on a conf change nobody has applied yet (the checker then skips the node).
   */
  campaignConfState(): ConfState | undefined {
    let base: ConfState;
    let applied: number;
    let commit: number;
    let typeAt: (index: number) => EntryType | undefined;
    if (this.state === 'up') {
      base = this.confState;
      applied = this.kv.applied;
      commit = Math.min(this.checkedCommit, this.storage.lastIndex());
      typeAt = (i) => this.entryAt(i)?.type;
    } else {
      const img = this.disk.durableRaft();
      const sm = this.disk.durableStateMachine();
      const snapIndex = img.snapshot.metadata.index;
      const fromSnapshot = snapIndex > sm.kv.applied;
      base = fromSnapshot ? img.snapshot.metadata.confState : sm.confState;
      applied = fromSnapshot ? snapIndex : sm.kv.applied;
      commit = Math.min(img.hardState.commit, snapIndex + img.entries.length);
      typeAt = (i) => img.entries[i - snapIndex - 1]?.type;
    }
    for (let i = commit; i > applied; i--) {
      if (typeAt(i) === EntryType.ConfChangeV2) return this.host.ghost.configurationAt(i);
    }
    return base;
  }

  crash(point: CrashPoint): void {
    this.disk.crash();
    this.state = 'down';
    this.host.onCrash(this, point);
  }

  isUp(): boolean {
    return this.state === 'up';
  }

  /**
   * The node's log as the checkers read it: storage first, then what a Ready is about to make of it
   * (its snapshot replaces the log, its entries overwrite from their first index).
   */
  private termLookup(rd?: Ready): TermLookup {
    return (index) => {
      const incoming = this.incoming(index, rd);
      if (incoming !== 'storage') return incoming?.term;
      // Bounds first: a thrown storage error costs a stack trace, and this runs for every message.
      const storage = this.storage;
      if (index < storage.firstIndex() - 1 || index > storage.lastIndex()) return undefined;
      return storage.term(index);
    };
  }

  private entryAt(index: number, rd?: Ready): Entry | undefined {
    const incoming = this.incoming(index, rd);
    if (incoming !== 'storage') return incoming !== undefined && 'data' in incoming ? incoming : undefined;
    const storage = this.storage;
    if (index < storage.firstIndex() || index > storage.lastIndex()) return undefined;
    return storage.entries(index, index + 1, Number.MAX_SAFE_INTEGER)[0];
  }

  /** What `rd` puts at `index` (an entry, only a term for its snapshot's index, or nothing); 'storage' if it leaves it alone. */
  private incoming(index: number, rd: Ready | undefined): Entry | { term: number } | undefined | 'storage' {
    if (rd === undefined) return 'storage';
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      if (index >= first) return rd.entries[index - first];
    }
    if (rd.snapshot === undefined) return 'storage';
    const snap = rd.snapshot.metadata;
    return index === snap.index ? { term: snap.term } : undefined;
  }

  /** The host loop. Runs until the core has nothing more to say or the node crashes. */
  runHostLoop(): void {
    while (this.state === 'up' && this.raw.hasReady()) {
      const rd = this.raw.ready();
      this.observeRoles(rd);
      const crashAt = this.armedCrash;
      this.armedCrash = undefined;
      if (crashAt === 'before-persist') return this.crash(crashAt);
      this.learnCommit(rd);
      const survived = this.host.cfg.hostLoop === 'server' ? this.serverIteration(rd, crashAt) : this.plainIteration(rd, crashAt);
      if (!survived) return;
      if (rd.readStates.length > 0) this.host.onReadStates(this, rd.readStates);
      this.raw.advance(rd);
      if (this.toApply(rd).length > 0 && this.local.chance(this.host.cfg.stateMachineFlushRate)) this.flushStateMachine();
      this.maybeSnapshot();
      this.host.afterApply(this);
      if (this.removedSelf && !this.knowsRemoved) {
        this.knowsRemoved = true;
        this.host.onRemovedSelf(this);
      }
    }
  }

  /** The contract's loop: persist (one sync) → send → apply. False when the node crashed. */
  private plainIteration(rd: Ready, crashAt: CrashPoint | undefined): boolean {
    const bugs = this.host.bugs;
    this.persist(rd, !bugs.hardStateAfterSend);
    if (crashAt === 'after-persist') return this.crashed(crashAt);
    this.sendAll(rd.messages);
    if (crashAt === 'after-send') return this.crashed(crashAt);
    if (bugs.hardStateAfterSend) this.persistHardState(rd);
    if (rd.snapshot !== undefined) this.applySnapshot(rd.snapshot);
    return this.applyBatch(this.toApply(rd), crashAt === 'mid-apply' ? crashAt : undefined);
  }

  /**
   * RaftConsensus.handleReady's loop: a leader's appends, heartbeats and snapshots leave first;
   * committed entries this node already holds durably (up to the first conf change, and not with a
   * snapshot) are applied before the write, the rest after it and after the other messages; a
   * commit-only hard state is not written. False when the node crashed.
   */
  private serverIteration(rd: Ready, crashAt: CrashPoint | undefined): boolean {
    const role = this.role;
    const leaves = (m: Message) => this.host.bugs.earlySendAll === true || (role === StateType.Leader && LEADER_EARLY_MESSAGE_TYPES.has(m.type));
    const early = rd.messages.filter(leaves);
    this.host.serverLoop.earlyMessages += early.length;
    this.sendAll(early, { role });
    if (crashAt === 'after-early-send') return this.crashed(crashAt);
    const durableLast = this.durableBeforeWrite(rd);
    const committed = rd.committedEntries;
    let split = committed.findIndex((e) => e.index > durableLast || e.type === EntryType.ConfChangeV2);
    if (split < 0) split = committed.length;
    this.host.serverLoop.earlyApplied += split;
    if (!this.applyBatch(committed.slice(0, split), crashAt === 'mid-early-apply' ? crashAt : undefined)) return false;
    const writes = rd.snapshot !== undefined || rd.entries.length > 0 || (rd.hardState !== undefined && rd.mustSync);
    if (writes) {
      this.persist(rd, true);
    } else if (rd.hardState !== undefined) {
      // Only the commit index changed: kept in memory, never written (a crash forgets it).
      this.storage.setHardState({ ...rd.hardState });
      this.host.serverLoop.commitOnlySkipped++;
    }
    if (crashAt === 'after-persist') return this.crashed(crashAt);
    this.sendAll(rd.messages.filter((m) => !leaves(m)));
    if (crashAt === 'after-send') return this.crashed(crashAt);
    if (rd.snapshot !== undefined) this.applySnapshot(rd.snapshot);
    return this.applyBatch(committed.slice(split), crashAt === 'mid-apply' ? crashAt : undefined);
  }

  /**
   * The last index whose entry this node holds durably and this Ready leaves in place: none with a
   * snapshot, and not past the first entry the Ready overwrites (FOUND_BUGS.md #5; `--bug
   * earlyApplyOverwritten` runs the old bound, storage.lastIndex() alone).
   */
  private durableBeforeWrite(rd: Ready): number {
    const bugs = this.host.bugs;
    if (bugs.earlyApplyUndurable === true) return Infinity;
    if (rd.snapshot !== undefined) return 0;
    const last = this.storage.lastIndex();
    if (rd.entries.length === 0 || bugs.earlyApplyOverwritten === true) return last;
    return Math.min(last, rd.entries[0]!.index - 1);
  }

  private toApply(rd: Ready): readonly Entry[] {
    return this.host.bugs.applyUncommitted ? rd.entries : rd.committedEntries;
  }

  /** Applies `entries` in order, or (crashing midway) a prefix of them and then crashes. */
  private applyBatch(entries: readonly Entry[], crashMidway: 'mid-apply' | 'mid-early-apply' | undefined): boolean {
    const stopAfter = crashMidway !== undefined ? this.local.range(0, entries.length) : entries.length;
    for (let i = 0; i < stopAfter; i++) this.applyEntry(entries[i]!);
    if (crashMidway === undefined) return true;
    // The state machine may have flushed part of the batch before the process died.
    if (this.local.chance(0.5)) this.flushStateMachine();
    return this.crashed(crashMidway);
  }

  private crashed(point: CrashPoint): false {
    this.crash(point);
    return false;
  }

  /**
   * The ghost learns a commit index from the Ready that announces it, before this node writes it
   * (the server loop applies some entries before that write, and never writes a commit-only hard
   * state). That is sound: the core's commit index, in memory, is always true — a leader counts
   * itself only after its own write, followers acknowledge only what is durable, and a follower
   * takes its commit from a leader.
   */
  private learnCommit(rd: Ready): void {
    const hs = rd.hardState;
    if (hs === undefined || hs.commit <= this.checkedCommit) return;
    const ghost = this.host.ghost;
    const canonBefore = ghost.canonCommit();
    ghost.onCommit(this.id, this.checkedCommit, hs.commit, (i) => this.entryAt(i, rd), this.termLookup(rd));
    this.checkedCommit = hs.commit;
    if (ghost.canonCommit() > canonBefore) this.host.onNewlyCommitted(this);
  }

  /** Election safety and leader completeness are checked the moment a node is seen leading. */
  private observeRoles(rd: Ready): void {
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    if (rd.softState === undefined) return;
    const { raftState, lead } = rd.softState;
    if (raftState !== this.role || lead !== this.lead) {
      this.host.trace.line(this.host.now(), () => `n${this.id} becomes ${StateType[raftState]} term ${this.term} lead n${lead}`);
    }
    this.role = raftState;
    this.lead = lead;
    if (raftState === StateType.Leader) {
      this.host.ghost.onLeader(this.id, this.term, this.termLookup(rd), this.storage.firstIndex());
      this.host.onBecameLeader(this);
    }
  }

  /** One atomic write of the Ready's snapshot, entries and (unless told otherwise) hard state, synced when the core asks. */
  private persist(rd: Ready, withHardState: boolean): void {
    const ghost = this.host.ghost;
    const before = this.disk.durableRaft().hardState;
    if (withHardState && rd.hardState !== undefined) ghost.onHardState(this.id, before, rd.hardState);
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      const prevTerm = rd.snapshot !== undefined && rd.snapshot.metadata.index === first - 1 ? rd.snapshot.metadata.term : this.termLookup()(first - 1);
      ghost.onPersistEntries(this.id, rd.entries, prevTerm);
    }
    this.disk.write({
      ...(rd.snapshot !== undefined && { snapshot: rd.snapshot }),
      entries: rd.entries,
      ...(withHardState && rd.hardState !== undefined && { hardState: rd.hardState }),
    });
    // A commit-only change is not synced (the core says so with mustSync): a crash may lose it.
    if (rd.mustSync) this.disk.sync();
    if (rd.snapshot !== undefined) this.storage.applySnapshot(copySnapshot(rd.snapshot));
    // The disk keeps its own copies; the in-memory log may share the core's entry objects, as a real host's does.
    this.storage.append(rd.entries);
    if (withHardState) this.afterHardStatePersisted(rd);
  }

  private persistHardState(rd: Ready): void {
    if (rd.hardState === undefined) return;
    this.host.ghost.onHardState(this.id, this.disk.durableRaft().hardState, rd.hardState);
    this.disk.write({ hardState: rd.hardState });
    if (rd.mustSync) this.disk.sync();
    this.afterHardStatePersisted(rd);
  }

  private afterHardStatePersisted(rd: Ready): void {
    if (rd.hardState !== undefined) this.storage.setHardState({ ...rd.hardState });
  }

  /** `early`: sent before this Ready was persisted, by a node in that role. */
  private sendAll(messages: readonly Message[], early?: { role: StateType }): void {
    const termAt = this.termLookup();
    for (const m of messages) {
      this.host.ghost.onSend(this.id, m, this.disk, termAt, early);
      this.host.trace.line(this.host.now(), () => `n${this.id} send ${describeMessage(m)}`);
      this.host.send(this, m);
    }
  }

  private applySnapshot(snap: Snapshot): void {
    this.loadSnapshotState(snap);
    invariant(this.kv.applied === snap.metadata.index, () => `n${this.id}: snapshot payload at ${this.kv.applied}, metadata at ${snap.metadata.index}`);
    this.host.ghost.onSnapshotApplied(this.id, snap, this.kv.digest());
    this.checkedApplied = snap.metadata.index;
    // Installing a snapshot replaces the state machine on disk at once (etcd renames the db file).
    this.flushStateMachine();
    this.host.trace.line(this.host.now(), () => `n${this.id} installs snapshot i${snap.metadata.index} t${snap.metadata.term} conf=${conf(this.confState)}`);
  }

  private applyEntry(e: Entry): void {
    const ghost = this.host.ghost;
    ghost.onApply(this.id, this.checkedApplied, e);
    this.checkedApplied = e.index;
    if (e.type === EntryType.ConfChangeV2) {
      this.kv.skip(e.index);
      const cc = decodeConfChangeV2(e.data);
      const readds = cc.changes.find((ch) => ch.type !== ConfChangeType.RemoveNode && this.removed.has(ch.nodeId));
      // etcd would turn this into a no-op at apply time, but the core replays applied conf changes
      // itself at restart and could not replay a host's veto: the operator must never propose it.
      invariant(readds === undefined, () => `sim operator error: conf change i${e.index} brings back removed n${readds!.nodeId}`);
      const before = this.confState;
      const cs = this.raw.applyConfChange(cc);
      this.confState = copyConfState(cs);
      this.host.ghost.onConfApplied(this.id, e.index, this.confState);
      const members = membersOf(cs);
      for (const id of membersOf(before)) if (!members.has(id)) this.removed.add(id);
      if (!members.has(this.id) && membersOf(before).has(this.id)) this.removedSelf = true;
      this.host.trace.line(this.host.now(), () => `n${this.id} applies conf change i${e.index} -> ${conf(cs)}`);
      this.host.onConfChangeApplied(this, cc, cs);
    } else {
      const cmd = decodePut(e.data);
      this.kv.apply(e.index, cmd);
      if (cmd !== undefined) this.host.onPutApplied(this, cmd.opId);
    }
    ghost.onApplied(this.id, e.index, this.kv.digest());
  }

  private flushStateMachine(): void {
    this.disk.saveStateMachine({ kv: this.kv.image(), confState: this.confState, removed: [...this.removed] });
  }

  /** The host snapshots at its applied index and compacts the log behind it. */
  private maybeSnapshot(): void {
    const every = this.host.cfg.snapshotEvery;
    const applied = this.kv.applied;
    if (every === 0 || applied - this.storage.snapshot().metadata.index < every) return;
    const payload: SnapshotPayload = { kv: this.kv.json(), removed: [...this.removed].map(String) };
    const data = new TextEncoder().encode(JSON.stringify(payload));
    const snap = this.storage.createSnapshot(applied, this.confState, data);
    this.disk.saveSnapshot(snap);
    const compactAt = applied - this.host.cfg.compactionKeep;
    if (compactAt >= this.storage.firstIndex()) this.storage.compact(compactAt);
    this.host.trace.line(this.host.now(), () => `n${this.id} snapshot at i${applied}, log now [${this.storage.firstIndex()}, ${this.storage.lastIndex()}]`);
  }
}

function decodeSnapshotPayload(snap: Snapshot): { kv: ToyKv; removed: Set<NodeId> } {
  if (snap.data.length === 0) {
    // The bootstrap snapshot: an empty state machine at the bootstrap index.
    const kv = new ToyKv();
    kv.applied = snap.metadata.index;
    return { kv, removed: new Set() };
  }
  const payload = JSON.parse(new TextDecoder().decode(snap.data)) as SnapshotPayload;
  return { kv: ToyKv.fromJson(payload.kv), removed: new Set(payload.removed.map((s) => BigInt(s))) };
}

export function membersOf(cs: ConfState): Set<NodeId> {
  return new Set([...cs.voters, ...cs.learners, ...cs.votersOutgoing, ...cs.learnersNext]);
}

export function hs(h: HardState): string {
  return `{t${h.term} v${h.vote} c${h.commit}}`;
}

export function conf(cs: ConfState): string {
  const ids = (xs: readonly NodeId[]) => xs.map((x) => `n${x}`).join(',');
  let s = `v[${ids(cs.voters)}]`;
  if (cs.votersOutgoing.length > 0) s += `&[${ids(cs.votersOutgoing)}]`;
  if (cs.learners.length > 0) s += ` l[${ids(cs.learners)}]`;
  if (cs.learnersNext.length > 0) s += ` ln[${ids(cs.learnersNext)}]`;
  return s;
}

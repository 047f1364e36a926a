/**
 * Consensus by the raft core: drives a RawNode with real time, the durable raft log and the peer
 * transport. This is the host loop of src/raft/ready.ts, run one Ready at a time:
 *
 *   persist (snapshot marker, entries, hard state: one fsync) → send → apply → advance
 *
 * Proposals made while there is no leader wait for one (until their deadline) instead of failing
 * at once, as etcd's do. Linearizable reads share ReadIndex rounds: every reader that arrives
 * while a round is in flight joins the next one.
 */
import { etcdError } from '../base/errors.js';
import { invariant } from '../base/assert.js';
import type { Logger } from '../base/logger.js';
import type { Rand } from '../base/rand.js';
import type { Clock } from '../base/clock.js';
import {
  RawNode,
  MemoryLogStorage,
  ProposalDroppedError,
  EntryType,
  MessageType,
  StateType,
  NONE,
  decodeConfChangeV2,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
  type Snapshot,
  type SnapshotMetadata,
} from '../raft/index.js';
import type { RaftLogStore, RaftLogState } from '../storage/raft_log_store.js';
import type { CommittedEntry, Consensus, ConsensusHost, ConsensusStatus } from './consensus.js';

/** What the consensus needs from the network: fire-and-forget delivery of raft messages. */
export interface RaftMessageSender {
  send(messages: Message[]): void;
}

/** The parts of the host that only a raft member has: snapshots. */
export interface RaftHost extends ConsensusHost {
  /**
   * Makes the state machine hold (at least) the state of `snapshot`, whose data is the reference
   * the transport produced when it received the snapshot. Resolves with the new applied index.
   */
  installSnapshot(snapshot: Snapshot): Promise<number>;
  /** Makes everything applied so far durable (before the raft log below it is released). */
  flushApplied(): Promise<void>;
  /** Called after a conf-change entry took effect in raft (membership bookkeeping, peers). */
  confChangeApplied(index: number, cc: ConfChangeV2, confState: ConfState): void;
  /** Leader or role changed. */
  roleChanged?(leader: NodeId, isLeader: boolean): void;
}

export interface RaftConsensusOptions {
  id: NodeId;
  log: RaftLogStore;
  logState: RaftLogState;
  /** Founding members persist this before the first start (see bootstrapState). */
  bootstrap?: { snapshot: Snapshot; hardState: RaftLogState['hardState'] };
  tickMs: number;
  electionTicks: number;
  snapshotCount: number;
  /** Entries kept in the log behind a snapshot, so slow followers catch up without one. */
  snapshotCatchUpEntries: number;
  clock: Clock;
  rand: Rand;
  logger: Logger;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
}

interface PendingProposal {
  kind: 'normal' | 'conf-change';
  data: Uint8Array;
  cc?: ConfChangeV2;
  deadline: number;
  resolve(): void;
  reject(err: Error): void;
}

interface Reader {
  deadline: number;
  resolve(index: number): void;
  reject(err: Error): void;
}

interface ReadRound {
  ctx: Buffer;
  /** The leader the round was asked of. */
  leader: NodeId;
  readers: Reader[];
  startedAt: number;
  term: number;
}

/** What a leader may send before its own write of the same Ready is durable. */
const LEADER_EARLY_MESSAGES: ReadonlySet<MessageType> = new Set([MessageType.MsgApp, MessageType.MsgHeartbeat, MessageType.MsgSnap]);

/** How long a ReadIndex round may stay unanswered before it is asked again (etcd: 500 ms). */
const READ_INDEX_RETRY_MS = 500;

export class RaftConsensus implements Consensus {
  readonly applyMustSync = false;
  private node!: RawNode;
  private readonly storage = new MemoryLogStorage();
  private host: RaftHost | undefined;
  private transport: RaftMessageSender | undefined;
  private ticker: unknown;
  private processing: Promise<void> | undefined;
  private stopped = false;
  private failure: Error | undefined;

  private leader: NodeId = NONE;
  /** When the current leader became known here (ms since the epoch); 0 before any. */
  private leaderElectedAt = 0;
  private term = 0;
  private commitIndex = 0;
  private state: StateType = StateType.Follower;
  private lastSnapshotIndex = 0;

  private waitingForLeader: PendingProposal[] = [];
  private pendingReaders: Reader[] = [];
  private readRound: ReadRound | undefined;
  private readCounter = 0n;

  constructor(private readonly opts: RaftConsensusOptions) {}

  /** The transport is created after the consensus (it needs the handler); wire it before start(). */
  setTransport(transport: RaftMessageSender): void {
    this.transport = transport;
  }

  async start(host: ConsensusHost): Promise<void> {
    this.host = host as RaftHost;
    invariant(this.transport, 'setTransport() before start()');
    const { logState, bootstrap } = this.opts;
    if (bootstrap) {
      // A founding member's first boot: its initial configuration becomes durable before any vote.
      await this.opts.log.saveSnapshotMarker(bootstrap.snapshot.metadata);
      await this.opts.log.save(bootstrap.hardState, []);
      this.storage.applySnapshot(bootstrap.snapshot);
      this.storage.setHardState(bootstrap.hardState);
      this.lastSnapshotIndex = bootstrap.snapshot.metadata.index;
    } else {
      if (logState.snapshot) {
        this.storage.applySnapshot({ data: new Uint8Array(0), metadata: logState.snapshot });
        this.lastSnapshotIndex = logState.snapshot.index;
      }
      this.storage.append(logState.entries);
      this.storage.setHardState(logState.hardState);
    }
    const hs = this.storage.initialState().hardState;
    // Entries at or below the consistent index are already in the state machine; the core replays
    // their conf changes into its configuration without handing them out again.
    const applied = Math.min(host.appliedIndex(), hs.commit);
    this.node = new RawNode({
      id: this.opts.id,
      electionTick: this.opts.electionTicks,
      heartbeatTick: 1,
      storage: this.storage,
      applied: Math.max(applied, this.storage.firstIndex() - 1),
      maxSizePerMsg: this.opts.maxSizePerMsg ?? 1024 * 1024,
      maxInflightMsgs: this.opts.maxInflightMsgs ?? 256,
      checkQuorum: true,
      preVote: true,
      readOnlyOption: 'safe',
      rand: this.opts.rand,
      logger: this.opts.logger,
    });
    this.term = hs.term;
    this.commitIndex = hs.commit;
    this.ticker = setInterval(() => this.tick(), this.opts.tickMs);
    // A lone voter need not wait for an election timeout.
    const config = this.node.status().config;
    if (config.voters.length === 1 && config.voters[0] === this.opts.id) this.node.campaign();
    this.schedule();
  }

  async stop(): Promise<void> {
    if (!this.stopped && this.failure === undefined) await this.handOffLeadership();
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker as ReturnType<typeof setInterval>);
    await this.processing;
    const stopped = etcdError('Stopped');
    for (const p of this.waitingForLeader) p.reject(stopped);
    this.waitingForLeader = [];
    this.failReads(stopped);
  }

  /**
   * A leader that stops on purpose first hands leadership to its most caught-up voter, as etcd
   * does, so the cluster keeps serving without waiting out an election timeout.
   */
  private async handOffLeadership(): Promise<void> {
    if (!this.node || this.state !== StateType.Leader) return;
    const status = this.node.status();
    let best: NodeId = NONE;
    let bestMatch = -1;
    for (const [id, pr] of status.progress ?? []) {
      if (id === this.opts.id || pr.isLearner || !status.config.voters.includes(id)) continue;
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best === NONE) return;
    this.opts.logger.info({ transferee: best.toString(16) }, 'leader is stopping: transferring leadership');
    this.transferLeadership(best);
    const deadline = this.opts.clock.now() + this.opts.tickMs * this.opts.electionTicks;
    while (this.opts.clock.now() < deadline && this.leader === this.opts.id) {
      await new Promise((resolve) => setTimeout(resolve, this.opts.tickMs / 2));
    }
  }

  // ---- inbound from the transport ----

  step(m: Message): void {
    if (this.stopped) return;
    try {
      this.node.step(m);
    } catch (err) {
      // A message the core refuses (e.g. from an unknown node) must not crash the member.
      this.opts.logger.warn({ err: (err as Error).message, from: m.from.toString(16), type: m.type }, 'dropped raft message');
      return;
    }
    this.schedule();
  }

  reportUnreachable(id: NodeId): void {
    if (this.stopped) return;
    this.node.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    if (this.stopped) return;
    this.node.reportSnapshot(id, ok);
    this.schedule();
  }

  // ---- Consensus ----

  propose(data: Uint8Array, deadline = Date.now() + 5000): Promise<void> {
    return this.enqueueProposal({ kind: 'normal', data }, deadline);
  }

  proposeConfChange(cc: ConfChangeV2, deadline = Date.now() + 5000): Promise<void> {
    return this.enqueueProposal({ kind: 'conf-change', data: new Uint8Array(0), cc }, deadline);
  }

  private enqueueProposal(p: Pick<PendingProposal, 'kind' | 'data' | 'cc'>, deadline: number): Promise<void> {
    if (this.stopped) return Promise.reject(etcdError('Stopped'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      const pending: PendingProposal = { ...p, deadline, resolve, reject };
      if (!this.tryPropose(pending)) this.waitingForLeader.push(pending);
    });
  }

  /** True when the proposal was handed to raft or failed for good; false: wait for a leader. */
  private tryPropose(p: PendingProposal): boolean {
    try {
      if (p.kind === 'conf-change') {
        invariant(p.cc, 'conf change proposal carries its change');
        this.node.proposeConfChange(p.cc);
      } else {
        this.node.propose(p.data);
      }
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      switch (err.reason) {
        case 'no-leader':
        case 'leader-transfer':
          return false;
        case 'uncommitted-size-limit':
          p.reject(etcdError('TooManyRequests'));
          return true;
        case 'conf-change-pending':
        case 'conf-change-invalid':
          p.reject(etcdError('Unhealthy'));
          return true;
        default:
          p.reject(etcdError('NotSupportedForLearner'));
          return true;
      }
    }
    p.resolve();
    this.schedule();
    return true;
  }

  readIndex(deadline = Date.now() + 5000): Promise<number> {
    if (this.stopped) return Promise.reject(etcdError('Stopped'));
    return new Promise<number>((resolve, reject) => {
      this.pendingReaders.push({ deadline, resolve, reject });
      this.maybeStartReadRound();
    });
  }

  private maybeStartReadRound(): void {
    if (this.readRound || this.pendingReaders.length === 0 || this.stopped) return;
    if (this.leader === NONE) return; // retried when a leader appears, or failed at the deadline
    this.readCounter += 1n;
    const ctx = Buffer.alloc(16);
    ctx.writeBigUInt64BE(this.opts.id, 0);
    ctx.writeBigUInt64BE(this.readCounter, 8);
    this.readRound = { ctx, leader: this.leader, readers: this.pendingReaders, startedAt: this.opts.clock.now(), term: this.term };
    this.pendingReaders = [];
    this.node.readIndex(ctx);
    this.schedule();
  }

  private failReads(err: Error): void {
    const round = this.readRound;
    this.readRound = undefined;
    for (const r of round?.readers ?? []) r.reject(err);
    for (const r of this.pendingReaders) r.reject(err);
    this.pendingReaders = [];
  }

  status(): ConsensusStatus {
    return {
      term: this.term,
      leader: this.leader,
      leaderElectedAt: this.leaderElectedAt,
      commitIndex: this.commitIndex,
      isLearner: this.node ? this.node.status().config.learners.includes(this.opts.id) : false,
    };
  }

  isLeader(): boolean {
    return this.state === StateType.Leader;
  }

  raftStatus(): ReturnType<RawNode['status']> {
    return this.node.status();
  }

  transferLeadership(to: NodeId): void {
    this.node.transferLeader(to);
    this.schedule();
  }

  // ---- time ----

  private tick(): void {
    if (this.stopped) return;
    this.node.tick();
    const now = Date.now();
    this.expire(now);
    const round = this.readRound;
    if (round && this.opts.clock.now() - round.startedAt > READ_INDEX_RETRY_MS) {
      // The round's messages may have been lost: ask again, the same readers waiting.
      this.readRound = undefined;
      this.pendingReaders = [...round.readers, ...this.pendingReaders];
      this.maybeStartReadRound();
    }
    this.schedule();
  }

  private expire(now: number): void {
    const timedOut = etcdError('Timeout');
    this.waitingForLeader = this.waitingForLeader.filter((p) => {
      if (p.deadline > now) return true;
      p.reject(timedOut);
      return false;
    });
    this.pendingReaders = this.pendingReaders.filter((r) => {
      if (r.deadline > now) return true;
      r.reject(timedOut);
      return false;
    });
    if (this.readRound) {
      this.readRound.readers = this.readRound.readers.filter((r) => {
        if (r.deadline > now) return true;
        r.reject(timedOut);
        return false;
      });
    }
  }

  // ---- the Ready loop ----

  private schedule(): void {
    if (this.processing || this.stopped || this.failure) return;
    if (!this.node.hasReady()) return;
    this.processing = this.drain()
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.processing = undefined;
        if (!this.stopped && !this.failure && this.node.hasReady()) this.schedule();
      });
  }

  /** Persistence or apply failed: this member must stop rather than diverge. */
  private fail(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.failure = e;
    this.opts.logger.error({ err: e.message, stack: e.stack }, 'raft loop failed; stopping the member');
    // Fail-stop: the process must not keep serving from a state it could not persist.
    process.nextTick(() => {
      throw e;
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.node.hasReady()) {
      const rd = this.node.ready();
      await this.handleReady(rd);
      this.node.advance(rd);
      this.afterAdvance();
      // Inside the loop, so that the applied index and raft's configuration agree while it runs.
      await this.maybeSnapshot();
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    const host = this.host;
    invariant(host && this.transport, 'started');
    if (rd.softState) this.onSoftState(rd.softState.lead, rd.softState.raftState);
    if (rd.hardState) {
      this.term = rd.hardState.term;
      this.commitIndex = rd.hardState.commit;
    }

    // A leader's appends and heartbeats may leave before its own fsync (Raft thesis §10.2.1): they
    // vouch for nothing the leader has not persisted, since its own acknowledgement is stepped only
    // after the write (RawNode.advance). Everything else waits for the fsync.
    const early: Message[] = [];
    const late: Message[] = [];
    if (this.state === StateType.Leader) {
      for (const m of rd.messages) (LEADER_EARLY_MESSAGES.has(m.type) ? early : late).push(m);
    } else {
      late.push(...rd.messages);
    }
    if (early.length > 0) this.transport.send(early);

    // Committed entries this member already holds durably can be applied while this Ready's own
    // entries are written; those arriving in this Ready are applied after their fsync. A conf change
    // waits too: a member must not act on a configuration whose commit it could still forget.
    // Entries from rd.entries[0] on are replaced by this write: what is held there now is not them.
    const overwrittenFrom = rd.entries.length > 0 ? rd.entries[0]!.index : Number.POSITIVE_INFINITY;
    const durableLast = rd.snapshot ? 0 : Math.min(this.storage.lastIndex(), overwrittenFrom - 1);
    const firstLate = rd.committedEntries.findIndex((e) => e.index > durableLast || e.type === EntryType.ConfChangeV2);
    const applyNow = firstLate < 0 ? rd.committedEntries : rd.committedEntries.slice(0, firstLate);
    const applyLater = firstLate < 0 ? [] : rd.committedEntries.slice(firstLate);
    const applying = applyNow.length > 0 ? this.applyCommitted(host, applyNow) : Promise.resolve();

    // 1. Persist: snapshot marker, entries and hard state; one fsync for the whole Ready.
    const persisting = (async () => {
      if (rd.snapshot) await this.opts.log.saveSnapshotMarker(rd.snapshot.metadata);
      // A hard state whose only change is the commit index need not be written (rd.mustSync false):
      // a lost commit index is learned again from the leader, and the consistent index keeps the
      // state machine from going back. Skipping it saves an fsync per heartbeat on followers.
      if (rd.entries.length > 0 || (rd.hardState && rd.mustSync)) await this.opts.log.save(rd.hardState, rd.entries);
    })();
    await Promise.all([persisting, applying]);
    if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    // Decoded entries may point into a whole received frame; keep only their own bytes.
    if (rd.entries.length > 0) this.storage.append(rd.entries.map(ownEntry));

    // 2. Send: the rest may vouch for what was just made durable (votes, append acks).
    if (late.length > 0) this.transport.send(late);

    // 3. Apply.
    if (rd.snapshot) {
      await host.installSnapshot(rd.snapshot);
      this.lastSnapshotIndex = rd.snapshot.metadata.index;
    }
    if (applyLater.length > 0) await this.applyCommitted(host, applyLater);

    // 4. Reads.
    for (const rs of rd.readStates) {
      const round = this.readRound;
      if (!round || !Buffer.from(rs.requestCtx).equals(round.ctx)) continue;
      this.readRound = undefined;
      for (const r of round.readers) r.resolve(rs.index);
    }
  }

  private async applyCommitted(host: RaftHost, entries: Entry[]): Promise<void> {
    const committed: CommittedEntry[] = entries.map((e) => ({
      index: e.index,
      term: e.term,
      kind: e.type === EntryType.ConfChangeV2 ? 'conf-change' : 'normal',
      data: e.data,
    }));
    await host.apply(committed);
    for (const e of entries) {
      if (e.type !== EntryType.ConfChangeV2) continue;
      const cc = decodeConfChangeV2(e.data);
      const confState = this.node.applyConfChange(cc);
      host.confChangeApplied(e.index, cc, confState);
    }
  }

  private onSoftState(lead: NodeId, state: StateType): void {
    const leaderChanged = lead !== this.leader;
    this.leader = lead;
    this.state = state;
    if (leaderChanged) {
      this.opts.logger.info(
        { 'raft-term': this.term, leader: lead === NONE ? '' : lead.toString(16) },
        lead === NONE ? 'raft lost its leader' : 'raft elected a leader',
      );
      if (lead !== NONE) this.leaderElectedAt = Date.now();
      // A read round asked of the old leader is never answered. As in etcd, its readers learn of
      // it when a new leader is elected; while there is none they wait (until their deadline).
      if (lead !== NONE && this.readRound && this.readRound.leader !== lead) {
        const round = this.readRound;
        this.readRound = undefined;
        for (const r of round.readers) r.reject(etcdError('LeaderChanged'));
      }
    }
    this.host?.roleChanged?.(lead, state === StateType.Leader);
  }

  private afterAdvance(): void {
    if (this.leader !== NONE && this.waitingForLeader.length > 0) {
      const waiting = this.waitingForLeader;
      this.waitingForLeader = [];
      for (const p of waiting) if (!this.tryPropose(p)) this.waitingForLeader.push(p);
    }
    this.maybeStartReadRound();
  }

  /**
   * Every snapshotCount applied entries: record a snapshot at the applied index (the state machine
   * itself is the snapshot's content: it is durable in LevelDB) and release the log below it,
   * keeping snapshotCatchUpEntries for followers that are only a little behind.
   */
  private async maybeSnapshot(): Promise<void> {
    const host = this.host;
    if (!host || this.stopped) return;
    const applied = host.appliedIndex();
    if (applied - this.lastSnapshotIndex < this.opts.snapshotCount) return;
    if (applied > this.commitIndex || applied < this.storage.firstIndex()) return;
    await host.flushApplied();
    const confState = this.node.status().config;
    const snap = this.storage.createSnapshot(applied, confState, new Uint8Array(0));
    const meta: SnapshotMetadata = snap.metadata;
    await this.opts.log.saveSnapshotMarker(meta);
    this.lastSnapshotIndex = applied;
    const compactTo = applied - this.opts.snapshotCatchUpEntries;
    if (compactTo > this.storage.firstIndex()) {
      this.storage.compact(compactTo);
      await this.opts.log.releaseBefore(compactTo);
    }
    this.opts.logger.info({ index: applied, 'compacted-to': Math.max(compactTo, 0) }, 'saved snapshot');
  }
}

function ownEntry(e: Entry): Entry {
  return e.data.byteOffset === 0 && e.data.byteLength === e.data.buffer.byteLength ? e : { ...e, data: Uint8Array.prototype.slice.call(e.data) };
}


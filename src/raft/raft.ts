/**
 * The Raft state machine: one node's protocol state and every transition of it. Pure and synchronous:
 * inputs are step(message) and tick(); outputs accumulate in `msgs`, `readStates` and the log's
 * unstable tail until RawNode hands them to the host as a Ready. Every state change, including the
 * node's own acknowledgements, enters through step(), so there is one code path to reason about.
 *
 * References: "Raft" = Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm";
 * "thesis" = Ongaro, "Consensus: Bridging Theory and Practice" (2014).
 */
import { invariant } from '../base/assert.js';
import type { Logger } from '../base/logger.js';
import { decodeConfChangeV2, encodeConfChangeV2, isLeaveJoint, jointTransition, leaveJointConfChange } from './confchange/codec.js';
import type { ChangerContext, ChangerState } from './confchange/changer.js';
import { enterJoint, leaveJoint, simpleChange } from './confchange/changer.js';
import { restoreConfig } from './confchange/restore.js';
import { confStatesEqual } from './conf_state.js';
import type { ResolvedConfig } from './config.js';
import { describeConfState } from './describe.js';
import type { ProposalDropReason } from './errors.js';
import { CompactedError, ConfChangeError, ProposalDroppedError, SnapshotTemporarilyUnavailableError } from './errors.js';
import { RaftLog } from './log.js';
import { jointVoteResult } from './quorum/joint.js';
import { ReadOnly } from './read_only.js';
import { emptyTrackerConfig, ProgressTracker } from './tracker/tracker.js';
import { Inflights } from './tracker/inflights.js';
import { Progress } from './tracker/progress.js';
import { raftTestBugs } from './testing_bugs.js';
import type { ConfChangeV2, ConfState, Entry, HardState, Message, NodeId, ReadState, Snapshot, SoftState } from './types.js';
import { EntryType, MessageType, NONE, StateType } from './types.js';
import { bytesEqual, EMPTY_BYTES, entriesSize, payloadSize, voteResponseType, idText } from './util.js';

/** Context of a vote request that comes from a leadership transfer: it overrides the receivers' lease. */
const CAMPAIGN_TRANSFER = new TextEncoder().encode('CampaignTransfer');

type CampaignType = 'pre-election' | 'election' | 'transfer';

/** Share of the election timeout a leader's lease gives up to clock drift and message delay. */
const LEASE_MARGIN_FRACTION = 1 / 3;

/** A message with every field defaulted; callers set what matters. */
export function newMessage(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: EMPTY_BYTES,
    ...fields,
  };
}

export class Raft {
  readonly id: NodeId;
  /** Current term. Never decreases. */
  term = 0;
  /** Whom this node voted for in `term` (NONE if nobody). Persisted before any vote grant leaves. */
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = StateType.Follower;
  readonly log: RaftLog;
  readonly trk: ProgressTracker;

  /** Outbound messages for the next Ready, in the order they were produced. */
  msgs: Message[] = [];
  /**
   * Messages to this node itself that may only be stepped once this Ready's writes are durable: the
   * leader's acknowledgement of its own entries and a candidate's vote for itself. RawNode steps them
   * on advance(), so a node counts itself toward a quorum only with what it has persisted.
   */
  selfMessagesAfterPersist: Message[] = [];
  readStates: ReadState[] = [];

  /** The follower being made leader by a transfer (leader only), NONE otherwise. */
  leadTransferee: NodeId = NONE;
  /**
   * Index of the latest conf change proposed (or, on a new leader, its last index at election: there
   * may be unapplied conf changes below it). A new conf change is refused until applied reaches it.
   */
  pendingConfIndex = 0;
  /** Payload bytes of the leader's uncommitted tail, for maxUncommittedEntriesSize. */
  uncommittedSize = 0;
  readOnly: ReadOnly;
  /** Reads that arrived before this leader committed an entry of its term (thesis §6.4 step 1). */
  pendingReadIndexMessages: Message[] = [];

  /** Ticks since the last reset (leader: since the last CheckQuorum round; others: since hearing from a leader). */
  electionElapsed = 0;
  /** Ticks since this node started; the leader's clock for lease-based reads. */
  private ticks = 0;
  heartbeatElapsed = 0;
  /** In [electionTick, 2*electionTick); redrawn on every reset. */
  randomizedElectionTimeout = 0;

  /**
   * Entries were appended or the commit index moved: followers are sent what they are missing when
   * the Ready is built, so that many proposals and acknowledgements handled in between share one
   * MsgApp per follower (batching) instead of one each.
   */
  private appendBroadcastPending = false;
  /** Reads were registered; one heartbeat round carrying the newest read's context goes out with the Ready. */
  private readHeartbeatPending = false;
  /**
   * This leader told a follower to campaign (MsgTimeoutNow) in this term. Voters let such a campaign
   * through their leases, so from then on this leader's own lease proves nothing: no lease reads.
   */
  private timeoutNowSent = false;

  private readonly cfg: ResolvedConfig;
  private readonly logger: Logger;

  constructor(cfg: ResolvedConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    this.logger = cfg.logger;
    this.log = new RaftLog(cfg.storage, cfg.maxCommittedSizePerReady);
    this.trk = new ProgressTracker(cfg.maxInflightMsgs, cfg.maxInflightBytes);
    this.readOnly = new ReadOnly(cfg.readOnlyOption);

    const { hardState, confState } = cfg.storage.initialState();
    const restored = restoreConfig({ ...this.changerBase(), config: emptyTrackerConfig(), progress: new Map() }, confState);
    this.trk.config = restored.config;
    this.trk.progress = restored.progress;
    const cs = this.trk.confState();
    invariant(confStatesEqual(cs, confState), () => `restored config ${describeConfState(cs)} differs from storage ${describeConfState(confState)}`);

    this.loadHardState(hardState);
    if (cfg.applied > 0) this.restoreApplied(cfg.applied);
    this.becomeFollower(this.term, NONE);

    const last = this.log.lastEntryId();
    this.info(
      `newRaft ${idText(this.id)} [peers: ${describeConfState(this.trk.confState())}, term: ${this.term}, commit: ${this.log.committed}, applied: ${this.log.applied}, lastindex: ${last.index}, lastterm: ${last.term}]`,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Persistent state

  private loadHardState(hs: HardState): void {
    invariant(
      hs.commit <= this.log.lastIndex(),
      () => `${idText(this.id)} hard state commit ${hs.commit} is beyond the last index ${this.log.lastIndex()}: the log lost entries`,
    );
    this.term = hs.term;
    this.vote = hs.vote;
    // A persisted commit below the snapshot is possible when only the snapshot made it to disk; the
    // snapshot itself proves everything it covers is committed.
    this.log.commitTo(hs.commit);
  }

  /**
   * Restart with an application that already applied up to `applied`: those entries are not delivered
   * again, so their conf changes are replayed here (the storage's ConfState is the snapshot's).
   */
  private restoreApplied(applied: number): void {
    const log = this.log;
    invariant(applied >= log.applied, () => `applied ${applied} is below the snapshot index ${log.applied}: restore the snapshot first`);
    invariant(applied <= log.lastIndex(), () => `applied ${applied} is beyond the last index ${log.lastIndex()}: applied entries must be persisted`);
    if (applied > log.committed) {
      // Only committed entries are applied, so they were committed even if the commit index on disk lags
      // (a Ready that only advances commit does not require an fsync).
      this.info(`${idText(this.id)} raising commit ${log.committed} to applied ${applied}`);
      log.commitTo(applied);
    }
    if (applied > log.applied) {
      for (const e of log.slice(log.applied + 1, applied + 1, Number.MAX_SAFE_INTEGER)) {
        if (e.type === EntryType.ConfChangeV2) this.switchToConfig(this.changeConfig(decodeConfChangeV2(e.data)));
      }
    }
    log.appliedTo(applied);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  /**
   * Queues a message. Vote requests and responses carry an explicit term (a pre-vote is for a future
   * term); everything else gets the current term, except proposals and read requests, which are
   * forwarded on behalf of a client and act as local messages wherever they land.
   */
  private send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    const t = m.type;
    if (t === MessageType.MsgVote || t === MessageType.MsgVoteResp || t === MessageType.MsgPreVote || t === MessageType.MsgPreVoteResp) {
      invariant(m.term !== 0, () => `term should be set when sending ${MessageType[t]}`);
    } else {
      invariant(m.term === 0, () => `term should not be set when sending ${MessageType[t]} (was ${m.term})`);
      if (t !== MessageType.MsgProp && t !== MessageType.MsgReadIndex) m.term = this.term;
    }
    if (m.to === this.id) {
      invariant(
        t === MessageType.MsgAppResp || t === MessageType.MsgVoteResp || t === MessageType.MsgPreVoteResp,
        () => `message to self must be an acknowledgement, got ${MessageType[t]}`,
      );
      this.selfMessagesAfterPersist.push(m);
      return;
    }
    this.msgs.push(m);
  }

  /**
   * Drops queued acknowledgements (to others) that claim entries at or above `fromIndex`: the log was
   * just truncated or replaced there, so what they vouch for will never be persisted. Dropping an ack
   * is always safe (it is indistinguishable from a lost message); sending it would let a leader count
   * entries this node does not have.
   */
  private dropAcksFrom(fromIndex: number): void {
    this.msgs = this.msgs.filter((m) => !(m.type === MessageType.MsgAppResp && !m.reject && m.index >= fromIndex));
  }

  /** Sends what was deferred so that many proposals (and reads) share one message per follower. */
  flushPendingBroadcasts(): void {
    if (this.appendBroadcastPending) {
      this.appendBroadcastPending = false;
      if (this.state === StateType.Leader) this.sendAppendsToAll();
    }
    if (this.readHeartbeatPending) {
      this.readHeartbeatPending = false;
      const ctx = this.readOnly.lastPendingRequestCtx();
      if (this.state === StateType.Leader && ctx !== undefined) this.bcastHeartbeatWithCtx(ctx);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Sending to followers (leader)

  /** Sends entries (or an empty append carrying the commit index) to `to`, or a snapshot if needed. */
  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends a MsgApp to `to` if its progress allows: entries from its `next` index, bounded by
   * maxSizePerMsg. When the entries it needs are compacted, sends the snapshot instead. Returns whether
   * a message was sent.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    if (to === this.id) return false;
    const pr = this.trk.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    let prevTerm: number;
    let entries: Entry[];
    try {
      prevTerm = this.log.term(prevIndex);
      entries = this.log.entriesFrom(pr.next, this.cfg.maxSizePerMsg);
    } catch (err) {
      if (err instanceof CompactedError) return this.maybeSendSnapshot(to, pr);
      throw err;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    const commit = this.log.committed;
    this.send(newMessage({ type: MessageType.MsgApp, to, index: prevIndex, logTerm: prevTerm, entries, commit }));
    pr.sentEntries(entries.length, entriesSize(entries));
    // If accepted, the follower commits up to the last entry this message gives it.
    pr.sentCommitTo(Math.min(commit, prevIndex + entries.length));
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) {
      // A snapshot is expensive; do not push one to a node that may be down.
      this.debug(`${idText(this.id)} ignored sending snapshot to ${idText(to)} since it is not recently active`);
      return false;
    }
    let snap: Snapshot;
    try {
      snap = this.log.snapshot();
    } catch (err) {
      if (err instanceof SnapshotTemporarilyUnavailableError) {
        this.debug(`${idText(this.id)} failed to send snapshot to ${idText(to)} because snapshot is temporarily unavailable`);
        return false;
      }
      throw err;
    }
    invariant(snap.metadata.index > 0, 'need a non-empty snapshot');
    this.info(
      `${idText(this.id)} [firstindex: ${this.log.firstIndex()}, commit: ${this.log.committed}] sent snapshot[index: ${snap.metadata.index}, term: ${snap.metadata.term}] to ${idText(to)} [match: ${pr.match}, next: ${pr.next}]`,
    );
    pr.becomeSnapshot(snap.metadata.index);
    this.send(newMessage({ type: MessageType.MsgSnap, to, snapshot: snap }));
    return true;
  }

  /** Heartbeats carry min(match, committed): the follower may not hold entries beyond its match yet. */
  private sendHeartbeat(to: NodeId, ctx: Uint8Array): void {
    const pr = this.trk.progress.get(to)!;
    const commit = Math.min(pr.match, this.log.committed);
    this.send(newMessage({ type: MessageType.MsgHeartbeat, to, commit, context: ctx }));
    pr.sentCommitTo(commit);
  }

  /** Schedules sending every follower what it is missing (see appendBroadcastPending). */
  private bcastAppend(): void {
    this.appendBroadcastPending = true;
  }

  /**
   * Sends each follower as many MsgApps as its progress allows, or, if it needs no entries, an empty
   * one when that tells it about a higher commit index.
   */
  private sendAppendsToAll(): void {
    const committed = this.log.committed;
    this.trk.visit((id, pr) => {
      if (id === this.id) return;
      let sent = false;
      while (this.maybeSendAppend(id, false)) sent = true;
      if (!sent && pr.canBumpCommit(committed)) this.maybeSendAppend(id, true);
    });
  }

  private bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx() ?? EMPTY_BYTES);
  }

  private bcastHeartbeatWithCtx(ctx: Uint8Array): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    });
  }

  /** Advances the commit index to what a quorum has acknowledged, if that entry is of this term. */
  private maybeCommit(): boolean {
    const quorumIndex = this.trk.committed();
    if (raftTestBugs.commitPreviousTermByCounting) {
      return this.log.maybeCommit(Math.min(quorumIndex, this.log.lastIndex()), this.term, true);
    }
    return this.log.maybeCommit(quorumIndex, this.term);
  }

  /** Appends the leader's entries (assigning term and index) and queues its own acknowledgement. */
  private appendEntry(entries: Entry[]): void {
    const last = this.log.lastIndex();
    entries.forEach((e, i) => {
      e.term = this.term;
      e.index = last + 1 + i;
    });
    const newLast = this.log.append(entries);
    // The leader does not send itself a MsgApp; it acknowledges once the entries are durable.
    this.send(newMessage({ type: MessageType.MsgAppResp, to: this.id, index: newLast }));
  }

  // ---------------------------------------------------------------------------------------------
  // Role transitions

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const last = this.log.lastIndex();
    for (const [id, pr] of this.trk.progress) {
      const fresh = new Progress(0, last + 1, new Inflights(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes), pr.isLearner);
      if (id === this.id) fresh.match = last;
      this.trk.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly(this.cfg.readOnlyOption);
    // Reads not yet confirmed are dropped; their clients retry (a read index is an idempotent request).
    this.pendingReadIndexMessages = [];
    this.appendBroadcastPending = false;
    this.readHeartbeatPending = false;
    this.timeoutNowSent = false;
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.cfg.electionTick + this.cfg.rand.int(this.cfg.electionTick);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
    this.info(`${idText(this.id)} became follower at term ${this.term}`);
  }

  private becomeCandidate(): void {
    invariant(this.state !== StateType.Leader, 'invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.info(`${idText(this.id)} became candidate at term ${this.term}`);
  }

  /** Thesis §9.6: a pre-candidate changes neither its term nor its vote. */
  private becomePreCandidate(): void {
    invariant(this.state !== StateType.Leader, 'invalid transition [leader -> pre-candidate]');
    this.trk.resetVotes();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
    this.info(`${idText(this.id)} became pre-candidate at term ${this.term}`);
  }

  private becomeLeader(): void {
    invariant(this.state !== StateType.Follower, 'invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    const self = this.trk.progress.get(this.id)!;
    self.becomeReplicate();
    self.recentActive = true;
    // The log may hold conf changes this node has not applied yet; refuse new ones until it has.
    this.pendingConfIndex = this.log.lastIndex();
    // Raft §5.4.2 / §8: an entry of the new term, whose commit commits everything before it and lets
    // the leader learn the commit index (a precondition for serving reads).
    this.appendEntry([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }]);
    this.info(`${idText(this.id)} became leader at term ${this.term}`);
  }

  /** Voter in the current configuration and not waiting for a snapshot to be applied. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.log.hasNextOrInProgressSnapshot();
  }

  private hup(t: CampaignType): void {
    if (this.state === StateType.Leader) {
      this.debug(`${idText(this.id)} ignoring MsgHup because already leader`);
      return;
    }
    if (!this.promotable()) {
      this.warn(`${idText(this.id)} is unpromotable and can not campaign`);
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      // A config taking effect mid-election could make two leaders possible; apply first.
      this.warn(`${idText(this.id)} cannot campaign at term ${this.term} since there are still pending configuration changes to apply`);
      return;
    }
    this.info(`${idText(this.id)} is starting a new election at term ${this.term}`);
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    return this.hasConfChangeIn(this.log.applied + 1, this.log.committed + 1);
  }

  /** Whether the log holds a conf-change entry in [lo, hi). A compacted range counts as holding one. */
  hasConfChangeIn(lo: number, hi: number): boolean {
    const log = this.log;
    while (lo < hi) {
      let page: Entry[];
      try {
        page = log.slice(lo, hi, this.cfg.maxCommittedSizePerReady);
      } catch (err) {
        if (err instanceof CompactedError) return true;
        throw err;
      }
      if (page.some((e) => e.type === EntryType.ConfChangeV2)) return true;
      lo += page.length;
    }
    return false;
  }

  private campaign(t: CampaignType): void {
    let voteMsg: MessageType;
    let term: number;
    if (t === 'pre-election') {
      this.becomePreCandidate();
      voteMsg = MessageType.MsgPreVote;
      // Pre-votes ask about the term we would use, without moving to it.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.MsgVote;
      term = this.term;
    }
    const last = this.log.lastEntryId();
    for (const id of this.trk.voterIds()) {
      if (id === this.id) {
        // Our own vote counts once it is durable: it comes back to us on advance().
        this.send(newMessage({ type: voteResponseType(voteMsg), to: id, term }));
        continue;
      }
      this.info(
        `${idText(this.id)} [logterm: ${last.term}, index: ${last.index}] sent ${MessageType[voteMsg]} request to ${idText(id)} at term ${term}`,
      );
      this.send(
        newMessage({
          type: voteMsg,
          to: id,
          term,
          index: last.index,
          logTerm: last.term,
          context: t === 'transfer' ? CAMPAIGN_TRANSFER : EMPTY_BYTES,
        }),
      );
    }
  }

  private poll(from: NodeId, t: MessageType, granted: boolean): ReturnType<ProgressTracker['tallyVotes']> {
    if (granted) this.info(`${idText(this.id)} received ${MessageType[t]} from ${idText(from)} at term ${this.term}`);
    else this.info(`${idText(this.id)} received ${MessageType[t]} rejection from ${idText(from)} at term ${this.term}`);
    this.trk.recordVote(from, granted);
    return this.trk.tallyVotes();
  }

  // ---------------------------------------------------------------------------------------------
  // Ticks

  tick(): void {
    this.ticks++;
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(newMessage({ type: MessageType.MsgHup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step(newMessage({ type: MessageType.MsgCheckQuorum, from: this.id }));
      // A transfer that has not finished within an election timeout has failed (thesis §3.10).
      if (this.state === StateType.Leader && this.leadTransferee !== NONE) {
        this.info(`${idText(this.id)} aborted leadership transfer to ${idText(this.leadTransferee)}: not done within an election timeout`);
        this.abortLeaderTransfer();
      }
      // A leader that is no longer a voter keeps trying to hand over (maybe to another node).
      if (this.state === StateType.Leader && !this.isVoter()) this.handOffLeadership();
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.step(newMessage({ type: MessageType.MsgBeat, from: this.id }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Step

  /** What a vote rejection tells the candidate about commitment: our commit index and its term. */
  private commitHint(): { commit: number; logTerm: number } {
    return { commit: this.log.committed, logTerm: this.log.termOrZero(this.log.committed) };
  }

  /**
   * The single entry point for every input. Throws ProposalDroppedError for a local proposal that
   * cannot be accepted (nothing changed in that case).
   */
  step(m: Message): void {
    if (m.term === 0) {
      // Local message (or a forwarded proposal / read request).
    } else if (m.term > this.term) {
      if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
        const force = bytesEqual(m.context, CAMPAIGN_TRANSFER);
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTick;
        if (!force && inLease) {
          // Thesis §4.2.3: a node that heard from a leader within the minimum election timeout does
          // not let a disruptive (e.g. removed or partitioned) node depose it.
          this.info(
            `${idText(this.id)} [logterm: ${this.log.lastTerm()}, index: ${this.log.lastIndex()}, vote: ${idText(this.vote)}] ignored ${MessageType[m.type]} from ${idText(m.from)} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}: lease is not expired (remaining ticks: ${this.cfg.electionTick - this.electionElapsed})`,
          );
          return;
        }
      }
      if (m.type === MessageType.MsgPreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.MsgPreVoteResp && !m.reject) {
        // A granted pre-vote carries the future term; we move there only when a quorum granted it.
      } else {
        this.info(`${idText(this.id)} [term: ${this.term}] received a ${MessageType[m.type]} message with higher term from ${idText(m.from)} [term: ${m.term}]`);
        const fromLeader = m.type === MessageType.MsgApp || m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgSnap;
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      if (m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp) {
        // A stale leader learns our term from this response and steps down, so an election that
        // includes us follows. Without it, a node whose term rose while it was cut off could stay
        // out for good: under a lease or pre-vote its own campaigns fail, and even without them its
        // timer may keep being reset by vote requests (e.g. from a removed node that never learned
        // of its removal and keeps campaigning). etcd answers only with checkQuorum or preVote; we
        // always do: it costs one message per stale append and only ever shortens a stale term.
        this.send(newMessage({ type: MessageType.MsgAppResp, to: m.from }));
      } else if (m.type === MessageType.MsgPreVote || m.type === MessageType.MsgVote) {
        // The Raft paper's RequestVote reply carries currentTerm "for candidate to update itself".
        // etcd-io/raft ignores a stale MsgVote, but then a candidate whose term lags can stay one
        // step behind for good while another node keeps raising our term (test/sim/FOUND_BUGS.md #3).
        this.info(`${idText(this.id)} [term: ${this.term}] rejected ${MessageType[m.type]} from ${idText(m.from)} [term: ${m.term}]: lower term`);
        const type = m.type === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
        this.send(newMessage({ type, to: m.from, term: this.term, reject: true, ...this.commitHint() }));
      } else {
        this.debug(`${idText(this.id)} [term: ${this.term}] ignored a ${MessageType[m.type]} message with lower term from ${idText(m.from)} [term: ${m.term}]`);
      }
      return;
    }

    switch (m.type) {
      case MessageType.MsgHup:
        this.hup(this.cfg.preVote ? 'pre-election' : 'election');
        break;
      case MessageType.MsgVote:
      case MessageType.MsgPreVote:
        this.handleVoteRequest(m);
        break;
      default:
        switch (this.state) {
          case StateType.Leader:
            this.stepLeader(m);
            break;
          case StateType.Candidate:
          case StateType.PreCandidate:
            this.stepCandidate(m);
            break;
          case StateType.Follower:
            this.stepFollower(m);
            break;
        }
    }
    this.checkInvariants();
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      // A repeated request from the candidate we already voted for (our answer may have been lost).
      this.vote === m.from ||
      // We have not voted in this term and know of no leader in it.
      (this.vote === NONE && this.lead === NONE) ||
      // A pre-vote for a future term commits us to nothing.
      (m.type === MessageType.MsgPreVote && m.term > this.term) ||
      (raftTestBugs.doubleVote && m.type === MessageType.MsgVote);
    const last = this.log.lastEntryId();
    if (canVote && this.log.isUpToDate({ index: m.index, term: m.logTerm })) {
      // The response carries the request's term: for a pre-vote that is the future term.
      this.info(
        `${idText(this.id)} [logterm: ${last.term}, index: ${last.index}, vote: ${idText(this.vote)}] cast ${MessageType[m.type]} for ${idText(m.from)} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}`,
      );
      this.send(newMessage({ type: voteResponseType(m.type), to: m.from, term: m.term }));
      if (m.type === MessageType.MsgVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.info(
        `${idText(this.id)} [logterm: ${last.term}, index: ${last.index}, vote: ${idText(this.vote)}] rejected ${MessageType[m.type]} from ${idText(m.from)} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}`,
      );
      this.send(newMessage({ type: voteResponseType(m.type), to: m.from, term: this.term, reject: true, ...this.commitHint() }));
    }
  }

  private drop(reason: ProposalDropReason, detail: string): never {
    this.debug(`${idText(this.id)} dropped proposal: ${reason} (${detail})`);
    throw new ProposalDroppedError(reason, detail);
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.MsgBeat:
        this.bcastHeartbeat();
        return;
      case MessageType.MsgCheckQuorum:
        // A leader that is handing over (no longer a voter) keeps leading even without a quorum: it
        // may be the only node that can tell the remaining voters the change is committed, and
        // without that they may be unable to elect anyone. It serves no lease-based reads meanwhile.
        if (this.isVoter() && !this.trk.quorumActive()) {
          this.warn(`${idText(this.id)} stepped down to follower since quorum is not active`);
          this.becomeFollower(this.term, NONE);
          return;
        }
        // Start the next round: everyone must be heard from again within the next election timeout.
        this.trk.visit((id, pr) => {
          if (id !== this.id) pr.recentActive = false;
        });
        return;
      case MessageType.MsgProp:
        this.handleProposal(m);
        return;
      case MessageType.MsgReadIndex:
        // Thesis §6.4: a new leader does not know the commit index until an entry of its term is
        // committed; reads wait for that.
        if (!this.committedEntryInCurrentTerm()) {
          this.pendingReadIndexMessages.push(m);
          return;
        }
        this.serveReadIndex(m);
        return;
    }

    const pr = this.trk.progress.get(m.from);
    if (pr === undefined) {
      this.debug(`${idText(this.id)} no progress available for ${idText(m.from)}`);
      return;
    }
    switch (m.type) {
      case MessageType.MsgAppResp:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.MsgHeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.MsgSnapStatus:
        if (pr.state !== 'snapshot') return;
        if (m.reject) {
          // The snapshot did not arrive: forget it, and probe (which will send a new one if still needed).
          pr.pendingSnapshot = 0;
          this.debug(`${idText(this.id)} snapshot failed, resumed sending replication messages to ${idText(m.from)}`);
        } else {
          this.debug(`${idText(this.id)} snapshot succeeded, resumed sending replication messages to ${idText(m.from)}`);
        }
        pr.becomeProbe();
        // Wait for the follower's answer (or a heartbeat response) before probing: it may still be
        // applying the snapshot.
        pr.probeSent = true;
        return;
      case MessageType.MsgUnreachable:
        // The transport failed to deliver: stop streaming optimistically; one probe per heartbeat.
        if (pr.state === 'replicate') pr.becomeProbe();
        this.debug(`${idText(this.id)} failed to send message to ${idText(m.from)} because it is unreachable`);
        return;
      case MessageType.MsgTransferLeader:
        this.handleTransferLeader(m, pr);
        return;
      default:
        return;
    }
  }

  private handleProposal(m: Message): void {
    invariant(m.entries.length > 0, `${idText(this.id)} stepped an empty MsgProp`);
    const local = m.from === this.id;
    if (!this.isVoter()) {
      // Removed (or demoted) while leading: this node is handing leadership over; accept nothing new.
      this.drop('not-a-member', `${idText(this.id)} is not a voter of the configuration`);
    }
    if (this.leadTransferee !== NONE) {
      this.drop('leader-transfer', `transfer to ${idText(this.leadTransferee)} in progress`);
    }
    let pending = this.pendingConfIndex;
    const lastIndex = this.log.lastIndex();
    const entries: Entry[] = m.entries.map((e, i) => {
      if (e.type !== EntryType.ConfChangeV2) return { term: 0, index: 0, type: e.type, data: e.data };
      const refusal = this.confChangeRefusal(e.data, pending);
      if (refusal === undefined) {
        pending = lastIndex + i + 1;
        return { term: 0, index: 0, type: e.type, data: e.data };
      }
      if (local) this.drop(refusal.reason, refusal.detail);
      // A forwarded batch keeps its other entries; the refused change becomes a no-op entry.
      this.info(`${idText(this.id)} ignoring conf change proposed by ${idText(m.from)}: ${refusal.detail}`);
      return { term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES };
    });
    if (!this.increaseUncommittedSize(entries)) {
      this.drop('uncommitted-size-limit', `uncommitted tail is ${this.uncommittedSize} bytes`);
    }
    this.pendingConfIndex = pending;
    this.appendEntry(entries);
    this.bcastAppend();
  }

  /**
   * Why a proposed conf change cannot be accepted now, or undefined if it can. Because at most one conf
   * change is pending at a time, the configuration it will apply to is the current one, so it is
   * validated against it here; then applyConfChange cannot fail for it later.
   */
  private confChangeRefusal(data: Uint8Array, pendingIndex: number): { reason: ProposalDropReason; detail: string } | undefined {
    let cc: ConfChangeV2;
    try {
      cc = decodeConfChangeV2(data);
    } catch (err) {
      return { reason: 'conf-change-invalid', detail: `undecodable conf change: ${(err as Error).message}` };
    }
    if (pendingIndex > this.log.applied) {
      return {
        reason: 'conf-change-pending',
        detail: `possible unapplied conf change at index ${pendingIndex} (applied to ${this.log.applied})`,
      };
    }
    const alreadyJoint = this.trk.isJoint();
    const wantsLeaveJoint = cc.changes.length === 0;
    if (alreadyJoint && !wantsLeaveJoint) return { reason: 'conf-change-invalid', detail: 'must transition out of joint config first' };
    if (!alreadyJoint && wantsLeaveJoint) return { reason: 'conf-change-invalid', detail: 'not in joint state; refusing empty conf change' };
    try {
      this.changeConfig(cc);
    } catch (err) {
      if (err instanceof ConfChangeError) return { reason: 'conf-change-invalid', detail: err.message };
      throw err;
    }
    return undefined;
  }

  private increaseUncommittedSize(entries: readonly Entry[]): boolean {
    const s = payloadSize(entries);
    const max = this.cfg.maxUncommittedEntriesSize;
    // Always admit one proposal when nothing is outstanding, however large, so progress is possible.
    if (max > 0 && this.uncommittedSize > 0 && s > 0 && this.uncommittedSize + s > max) return false;
    this.uncommittedSize += s;
    return true;
  }

  reduceUncommittedSize(s: number): void {
    this.uncommittedSize = s > this.uncommittedSize ? 0 : this.uncommittedSize - s;
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.lastHeardTick = this.ticks;
    if (m.reject) {
      this.debug(`${idText(this.id)} received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ${m.logTerm})) from ${idText(m.from)} for index ${m.index}`);
      // The follower told us its last entry that may match (rejectHint) and that entry's term. Skip
      // back over every entry of ours with a higher term: none of them can match (thesis §5.3).
      let nextProbeIndex = m.rejectHint;
      if (m.logTerm > 0) nextProbeIndex = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbeIndex)) {
        this.debug(`${idText(this.id)} decreased progress of ${idText(m.from)} to [match: ${pr.match}, next: ${pr.next}]`);
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    // In probe state an ack at exactly `match` still confirms where the follower's log ends.
    if (!(pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'probe'))) return;
    switch (pr.state) {
      case 'probe':
        pr.becomeReplicate();
        break;
      case 'snapshot':
        // Whatever index the follower ended up at, it can continue from the log if we still have it.
        if (pr.match + 1 >= this.log.firstIndex()) {
          this.debug(`${idText(this.id)} recovered from needing snapshot, resumed sending replication messages to ${idText(m.from)}`);
          pr.becomeProbe();
          pr.becomeReplicate();
        }
        break;
      case 'replicate':
        pr.inflights.freeLE(m.index);
        break;
    }
    if (this.maybeCommit()) this.releasePendingReadIndexMessages();
    // The window may have opened, or the commit index moved (for everyone or, from this follower's
    // point of view, because it now holds committed entries it was not told about). What to send is
    // decided once per Ready, so a batch of acknowledgements yields one MsgApp per follower.
    this.bcastAppend();
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.info(`${idText(this.id)} sent MsgTimeoutNow to ${idText(m.from)} after received MsgAppResp`);
      this.sendTimeoutNow(m.from);
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.lastHeardTick = this.ticks;
    pr.probeSent = false;
    // A full window with a live follower means acks were lost: free a slot so replication can resume
    // (the follower will reject the gap, which sends it back to probing from its real match).
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);

    // (Also in lease-based mode: a leader whose lease cannot be trusted confirms reads the safe way.)
    if (m.context.length === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined) return;
    if (!this.readQuorumReached(acks)) return;
    for (const rs of this.readOnly.advance(m.context)) this.sendReadIndexResponse(rs.req, rs.index);
  }

  private readQuorumReached(acks: ReadonlySet<NodeId>): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const id of acks) votes.set(id, true);
    return jointVoteResult(this.trk.config.voters, votes) === 'won';
  }

  private handleTransferLeader(m: Message, pr: Progress): void {
    if (pr.isLearner) {
      this.debug(`${idText(this.id)} is learner. Ignored transferring leadership`);
      return;
    }
    const transferee = m.from;
    const previous = this.leadTransferee;
    if (previous !== NONE) {
      if (previous === transferee) {
        this.info(`${idText(this.id)} [term ${this.term}] transfer leadership to ${transferee} is in progress, ignores request to same node ${transferee}`);
        return;
      }
      this.abortLeaderTransfer();
      this.info(`${idText(this.id)} [term ${this.term}] abort previous transferring leadership to ${previous}`);
    }
    if (transferee === this.id) {
      this.debug(`${idText(this.id)} is already leader. Ignored transferring leadership to self`);
      return;
    }
    this.info(`${idText(this.id)} [term ${this.term}] starts to transfer leadership to ${transferee}`);
    // The transfer must finish within one election timeout, counted from now.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) {
      this.sendTimeoutNow(transferee);
      this.info(`${idText(this.id)} sends MsgTimeoutNow to ${transferee} immediately as ${transferee} already has up-to-date log`);
    } else {
      this.sendAppend(transferee);
    }
  }

  /** Whether this node is a voter of the active configuration (either half, if joint). */
  private isVoter(): boolean {
    return this.trk.isVoter(this.id);
  }

  /**
   * A leader that is no longer a voter transfers leadership to the voter with the longest log (lowest
   * id on ties); with no voter to hand to, it steps down.
   */
  private handOffLeadership(): void {
    let target: NodeId = NONE;
    let best = -1;
    this.trk.visit((id, pr) => {
      if (id !== this.id && this.trk.isVoter(id) && pr.match > best) {
        target = id;
        best = pr.match;
      }
    });
    if (target === NONE) {
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.leadTransferee === target) return;
    this.abortLeaderTransfer();
    this.info(`${idText(this.id)} [term ${this.term}] starts to transfer leadership to ${target}`);
    this.electionElapsed = 0;
    this.leadTransferee = target;
    const pr = this.trk.progress.get(target)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.sendAppend(target);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.timeoutNowSent = true;
    this.send(newMessage({ type: MessageType.MsgTimeoutNow, to }));
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.termOrZero(this.log.committed) === this.term;
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0) return;
    invariant(this.committedEntryInCurrentTerm(), 'releasing reads before an entry of this term is committed');
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.serveReadIndex(m);
  }

  /**
   * Serves a read whose index is the current commit index: at once when this node alone is a quorum
   * or reads are lease-based, otherwise after a heartbeat round acknowledged by a quorum.
   */
  private serveReadIndex(m: Message): void {
    const index = this.log.committed;
    // A leader that is no longer a voter (handing over) is never alone: the sole voter is someone else.
    const leaseValid = this.readOnly.option === 'lease-based' && this.isVoter() && !this.timeoutNowSent && this.leaseHeld();
    if (this.trk.isSoleVoter(this.id) || leaseValid || raftTestBugs.readIndexWithoutHeartbeat) {
      this.sendReadIndexResponse(m, index);
      return;
    }
    const ctx = m.entries[0]!.data;
    this.readOnly.addRequest(index, m);
    const acks = this.readOnly.recvAck(this.id, ctx);
    if (acks !== undefined && this.readQuorumReached(acks)) {
      for (const rs of this.readOnly.advance(ctx)) this.sendReadIndexResponse(rs.req, rs.index);
      return;
    }
    this.readHeartbeatPending = true;
  }

  /**
   * The leader's lease (thesis §6.4.1): the followers that answered within the last election timeout
   * ignore vote requests until their own timeout runs out, so no other leader can exist yet. Measured
   * at read time from each voter's last answer, not from "still leader" (a leader that lost its quorum
   * just after a CheckQuorum round stays leader for up to two timeouts; sim FOUND_BUGS.md #4). The
   * margin absorbs clock-rate differences and the delay of the answers; lease reads assume both stay
   * within it.
   */
  private leaseHeld(): boolean {
    const margin = Math.max(1, Math.ceil(this.cfg.electionTick * LEASE_MARGIN_FRACTION));
    return this.trk.quorumHeardSince(this.id, this.ticks - (this.cfg.electionTick - margin));
  }

  private sendReadIndexResponse(req: Message, index: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, requestCtx: req.entries[0]!.data });
      return;
    }
    this.send(newMessage({ type: MessageType.MsgReadIndexResp, to: req.from, index, entries: req.entries }));
  }

  private stepCandidate(m: Message): void {
    // Only answers to our own kind of request count (a late vote answer after a pre-vote round, or the reverse, is ignored).
    const myVoteResp = this.state === StateType.PreCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
    switch (m.type) {
      case MessageType.MsgProp:
        return this.drop('no-leader', `${idText(this.id)} is campaigning at term ${this.term}`);
      case MessageType.MsgApp:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.MsgHeartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.MsgSnap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case MessageType.MsgTimeoutNow:
        this.debug(`${idText(this.id)} [term ${this.term} state ${StateType[this.state]}] ignored MsgTimeoutNow from ${idText(m.from)}`);
        return;
      default:
        if (m.type !== myVoteResp) return;
    }
    if (m.reject && m.commit > this.log.committed && this.log.matchTerm(m.commit, m.logTerm)) {
      // The rejecter's commit index is committed in the cluster, and by log matching our log holds
      // the same prefix up to it: learning it lets us apply a conf change that may be the very
      // reason we need this voter (a removed leader died before telling us; sim FOUND_BUGS.md #1c).
      this.log.commitTo(m.commit);
    }
    const { granted, rejected, result } = this.poll(m.from, m.type, !m.reject);
    this.info(`${idText(this.id)} has received ${granted} ${MessageType[m.type]} votes and ${rejected} vote rejections`);
    if (result === 'won') {
      if (this.state === StateType.PreCandidate) {
        this.campaign('election');
      } else if (!this.promotable()) {
        // Removed or demoted while campaigning (the change was applied meanwhile): do not lead.
        this.becomeFollower(this.term, NONE);
      } else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (result === 'lost') {
      // A pre-candidate that lost goes back to following at its unchanged term.
      this.becomeFollower(this.term, NONE);
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.MsgProp:
        if (this.lead === NONE) this.drop('no-leader', `no leader at term ${this.term}`);
        if (this.cfg.disableProposalForwarding) this.drop('forwarding-disabled', `not forwarding to leader ${idText(this.lead)} at term ${this.term}`);
        this.send({ ...m, to: this.lead, term: 0 });
        return;
      case MessageType.MsgApp:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.MsgHeartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.MsgSnap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.MsgTransferLeader:
        this.forwardToLeader(m, 'leader transfer');
        return;
      case MessageType.MsgTimeoutNow:
        // Thesis §3.10: the transferee campaigns at once. No pre-vote: we know there is no partition
        // (the leader asked), so the extra round trip would only slow the transfer.
        this.info(`${idText(this.id)} [term ${this.term}] received MsgTimeoutNow from ${idText(m.from)} and starts an election to get leadership`);
        this.hup('transfer');
        return;
      case MessageType.MsgReadIndex:
        this.forwardToLeader(m, 'index reading');
        return;
      case MessageType.MsgReadIndexResp:
        if (m.entries.length !== 1) {
          this.error(`${idText(this.id)} invalid format of MsgReadIndexResp from ${idText(m.from)}, entries count: ${m.entries.length}`);
          return;
        }
        this.readStates.push({ index: m.index, requestCtx: m.entries[0]!.data });
        return;
      default:
        return;
    }
  }

  /** Passes a request a client made here on to the leader (dropped, for a retry, if none is known). */
  private forwardToLeader(m: Message, what: string): void {
    if (this.lead === NONE) {
      this.info(`${idText(this.id)} no leader at term ${this.term}; dropping ${what} msg`);
      return;
    }
    this.send({ ...m, to: this.lead, term: 0 });
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      // Everything up to our commit index matches the leader's log already.
      this.send(newMessage({ type: MessageType.MsgAppResp, to: m.from, index: this.log.committed }));
      return;
    }
    const appended = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (appended !== undefined) {
      if (appended.truncatedFrom !== undefined) this.dropAcksFrom(appended.truncatedFrom);
      this.send(newMessage({ type: MessageType.MsgAppResp, to: m.from, index: appended.lastNew }));
      return;
    }
    // Our log does not hold (m.index, m.logTerm). Tell the leader the last entry that might match: the
    // largest index <= m.index whose term is <= m.logTerm (nothing above it can match), and its term.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.debug(
      `${idText(this.id)} [logterm: ${this.log.termOrZero(m.index)}, index: ${m.index}] rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${idText(m.from)}`,
    );
    this.send(
      newMessage({ type: MessageType.MsgAppResp, to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }),
    );
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(m.commit);
    this.send(newMessage({ type: MessageType.MsgHeartbeatResp, to: m.from, context: m.context }));
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    invariant(s !== undefined, `${idText(this.id)} received MsgSnap without a snapshot from ${idText(m.from)}`);
    const { index, term } = s.metadata;
    if (this.restore(s)) {
      this.info(`${idText(this.id)} [commit: ${this.log.committed}] restored snapshot [index: ${index}, term: ${term}]`);
      this.send(newMessage({ type: MessageType.MsgAppResp, to: m.from, index: this.log.lastIndex() }));
    } else {
      this.info(`${idText(this.id)} [commit: ${this.log.committed}] ignored snapshot [index: ${index}, term: ${term}]`);
      this.send(newMessage({ type: MessageType.MsgAppResp, to: m.from, index: this.log.committed }));
    }
  }

  /** Replaces the log and configuration by the snapshot. Returns false when it brings nothing new. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.log.committed) return false;
    if (this.state !== StateType.Follower) {
      // Only a leader can get here (others became followers on MsgSnap), and a leader of this term
      // never gets a snapshot from another leader of the same term: defend by forcing a new election.
      this.warn(`${idText(this.id)} attempted to restore snapshot as leader; should never happen`);
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: the snapshot only tells us it is committed.
      this.info(`${idText(this.id)} [commit: ${this.log.committed}] fast-forwarded commit to snapshot [index: ${index}, term: ${term}]`);
      this.log.commitTo(index);
      return false;
    }
    this.info(`${idText(this.id)} starts to restore snapshot [index: ${index}, term: ${term}]`);
    this.log.restore(s);
    // Everything we held is replaced; acks queued for the old log no longer hold.
    this.dropAcksFrom(0);
    const restored = restoreConfig({ ...this.changerBase(), config: emptyTrackerConfig(), progress: new Map() }, confState);
    const cs = this.switchToConfig(restored);
    invariant(confStatesEqual(cs, confState), () => `restored config ${describeConfState(cs)} differs from snapshot ${describeConfState(confState)}`);
    const self = this.trk.progress.get(this.id);
    // A node added after the snapshot was taken is not in its configuration yet; it learns of itself
    // when it applies the conf change that added it.
    if (self !== undefined) self.maybeUpdate(self.next - 1);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  private changerBase(): Omit<ChangerContext, 'config' | 'progress'> {
    return { maxInflightMsgs: this.cfg.maxInflightMsgs, maxInflightBytes: this.cfg.maxInflightBytes, lastIndex: this.log.lastIndex() };
  }

  /** The configuration `cc` leads to from the current one (not applied). Throws ConfChangeError. */
  private changeConfig(cc: ConfChangeV2): ChangerState {
    const ctx: ChangerContext = { ...this.changerBase(), config: this.trk.config, progress: this.trk.progress };
    if (isLeaveJoint(cc)) return leaveJoint(ctx);
    const joint = jointTransition(cc);
    if (joint !== undefined) return enterJoint(ctx, joint.autoLeave, cc.changes);
    return simpleChange(ctx, cc.changes);
  }

  /** Called when the host applies a conf-change entry: the change takes effect now (thesis §4.1). */
  applyConfChange(cc: ConfChangeV2): ConfState {
    return this.switchToConfig(this.changeConfig(cc));
  }

  private switchToConfig(next: ChangerState): ConfState {
    this.trk.config = next.config;
    this.trk.progress = next.progress;
    const cs = this.trk.confState();
    this.info(`${idText(this.id)} switched to configuration ${describeConfState(cs)}`);
    if (this.state !== StateType.Leader || cs.voters.length === 0) return cs;
    // The new quorum may already have acknowledged more; newly added nodes are probed right away.
    if (this.maybeCommit()) this.releasePendingReadIndexMessages();
    this.bcastAppend();
    if (this.leadTransferee !== NONE && !this.trk.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    if (!this.isVoter()) {
      // Thesis §4.2.2: a leader that is no longer a voter must give up leadership. Stepping down at once
      // can deadlock: a voter of the new configuration that has not yet learned that the change is
      // committed still needs this node's vote (its applied configuration includes it), and this node
      // may refuse it because its log is longer. Handing leadership to a caught-up voter avoids that:
      // the transferee's log equals ours, so we vote for it, whatever configuration it applied.
      this.info(`${idText(this.id)} is no longer a voter: handing leadership over`);
      this.handOffLeadership();
    }
    return cs;
  }

  /**
   * Called by RawNode after the host applied entries up to `index`. A leader in a joint configuration
   * with auto-leave proposes leaving it once the joint config is applied.
   */
  appliedTo(index: number): void {
    this.log.appliedTo(index);
  }

  maybeAutoLeaveJoint(): void {
    if (!this.trk.config.autoLeave || this.state !== StateType.Leader || this.log.applied < this.pendingConfIndex) return;
    try {
      this.step(
        newMessage({
          type: MessageType.MsgProp,
          from: this.id,
          entries: [{ term: 0, index: 0, type: EntryType.ConfChangeV2, data: encodeConfChangeV2(leaveJointConfChange()) }],
        }),
      );
      this.info(`${idText(this.id)} initiating automatic transition out of joint configuration ${describeConfState(this.trk.confState())}`);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      // Retried on a later advance (e.g. after a leadership transfer ends).
      this.debug(`${idText(this.id)} not initiating automatic transition out of joint configuration: ${err.message}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Invariants and logging

  private checkInvariants(): void {
    const log = this.log;
    invariant(log.applied <= log.committed, () => `${idText(this.id)}: applied ${log.applied} > committed ${log.committed}`);
    invariant(log.committed <= log.lastIndex(), () => `${idText(this.id)}: committed ${log.committed} > last index ${log.lastIndex()}`);
    invariant(this.state !== StateType.Leader || this.lead === this.id, () => `${idText(this.id)}: leader whose lead is ${idText(this.lead)}`);
    invariant(this.state !== StateType.Candidate || this.vote === this.id, () => `${idText(this.id)}: candidate that voted for ${idText(this.vote)}`);
  }

  private debug(msg: string): void {
    this.logger.debug({ raft: this.id.toString() }, msg);
  }

  private info(msg: string): void {
    this.logger.info({ raft: this.id.toString() }, msg);
  }

  private warn(msg: string): void {
    this.logger.warn({ raft: this.id.toString() }, msg);
  }

  private error(msg: string): void {
    this.logger.error({ raft: this.id.toString() }, msg);
  }
}

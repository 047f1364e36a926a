/**
 * The public face of the core. Not thread-safe by design: the host owns one RawNode and calls it from
 * one place. The host loop is:
 *
 *   if (node.hasReady()) {
 *     const rd = node.ready();
 *     persist(rd.snapshot, rd.entries, rd.hardState);   // one fsync when rd.mustSync
 *     send(rd.messages);
 *     apply(rd.snapshot); apply(rd.committedEntries);   // conf changes via node.applyConfChange
 *     node.advance(rd);
 *   }
 *
 * Between ready() and advance() the host may keep calling step/tick/propose; hasReady() answers false
 * until the outstanding Ready is advanced.
 */
import { invariant } from '../base/assert.js';
import { encodeConfChangeV2 } from './confchange/codec.js';
import type { RaftConfig } from './config.js';
import { resolveConfig } from './config.js';
import { ProposalDroppedError, StepLocalMessageError } from './errors.js';
import { newMessage, Raft } from './raft.js';
import type { ProgressStatus, Ready, Status } from './ready.js';
import { hardStatesEqual, isEmptyHardState } from './storage.js';
import type { ConfChangeV2, ConfState, HardState, Message, NodeId, SoftState } from './types.js';
import { EntryType, MessageType, StateType } from './types.js';
import { isLocalMessage, isResponseMessage, payloadSize, idText } from './util.js';

function softStatesEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.raftState === b.raftState;
}

/**
 * Merges proposals forwarded to the same leader (from the same origin) into one message, at the
 * position of the first: the leader appends them as one batch.
 */
function coalesceProposals(msgs: Message[]): Message[] {
  const out: Message[] = [];
  const firstAt = new Map<string, number>();
  for (const m of msgs) {
    if (m.type !== MessageType.MsgProp) {
      out.push(m);
      continue;
    }
    const key = `${idText(m.to)}/${idText(m.from)}`;
    const at = firstAt.get(key);
    if (at === undefined) {
      firstAt.set(key, out.length);
      out.push(m);
    } else {
      const first = out[at]!;
      out[at] = { ...first, entries: first.entries.concat(m.entries) };
    }
  }
  return out;
}

export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  /** The Ready handed out and not yet advanced. */
  private outstanding: Ready | undefined;
  /** Self-addressed acknowledgements of the outstanding Ready, stepped once it is durable. */
  private stepsOnAdvance: Message[] = [];

  /**
   * Starts (or restarts) a node from `config.storage`. A founding member of a new cluster starts from
   * storage holding bootstrapState(voters) (see MemoryLogStorage.bootstrap); a node joining an existing
   * cluster starts from empty storage and receives the configuration from the leader.
   * Throws RaftConfigError for an invalid config.
   */
  constructor(config: RaftConfig) {
    this.raft = new Raft(resolveConfig(config));
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances the logical clock by one tick (election and heartbeat timeouts are counted in ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (pre-vote first when enabled). */
  campaign(): void {
    this.raft.step(newMessage({ type: MessageType.MsgHup, from: this.raft.id }));
  }

  /**
   * Proposes `data` for the log. On a follower it is forwarded to the leader. Throws
   * ProposalDroppedError when it cannot be accepted now (no leader known, transfer in progress, ...).
   * Acceptance is no promise: the entry may still be lost with a leader change; the host learns the
   * outcome by seeing the entry committed (or not) at an index.
   */
  propose(data: Uint8Array): void {
    this.proposeEntry(EntryType.Normal, data);
  }

  /**
   * Proposes a configuration change. It takes effect when the host applies the committed entry and
   * calls applyConfChange. At most one may be pending (ProposalDroppedError 'conf-change-pending').
   */
  proposeConfChange(cc: ConfChangeV2): void {
    this.proposeEntry(EntryType.ConfChangeV2, encodeConfChangeV2(cc));
  }

  private proposeEntry(type: EntryType, data: Uint8Array): void {
    this.raft.step(newMessage({ type: MessageType.MsgProp, from: this.raft.id, entries: [{ term: 0, index: 0, type, data }] }));
  }

  /**
   * Steps a message received from a peer. Throws StepLocalMessageError for message types only the node
   * itself generates. Answers from nodes no longer in the configuration are ignored, as are forwarded
   * proposals that cannot be accepted (the proposer's side times out and retries).
   */
  step(m: Message): void {
    if (isLocalMessage(m.type)) throw new StepLocalMessageError(`raft: cannot step local message ${MessageType[m.type]} from the network`);
    invariant(m.to === this.raft.id, () => `message for ${idText(m.to)} delivered to ${idText(this.raft.id)}`);
    if (isResponseMessage(m.type) && !this.raft.trk.progress.has(m.from)) return;
    try {
      this.raft.step(m);
    } catch (err) {
      if (err instanceof ProposalDroppedError) return;
      throw err;
    }
  }

  /**
   * Requests a linearizable read point. The answer arrives as a Ready.readStates entry with the same
   * ctx: serve the read once applied >= its index. Dropped silently when no leader is known (or the
   * leader changes meanwhile): the host retries with a timeout, as etcd does.
   */
  readIndex(requestCtx: Uint8Array): void {
    this.raft.step(
      newMessage({
        type: MessageType.MsgReadIndex,
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: EntryType.Normal, data: requestCtx }],
      }),
    );
  }

  /** Asks the leader (this node or, forwarded, the current one) to hand leadership to `to`. */
  transferLeader(to: NodeId): void {
    this.raft.step(newMessage({ type: MessageType.MsgTransferLeader, from: to }));
  }

  /** Called by the host when it applies a committed conf-change entry. Throws ConfChangeError if invalid. */
  applyConfChange(cc: ConfChangeV2): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** The transport failed to reach `id`: the leader stops streaming to it optimistically. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(newMessage({ type: MessageType.MsgUnreachable, from: id }));
  }

  /** The snapshot sent to `id` was delivered (ok) or failed; the leader resumes replication to it. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(newMessage({ type: MessageType.MsgSnapStatus, from: id, reject: !ok }));
  }

  hasReady(): boolean {
    if (this.outstanding !== undefined) return false;
    const r = this.raft;
    // Turn deferred broadcasts into messages now: they may turn out to be nothing to send.
    r.flushPendingBroadcasts();
    if (!softStatesEqual(r.softState(), this.prevSoftState)) return true;
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStatesEqual(hs, this.prevHardState)) return true;
    if (r.log.hasNextOrInProgressSnapshot() || r.log.hasNextUnstableEntries()) return true;
    if (r.msgs.length > 0 || r.selfMessagesAfterPersist.length > 0) return true;
    if (r.log.hasNextCommittedEntries()) return true;
    return r.readStates.length > 0;
  }

  /** What to persist, send and apply next. Call advance(rd) before the next ready(). */
  ready(): Ready {
    invariant(this.outstanding === undefined, 'ready() called again before advance() of the previous Ready');
    const r = this.raft;
    r.flushPendingBroadcasts();
    const rd: Ready = {
      readStates: r.readStates,
      entries: r.log.unstableEntries(),
      committedEntries: r.log.nextCommittedEntries(),
      messages: coalesceProposals(r.msgs),
      mustSync: false,
    };
    const snap = r.log.unstable.snapshot;
    if (snap !== undefined) rd.snapshot = snap;
    const ss = r.softState();
    if (!softStatesEqual(ss, this.prevSoftState)) {
      rd.softState = ss;
      this.prevSoftState = ss;
    }
    const hs = r.hardState();
    const prev = this.prevHardState;
    if (!isEmptyHardState(hs) && !hardStatesEqual(hs, prev)) {
      rd.hardState = hs;
      this.prevHardState = hs;
    }
    // A commit-only change need not be fsynced: a lost commit index is learned again from the leader.
    // Except when it commits a conf change: after a restart the node must know the change is
    // committed, or it could campaign under the configuration before it (with the help of a node the
    // change removed) while the cluster already decides under the one after it.
    rd.mustSync =
      rd.entries.length > 0 ||
      rd.snapshot !== undefined ||
      hs.term !== prev.term ||
      hs.vote !== prev.vote ||
      (hs.commit > prev.commit && r.hasConfChangeIn(prev.commit + 1, hs.commit + 1));
    this.stepsOnAdvance = r.selfMessagesAfterPersist;
    r.selfMessagesAfterPersist = [];
    r.msgs = [];
    r.readStates = [];
    this.outstanding = rd;
    return rd;
  }

  /**
   * The host persisted, sent and applied what `rd` asked for. Marks it stable/applied and steps the
   * node's own acknowledgements (its vote for itself, the leader's ack of its own entries).
   */
  advance(rd: Ready): void {
    invariant(this.outstanding === rd, 'advance() must be given the Ready returned by the last ready()');
    this.outstanding = undefined;
    const r = this.raft;
    if (rd.snapshot !== undefined) {
      const index = rd.snapshot.metadata.index;
      r.log.stableSnapTo(index);
      r.appliedTo(index);
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) r.log.stableTo({ index: lastEntry.index, term: lastEntry.term });
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) {
      r.appliedTo(lastCommitted.index);
      r.reduceUncommittedSize(payloadSize(rd.committedEntries));
    }
    const steps = this.stepsOnAdvance;
    this.stepsOnAdvance = [];
    for (const m of steps) r.step(m);
    r.maybeAutoLeaveJoint();
  }

  status(): Status {
    const r = this.raft;
    const status: Status = {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.log.applied,
      leadTransferee: r.leadTransferee,
      config: r.trk.confState(),
    };
    if (r.state === StateType.Leader) {
      const progress = new Map<NodeId, ProgressStatus>();
      r.trk.visit((id, pr) => {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          recentActive: pr.recentActive,
          paused: pr.isPaused(),
          pendingSnapshot: pr.pendingSnapshot,
          inflightCount: pr.inflights.count(),
          inflightBytes: pr.inflights.totalBytes(),
        });
      });
      status.progress = progress;
    }
    return status;
  }

  /** The leader this node knows of (NONE if none). */
  leader(): NodeId {
    return this.raft.lead;
  }
}

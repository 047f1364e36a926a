/**
 * Ghost state: what no node can see but the simulator can — every leader of every term, the first
 * holder of each (index, term), the canonical committed log and the state it produces, each node's
 * durable image — and the checkers that compare what the nodes do against it. Every check throws a
 * Violation naming the invariant, so a failing seed reports which rule of Raft broke.
 */
import type { ConfState, Entry, HardState, Message, NodeId, Snapshot } from '../../src/raft/types.js';
import { MessageType, StateType } from '../../src/raft/types.js';
import { decodePut, ToyKv, type PutCommand } from './kv.js';
import { hashBytes } from './hash.js';
import type { SimDisk } from './disk.js';

export type InvariantName =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'committed-entry-lost'
  | 'commit-safety'
  | 'durability-before-send'
  | 'hard-state-monotonic'
  | 'read-linearizable'
  | 'liveness'
  | 'core-error';

export class Violation extends Error {
  override name = 'Violation';
  constructor(
    readonly invariant: InvariantName,
    detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

export function violated(invariant: InvariantName, detail: string): never {
  throw new Violation(invariant, detail);
}

interface Holder {
  term: number;
  hash: number;
  prevTerm: number;
  node: NodeId;
}

/** A node's log as the checkers read it: any source that answers "term at index" (or not). */
export type TermLookup = (index: number) => number | undefined;

export interface CheckCounts {
  entriesMatched: number;
  commitsChecked: number;
  appliesChecked: number;
  snapshotsChecked: number;
  messagesChecked: number;
  readsChecked: number;
  writesAcked: number;
  leadersElected: number;
}

/**
 * What a leader may send before its own write of the same Ready is durable (Raft thesis §10.2.1):
 * its appends, heartbeats and snapshots vouch for nothing its disk must back, because its own
 * acknowledgement is stepped only after the write. Everything else leaves after the write.
 */
export const LEADER_EARLY_MESSAGE_TYPES: ReadonlySet<MessageType> = new Set([MessageType.MsgApp, MessageType.MsgHeartbeat, MessageType.MsgSnap]);

export function entryHash(e: Entry): number {
  return hashBytes(e.data, 0x811c9dc5 ^ e.type);
}

export class Ghost {
  private readonly leaders = new Map<number, NodeId>();
  /** holders[index]: the first holder of each distinct term seen at that index. */
  private readonly holders: Holder[][] = [];
  /** The canonical committed log, 1-based: canonTerm[i], canonHash[i], canonCmd[i]. */
  private readonly canonTerm: number[] = [0];
  private readonly canonHash: number[] = [0];
  private readonly canonDigest: number[] = [0];
  private readonly canonKv = new ToyKv();
  /** Per key: the indexes where it changed and the put that wrote it, ascending. */
  private readonly keyHistory = new Map<number, { index: number; opId: number }[]>();
  private readonly ackedWrites = new Map<number, number>();
  /** The configuration each conf-change index leads to (the same on every node). */
  private readonly confAt = new Map<number, ConfState>();
  /** Highest log index of any write acknowledged so far: reads invoked from now on must see it. */
  maxAckedWriteIndex = 0;
  readonly counts: CheckCounts = {
    entriesMatched: 0,
    commitsChecked: 0,
    appliesChecked: 0,
    snapshotsChecked: 0,
    messagesChecked: 0,
    readsChecked: 0,
    writesAcked: 0,
    leadersElected: 0,
  };

  /** The bootstrap snapshot (index 1, term 1, empty state) is committed by construction. */
  bootstrap(): void {
    this.extendCanonical({ index: 1, term: 1, type: 0, data: new Uint8Array(0) });
  }

  canonCommit(): number {
    return this.canonTerm.length - 1;
  }

  canonicalTerm(index: number): number | undefined {
    return this.canonTerm[index];
  }

  leaderOf(term: number): NodeId | undefined {
    return this.leaders.get(term);
  }

  ackedWriteIndexes(): ReadonlyMap<number, number> {
    return this.ackedWrites;
  }

  /**
   * Election safety and leader completeness, checked when a node is first seen as leader: no
   * other node led this term, and its log holds every entry committed so far (entries its
   * snapshot covers count when the snapshot matches the canonical log).
   */
  onLeader(node: NodeId, term: number, termAt: TermLookup, firstLogIndex: number): void {
    const other = this.leaders.get(term);
    if (other !== undefined && other !== node) {
      violated('election-safety', `n${node} and n${other} are both leaders of term ${term}`);
    }
    if (other === node) return;
    this.leaders.set(term, node);
    this.counts.leadersElected++;
    const commit = this.canonCommit();
    for (let i = Math.max(1, firstLogIndex - 1); i <= commit; i++) {
      const t = termAt(i);
      if (t !== this.canonTerm[i]) {
        violated(
          'leader-completeness',
          `n${node} became leader of term ${term} but holds ${t === undefined ? 'nothing' : `term ${t}`} at index ${i}, committed in term ${this.canonTerm[i]} (commit ${commit})`,
        );
      }
    }
  }

  /**
   * Log matching: the first node to hold (index, term) fixes its payload and the term before it;
   * any later holder must agree on both.
   */
  onPersistEntries(node: NodeId, entries: readonly Entry[], prevTermOfFirst: number | undefined): void {
    let prevTerm = prevTermOfFirst;
    for (const e of entries) {
      const hash = entryHash(e);
      const list = (this.holders[e.index] ??= []);
      const first = list.find((h) => h.term === e.term);
      if (first === undefined) {
        list.push({ term: e.term, hash, prevTerm: prevTerm ?? -1, node });
      } else {
        this.counts.entriesMatched++;
        if (first.hash !== hash) {
          violated('log-matching', `n${node} holds a different payload at index ${e.index} term ${e.term} than n${first.node}`);
        }
        if (prevTerm !== undefined && first.prevTerm >= 0 && first.prevTerm !== prevTerm) {
          violated(
            'log-matching',
            `n${node} holds index ${e.index} term ${e.term} after term ${prevTerm}, n${first.node} after term ${first.prevTerm}`,
          );
        }
        if (first.prevTerm < 0 && prevTerm !== undefined) first.prevTerm = prevTerm;
      }
      prevTerm = e.term;
    }
  }

  /**
   * A node's commit index advanced from `from` to `to`: entries in between join the canonical log,
   * or must equal it. A mismatch means an entry some node treated as committed was replaced.
   */
  onCommit(node: NodeId, from: number, to: number, entryAt: (index: number) => Entry | undefined, termAt: TermLookup): void {
    for (let i = from + 1; i <= to; i++) {
      const known = this.canonTerm[i];
      const e = entryAt(i);
      if (known !== undefined) {
        this.counts.commitsChecked++;
        const t = e !== undefined ? e.term : termAt(i);
        if (t === undefined) continue; // covered by a snapshot, checked when it was installed
        if (t !== known || (e !== undefined && entryHash(e) !== this.canonHash[i])) {
          violated('committed-entry-lost', `n${node} commits index ${i} with term ${t}, but index ${i} was already committed with term ${known}`);
        }
        continue;
      }
      if (e === undefined) {
        if (termAt(i) === undefined) continue;
        violated('state-machine-safety', `ghost: n${node} committed index ${i} beyond the canonical log (${this.canonCommit()}) without holding it`);
      }
      if (i !== this.canonCommit() + 1) {
        violated('state-machine-safety', `ghost: n${node} committed index ${i} but the canonical log ends at ${this.canonCommit()}`);
      }
      this.extendCanonical(e);
    }
  }

  private extendCanonical(e: Entry): void {
    this.canonTerm.push(e.term);
    this.canonHash.push(entryHash(e));
    const cmd = e.type === 0 ? decodePut(e.data) : undefined;
    if (this.canonKv.apply(e.index, cmd) && cmd !== undefined) this.recordKeyChange(e.index, cmd);
    this.canonDigest.push(this.canonKv.digest());
  }

  private recordKeyChange(index: number, cmd: PutCommand): void {
    let list = this.keyHistory.get(cmd.key);
    if (list === undefined) this.keyHistory.set(cmd.key, (list = []));
    list.push({ index, opId: cmd.opId });
  }

  /** State machine safety: the next entry a node applies is the canonical one, in order, once. */
  onApply(node: NodeId, lastApplied: number, e: Entry): void {
    this.counts.appliesChecked++;
    if (e.index !== lastApplied + 1) {
      violated('state-machine-safety', `n${node} applies index ${e.index} right after index ${lastApplied}`);
    }
    const term = this.canonTerm[e.index];
    if (term === undefined) {
      violated('state-machine-safety', `n${node} applies index ${e.index} (term ${e.term}) before it is committed (canonical commit ${this.canonCommit()})`);
    }
    if (term !== e.term || this.canonHash[e.index] !== entryHash(e)) {
      violated('state-machine-safety', `n${node} applies index ${e.index} term ${e.term}, the committed entry there has term ${term}`);
    }
  }

  /** ...and the state it reaches is the canonical state at that index. */
  onApplied(node: NodeId, index: number, digest: number): void {
    if (this.canonDigest[index] !== digest) {
      violated('state-machine-safety', `n${node}'s state after index ${index} differs from the canonical state`);
    }
  }

  /** Every node that applies the conf change at `index` reaches the same configuration. */
  onConfApplied(node: NodeId, index: number, cs: ConfState): void {
    const known = this.confAt.get(index);
    if (known === undefined) {
      this.confAt.set(index, cs);
      return;
    }
    const same = (a: readonly NodeId[], b: readonly NodeId[]) => a.length === b.length && a.every((x) => b.includes(x));
    if (!same(known.voters, cs.voters) || !same(known.votersOutgoing, cs.votersOutgoing) || !same(known.learners, cs.learners) || !same(known.learnersNext, cs.learnersNext)) {
      violated('state-machine-safety', `n${node} reaches a different configuration at index ${index} than other nodes did`);
    }
  }

  configurationAt(index: number): ConfState | undefined {
    return this.confAt.get(index);
  }

  /** A snapshot a node installs must be a committed prefix of the canonical state. */
  onSnapshotApplied(node: NodeId, snap: Snapshot, digest: number): void {
    this.counts.snapshotsChecked++;
    const { index, term } = snap.metadata;
    const canon = this.canonTerm[index];
    if (canon === undefined) {
      violated('state-machine-safety', `n${node} installs a snapshot at index ${index} beyond the canonical commit ${this.canonCommit()}`);
    }
    if (canon !== term) {
      violated('state-machine-safety', `n${node} installs a snapshot at index ${index} term ${term}, canonical term is ${canon}`);
    }
    if (this.canonDigest[index] !== digest) {
      violated('state-machine-safety', `n${node} installs a snapshot at index ${index} whose state differs from the canonical state`);
    }
  }

  /**
   * Durability before communication: a message may only vouch for what is already in the
   * sender's durable image — its term, its vote (a grant, or a candidate's own vote) and the
   * entries an append ack claims. `early` is set for a message sent before its Ready was persisted
   * (with the sender's role then): only a leader's appends, heartbeats and snapshots may be — and
   * even they must carry a durable term. (Pre-votes vouch for nothing, early or not.)
   */
  onSend(node: NodeId, m: Message, disk: SimDisk, termAt: TermLookup, early?: { role: StateType }): void {
    this.counts.messagesChecked++;
    if (m.type === MessageType.MsgPreVote || m.type === MessageType.MsgPreVoteResp) return;
    const hs = disk.durableRaft().hardState;
    if (m.term > hs.term) {
      violated('durability-before-send', `n${node} sends ${MessageType[m.type]} of term ${m.term} to n${m.to} while its durable term is ${hs.term}`);
    }
    // A durable later term also backs a vote: the node can never vote in the earlier term again.
    if (m.type === MessageType.MsgVoteResp && !m.reject && hs.term === m.term && hs.vote !== m.to) {
      violated(
        'durability-before-send',
        `n${node} grants its term-${m.term} vote to n${m.to} but its durable hard state is term ${hs.term} vote n${hs.vote}`,
      );
    }
    if (m.type === MessageType.MsgVote && hs.term === m.term && hs.vote !== node) {
      violated('durability-before-send', `n${node} asks for votes in term ${m.term} before its own vote is durable (durable term ${hs.term} vote n${hs.vote})`);
    }
    if (m.type === MessageType.MsgAppResp && !m.reject) {
      const snapIndex = disk.durableRaft().snapshot.metadata.index;
      if (m.index > snapIndex && disk.durableTerm(m.index) !== termAt(m.index)) {
        violated(
          'durability-before-send',
          `n${node} acks index ${m.index} to n${m.to} but its durable log ends at ${disk.durableLastIndex()} (durable term there ${disk.durableTerm(m.index)}, in memory ${termAt(m.index)})`,
        );
      }
    }
    this.checkEarly(node, m, early);
  }

  private checkEarly(node: NodeId, m: Message, early: { role: StateType } | undefined): void {
    if (early === undefined || (early.role === StateType.Leader && LEADER_EARLY_MESSAGE_TYPES.has(m.type))) return;
    violated('durability-before-send', `n${node} (${StateType[early.role]}) sends ${MessageType[m.type]} to n${m.to} before its Ready is persisted`);
  }

  /** A term never goes back, and a vote cast in a term is never changed. */
  onHardState(node: NodeId, before: HardState, after: HardState): void {
    if (after.term < before.term) {
      violated('hard-state-monotonic', `n${node} persists term ${after.term} after term ${before.term}`);
    }
    if (after.term === before.term && before.vote !== 0n && after.vote !== before.vote) {
      violated('hard-state-monotonic', `n${node} changes its term-${after.term} vote from n${before.vote} to n${after.vote}`);
    }
    if (after.commit < before.commit) {
      violated('hard-state-monotonic', `n${node} persists commit ${after.commit} after commit ${before.commit}`);
    }
  }

  onWriteAcked(opId: number, index: number): void {
    this.counts.writesAcked++;
    const prev = this.ackedWrites.get(opId);
    if (prev !== undefined && prev !== index) {
      violated('committed-entry-lost', `put #${opId} acknowledged at index ${index} after being acknowledged at index ${prev}`);
    }
    this.ackedWrites.set(opId, index);
    if (index > this.maxAckedWriteIndex) this.maxAckedWriteIndex = index;
  }

  /**
   * A linearizable read: its read index covers every write acknowledged before it was invoked,
   * and the value it returns is the canonical value at the index it was served at.
   */
  onReadServed(node: NodeId, read: { id: number; key: number; mustSee: number }, readIndex: number, servedAt: number, value: number | undefined): void {
    this.counts.readsChecked++;
    if (readIndex < read.mustSee) {
      violated(
        'read-linearizable',
        `read #${read.id} on n${node} got read index ${readIndex}, but a write at index ${read.mustSee} was acknowledged before the read began`,
      );
    }
    if (servedAt > this.canonCommit()) {
      violated('read-linearizable', `read #${read.id} on n${node} served at index ${servedAt} beyond the commit ${this.canonCommit()}`);
    }
    const expected = this.valueAt(read.key, servedAt);
    if (expected !== value) {
      violated('read-linearizable', `read #${read.id} of key ${read.key} on n${node} at index ${servedAt} returned #${value}, canonical value is #${expected}`);
    }
  }

  private valueAt(key: number, index: number): number | undefined {
    const list = this.keyHistory.get(key);
    if (list === undefined) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.index <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : list[lo - 1]!.opId;
  }

  canonicalDigest(index: number): number | undefined {
    return this.canonDigest[index];
  }
}

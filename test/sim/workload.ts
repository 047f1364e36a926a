/**
 * The clients and the operator. Clients issue puts and linearizable reads (ReadIndex, on the leader
 * or any member) one at a time and retry on timeout — a put under the same operation id, which the
 * state machine applies at most once — so after healing every operation must finish. The operator
 * changes membership (add learner, promote, demote, remove, replace through a joint config, add a
 * voter) and transfers leadership, one request at a time.
 */
import { ProposalDroppedError } from '../../src/raft/index.js';
import type { ConfChangeSingle, ConfChangeV2, NodeId, ReadState } from '../../src/raft/types.js';
import { ConfChangeTransition, ConfChangeType } from '../../src/raft/types.js';
import { Choices } from './choices.js';
import type { Ghost } from './ghost.js';
import { encodePut } from './kv.js';
import { conf, membersOf, type SimNode } from './node.js';
import type { WorldConfig } from './options.js';
import type { Trace } from './trace.js';

/** What the workload needs from the world. */
export interface WorkloadWorld {
  readonly cfg: WorldConfig;
  readonly ghost: Ghost;
  readonly trace: Trace;
  now(): number;
  after(delay: number, run: () => void): void;
  inFaultPhase(): boolean;
  upNodes(): SimNode[];
  currentLeader(): SimNode | undefined;
  scheduleReady(node: SimNode): void;
  /** Creates and boots a node that joins with an empty disk. */
  startJoiner(id: NodeId): SimNode;
  discardJoiner(node: SimNode): void;
  nextNodeId(): NodeId;
  /** Has any node applied a conf change removing this id? */
  everRemoved(id: NodeId): boolean;
}

interface ClientOp {
  id: number;
  kind: 'put' | 'read';
  client: number;
  key: number;
  done: boolean;
  attempts: number;
  current?: Attempt;
}

interface Attempt {
  op: ClientOp;
  node: SimNode;
  incarnation: number;
  ctx: string;
  /** Index of the latest write acknowledged before this attempt began. */
  mustSee: number;
  readIndex?: number;
}

export interface WorkloadStats {
  putsIssued: number;
  readsIssued: number;
  attempts: number;
  proposalsDropped: number;
  confChangesProposed: number;
  confChangesApplied: number;
  transfers: number;
}

export class Workload {
  private nextOpId = 1;
  private nextAttempt = 1;
  private readonly pendingPuts = new Map<NodeId, Map<number, Attempt>>();
  private readonly pendingReads = new Map<NodeId, Map<string, Attempt>>();
  private readonly open = new Set<ClientOp>();
  private adminPending: string | undefined;
  /**
   * Members named by an admin change whose outcome is unknown (it timed out, and may still apply):
   * a careful operator leaves them alone, or a stale view could bring back a member being removed.
   */
  private readonly inDoubt = new Set<NodeId>();
  private readonly pendingTargets = new Map<string, NodeId[]>();
  private adminSeq = 0;
  readonly stats: WorkloadStats = { putsIssued: 0, readsIssued: 0, attempts: 0, proposalsDropped: 0, confChangesProposed: 0, confChangesApplied: 0, transfers: 0 };

  constructor(
    private readonly w: WorkloadWorld,
    private readonly c: Choices,
  ) {}

  private get clientTimeout(): number {
    return 3 * this.w.cfg.electionTick * this.w.cfg.tickInterval;
  }

  start(): void {
    for (let client = 0; client < this.w.cfg.clients; client++) this.scheduleNext(client);
    if (this.w.cfg.adminEvery > 0) this.scheduleAdmin();
  }

  /** Operations finished so far (a measure of progress). */
  finishedOps(): number {
    return this.nextOpId - 1 - this.open.size;
  }

  pendingOps(): number {
    return this.open.size;
  }

  describePending(): string {
    return [...this.open]
      .slice(0, 5)
      .map((op) => `${op.kind} #${op.id} (${op.attempts} attempts${op.current ? `, now on n${op.current.node.id}` : ''})`)
      .join(', ');
  }

  private scheduleNext(client: number): void {
    this.w.after(1 + this.c.exponential(this.w.cfg.thinkTime), () => {
      if (!this.w.inFaultPhase()) return;
      const kind = this.c.chance(this.w.cfg.readRatio) ? 'read' : 'put';
      const op: ClientOp = { id: this.nextOpId++, kind, client, key: this.c.range(0, this.w.cfg.keys - 1), done: false, attempts: 0 };
      if (kind === 'put') this.stats.putsIssued++;
      else this.stats.readsIssued++;
      this.open.add(op);
      this.attempt(op);
    });
  }

  private pickNode(): SimNode | undefined {
    const leader = this.w.currentLeader();
    if (leader !== undefined && this.c.chance(this.w.cfg.leaderBias)) return leader;
    const up = this.w.upNodes().filter((n) => !n.knowsRemoved);
    return up.length === 0 ? undefined : this.c.pick(up);
  }

  private attempt(op: ClientOp): void {
    if (op.done) return;
    const node = this.pickNode();
    if (node === undefined) return this.retryLater(op, this.w.cfg.tickInterval * 2);
    op.attempts++;
    this.stats.attempts++;
    const a: Attempt = { op, node, incarnation: node.incarnation, ctx: `r${this.nextAttempt++}`, mustSee: this.w.ghost.maxAckedWriteIndex };
    op.current = a;
    const w = this.w;
    if (op.kind === 'put') {
      const already = node.kv.appliedAt(op.id);
      if (already !== undefined) return this.finishPut(a, already);
      w.trace.line(w.now(), () => `client${op.client} put #${op.id} k${op.key} via n${node.id} (attempt ${op.attempts})`);
      if (!this.tryCore(a, () => node.raw.propose(encodePut({ opId: op.id, key: op.key }, this.c.range(0, w.cfg.maxPadding))))) return;
      mapFor(this.pendingPuts, node.id).set(op.id, a);
    } else {
      w.trace.line(w.now(), () => `client${op.client} read #${op.id} k${op.key} via n${node.id} ctx=${a.ctx} mustSee=${a.mustSee}`);
      if (!this.tryCore(a, () => node.raw.readIndex(new TextEncoder().encode(a.ctx)))) return;
      mapFor(this.pendingReads, node.id).set(a.ctx, a);
    }
    w.scheduleReady(node);
    w.after(this.clientTimeout, () => {
      if (op.current !== a || op.done) return;
      this.forget(a);
      w.trace.line(w.now(), () => `client${op.client} ${op.kind} #${op.id} timed out on n${node.id}`);
      this.attempt(op);
    });
  }

  /** Runs a proposal; a typed drop is an expected outcome: retry soon, elsewhere. */
  private tryCore(a: Attempt, call: () => void): boolean {
    try {
      call();
      return true;
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      this.stats.proposalsDropped++;
      this.w.trace.line(this.w.now(), () => `  dropped: ${err.reason}`);
      this.retryLater(a.op, this.w.cfg.tickInterval * 2);
      return false;
    }
  }

  private retryLater(op: ClientOp, delay: number): void {
    op.current = undefined;
    this.w.after(delay, () => this.attempt(op));
  }

  private forget(a: Attempt): void {
    this.pendingPuts.get(a.node.id)?.delete(a.op.id);
    this.pendingReads.get(a.node.id)?.delete(a.ctx);
  }

  private finish(op: ClientOp): void {
    op.done = true;
    op.current = undefined;
    this.open.delete(op);
    this.scheduleNext(op.client);
  }

  private finishPut(a: Attempt, index: number): void {
    this.forget(a);
    this.w.ghost.onWriteAcked(a.op.id, index);
    this.w.trace.line(this.w.now(), () => `client${a.op.client} put #${a.op.id} acked at i${index} by n${a.node.id}`);
    this.finish(a.op);
  }

  /** A node applied a put: the client waiting on that node for it gets its answer. */
  onPutApplied(node: SimNode, opId: number): void {
    const a = this.pendingPuts.get(node.id)?.get(opId);
    if (a === undefined || a.incarnation !== node.incarnation) return;
    this.finishPut(a, node.kv.appliedAt(opId)!);
  }

  onReadStates(node: SimNode, states: readonly ReadState[]): void {
    const pending = this.pendingReads.get(node.id);
    for (const rs of states) {
      const ctx = new TextDecoder().decode(rs.requestCtx);
      const a = pending?.get(ctx);
      if (a === undefined || a.incarnation !== node.incarnation || a.readIndex !== undefined) continue;
      a.readIndex = rs.index;
      this.w.trace.line(this.w.now(), () => `n${node.id} read index ${rs.index} for ${ctx}`);
    }
  }

  /** Serves every read on `node` whose read index the node has applied. */
  serveReads(node: SimNode): void {
    const pending = this.pendingReads.get(node.id);
    if (pending === undefined || pending.size === 0) return;
    for (const a of [...pending.values()]) {
      if (a.readIndex === undefined || a.readIndex > node.kv.applied || a.incarnation !== node.incarnation) continue;
      const value = node.kv.get(a.op.key);
      this.w.ghost.onReadServed(node.id, { id: a.op.id, key: a.op.key, mustSee: a.mustSee }, a.readIndex, node.kv.applied, value);
      this.w.trace.line(this.w.now(), () => `client${a.op.client} read #${a.op.id} k${a.op.key} = #${value} at i${node.kv.applied} (read index ${a.readIndex}) on n${node.id}`);
      this.forget(a);
      this.finish(a.op);
    }
  }

  /** A crashed node loses its pending requests; their clients time out and retry. */
  onCrash(node: SimNode): void {
    this.pendingPuts.delete(node.id);
    this.pendingReads.delete(node.id);
  }

  // ---- the operator ----

  private scheduleAdmin(): void {
    this.w.after(1 + this.c.exponential(this.w.cfg.adminEvery), () => {
      if (!this.w.inFaultPhase()) return;
      if (this.adminPending === undefined) this.adminAction();
      this.scheduleAdmin();
    });
  }

  onConfChangeApplied(cc: ConfChangeV2): void {
    const tag = new TextDecoder().decode(cc.context);
    if (tag !== '' && tag === this.adminPending) {
      this.adminPending = undefined;
      this.stats.confChangesApplied++;
    }
    const targets = this.pendingTargets.get(tag);
    if (targets !== undefined) {
      this.pendingTargets.delete(tag);
      for (const id of targets) this.inDoubt.delete(id);
    }
  }

  private adminAction(): void {
    const w = this.w;
    const leader = w.currentLeader();
    if (leader === undefined) return;
    const cs = leader.confState;
    if (cs.votersOutgoing.length > 0) return;
    // The leader's applied config may lag a removal another node already applied: a removed id is
    // never used again (etcd refuses to re-add a removed member).
    const usable = (id: NodeId) => !w.everRemoved(id) && !this.inDoubt.has(id);
    const voters = cs.voters.filter(usable);
    if (this.c.chance(w.cfg.transferRatio)) {
      const targets = voters.filter((v) => v !== leader.id);
      if (targets.length === 0) return;
      const to = this.c.pick(targets);
      this.stats.transfers++;
      w.trace.line(w.now(), () => `operator: transfer leadership n${leader.id} -> n${to}`);
      leader.raw.transferLeader(to);
      w.scheduleReady(leader);
      return;
    }
    const learners = cs.learners.filter(usable);
    const members = membersOf(cs).size;
    type Plan = { what: string; changes: (joiner: NodeId) => ConfChangeSingle[]; joins: boolean };
    const plans: Plan[] = [];
    const single = (type: ConfChangeType, nodeId: NodeId): ConfChangeSingle => ({ type, nodeId });
    if (members < 7) {
      plans.push({ what: 'add learner', joins: true, changes: (j) => [single(ConfChangeType.AddLearnerNode, j)] });
      if (voters.length < 5) plans.push({ what: 'add voter', joins: true, changes: (j) => [single(ConfChangeType.AddNode, j)] });
      if (voters.length >= 1) {
        const out = this.c.pick(voters);
        plans.push({ what: `replace n${out}`, joins: true, changes: (j) => [single(ConfChangeType.RemoveNode, out), single(ConfChangeType.AddNode, j)] });
      }
    }
    if (learners.length > 0 && voters.length < 5) {
      const l = this.c.pick(learners);
      plans.push({ what: 'promote', joins: false, changes: () => [single(ConfChangeType.AddNode, l)] });
    }
    if (learners.length > 0) {
      const l = this.c.pick(learners);
      plans.push({ what: 'remove learner', joins: false, changes: () => [single(ConfChangeType.RemoveNode, l)] });
    }
    if (voters.length >= 2) {
      const v = this.c.pick(voters);
      plans.push({ what: 'remove voter', joins: false, changes: () => [single(ConfChangeType.RemoveNode, v)] });
      const d = this.c.pick(voters);
      plans.push({ what: 'demote', joins: false, changes: () => [single(ConfChangeType.AddLearnerNode, d)] });
    }
    const plan = this.c.pick(plans);
    const proposer = this.c.chance(0.8) ? leader : this.c.pick(w.upNodes());
    const tag = `admin#${++this.adminSeq}`;
    const joinerId = plan.joins ? w.nextNodeId() : 0n;
    const changes = plan.changes(joinerId);
    const cc: ConfChangeV2 = {
      transition: changes.length > 1 && this.c.chance(0.5) ? ConfChangeTransition.JointImplicit : ConfChangeTransition.Auto,
      changes,
      context: new TextEncoder().encode(tag),
    };
    this.stats.confChangesProposed++;
    w.trace.line(w.now(), () => `operator: ${plan.what} ${changes.map((ch) => `${ConfChangeType[ch.type]} n${ch.nodeId}`).join(' + ')} via n${proposer.id} (${tag}, config ${conf(cs)})`);
    // The joining member is started first, as an operator starts `etcd` after `member add`.
    const joiner = plan.joins ? w.startJoiner(joinerId) : undefined;
    try {
      proposer.raw.proposeConfChange(cc);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      this.stats.proposalsDropped++;
      w.trace.line(w.now(), () => `  dropped: ${err.reason}`);
      if (joiner !== undefined) w.discardJoiner(joiner);
      return;
    }
    w.scheduleReady(proposer);
    this.adminPending = tag;
    const targets = changes.map((ch) => ch.nodeId);
    this.pendingTargets.set(tag, targets);
    for (const id of targets) this.inDoubt.add(id);
    w.after(10 * w.cfg.electionTick * w.cfg.tickInterval, () => {
      if (this.adminPending === tag) this.adminPending = undefined;
    });
  }
}

function mapFor<K, V>(m: Map<NodeId, Map<K, V>>, id: NodeId): Map<K, V> {
  let inner = m.get(id);
  if (inner === undefined) m.set(id, (inner = new Map()));
  return inner;
}

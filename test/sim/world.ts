/**
 * One seeded world: the cluster, the network, the clocks, the faults and the workload, run on the
 * discrete-event scheduler. A run has two phases: faults (crashes at any step of the host loop,
 * partitions, loss, duplication, reordering, membership churn, transfers, compaction) with every
 * checker after every step; then healing (faults off, crashed nodes restarted, no new operations)
 * with a tick budget to converge — the liveness check.
 */
import { AssertionFailure } from '../../src/base/assert.js';
import { SeededRand } from '../../src/base/rand.js';
import type { ConfChangeV2, ConfState, Message, NodeId, ReadState } from '../../src/raft/types.js';
import { MessageType, StateType } from '../../src/raft/types.js';
import { Choices } from './choices.js';
import { Ghost, Violation, violated, type InvariantName } from './ghost.js';
import { copyMessage, PARTITION_KINDS, SimNetwork, type PartitionKind } from './network.js';
import { conf, CRASH_POINTS, membersOf, SimNode, type CrashPoint, type NodeHost, type ServerLoopStats } from './node.js';
import { describeConfig, drawConfig, type DriverBugs, type HostLoop, type RunOptions, type WorldConfig } from './options.js';
import { Scheduler } from './scheduler.js';
import { Trace } from './trace.js';
import { Workload, type WorkloadStats, type WorkloadWorld } from './workload.js';
import { describeMessage } from './describe.js';

export interface FaultStats {
  crashes: Record<CrashPoint, number>;
  restarts: number;
  partitions: Record<PartitionKind, number>;
  messagesSent: number;
  messagesDropped: number;
  messagesDuplicated: number;
  messagesBlocked: number;
  fromRemovedRefused: number;
}

export interface RunStats {
  /** 1 for the host loop this run used (summed into a count per loop). */
  hostLoops: Record<HostLoop, number>;
  serverLoop: ServerLoopStats;
  faults: FaultStats;
  workload: WorkloadStats;
  checks: Ghost['counts'];
  snapshotsSent: number;
  events: number;
  virtualMs: number;
  /** Virtual ms from healing to convergence. */
  convergedAfter: number;
}

export interface RunResult {
  seed: number;
  ok: boolean;
  failure?: { invariant: InvariantName | 'exception'; message: string };
  config: WorldConfig;
  stats: RunStats;
  traceHash: string;
  /** The last trace lines (empty unless the trace was on). */
  traceTail: string[];
}

type Phase = 'faults' | 'healing' | 'done';

/** A failure that must stop the run at once, whatever is on the stack. */
const MAX_EVENTS = 3_000_000;

export class World implements NodeHost, WorkloadWorld {
  readonly ghost = new Ghost();
  readonly cfg: WorldConfig;
  readonly bugs: DriverBugs;
  readonly nodes = new Map<NodeId, SimNode>();
  private readonly sched = new Scheduler<() => void>();
  private readonly network: SimNetwork;
  private readonly nodeStreams: Choices;
  private readonly faultChoices: Choices;
  private readonly timingChoices: Choices;
  private readonly workload: Workload;
  private readonly tickIntervals = new Map<NodeId, number>();
  private phase: Phase = 'faults';
  private idCounter = 0n;
  private healedAt = 0;
  private convergedAt = -1;
  private snapshotsSent = 0;
  private events = 0;
  readonly serverLoop: ServerLoopStats = { earlyMessages: 0, earlyApplied: 0, commitOnlySkipped: 0 };
  readonly faults: FaultStats = {
    crashes: { 'before-persist': 0, 'after-early-send': 0, 'mid-early-apply': 0, 'after-persist': 0, 'after-send': 0, 'mid-apply': 0 },
    restarts: 0,
    partitions: { symmetric: 0, 'one-way': 0, 'isolate-leader': 0, bridge: 0 },
    messagesSent: 0,
    messagesDropped: 0,
    messagesDuplicated: 0,
    messagesBlocked: 0,
    fromRemovedRefused: 0,
  };

  constructor(
    readonly opts: RunOptions,
    readonly trace: Trace,
  ) {
    // Streams are forked in a fixed order so each component's draws are independent of the others'.
    const root = new Choices(new SeededRand(opts.seed));
    this.cfg = drawConfig(root.fork('config'), opts);
    this.network = new SimNetwork(root.fork('network'), this.cfg.network);
    this.nodeStreams = root.fork('nodes');
    this.faultChoices = root.fork('faults');
    this.timingChoices = root.fork('timing');
    this.workload = new Workload(this, root.fork('workload'));
    this.bugs = opts.driverBugs ?? {};
  }

  // ---- NodeHost / WorkloadWorld ----

  now(): number {
    return this.sched.now();
  }

  after(delay: number, run: () => void): void {
    this.sched.after(delay, run);
  }

  inFaultPhase(): boolean {
    return this.phase === 'faults';
  }

  upNodes(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.isUp()) out.push(n);
    return out;
  }

  /** The up node leading the highest term, if any. */
  currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.isUp() && n.role === StateType.Leader && (best === undefined || n.term > best.term)) best = n;
    }
    return best;
  }

  nextNodeId(): NodeId {
    return ++this.idCounter;
  }

  startJoiner(id: NodeId): SimNode {
    const node = this.addNode(id);
    this.boot(node);
    return node;
  }

  everRemoved(id: NodeId): boolean {
    for (const n of this.nodes.values()) if (n.removed.has(id)) return true;
    return false;
  }

  discardJoiner(node: SimNode): void {
    node.state = 'stopped';
    this.nodes.delete(node.id);
  }

  scheduleReady(node: SimNode): void {
    if (node.readyScheduled || !node.isUp()) return;
    node.readyScheduled = true;
    const incarnation = node.incarnation;
    const delay = this.cfg.maxReadyDelay === 0 ? 0 : this.timingChoices.range(0, this.cfg.maxReadyDelay);
    this.sched.after(delay, () => {
      if (node.incarnation !== incarnation || !node.isUp()) return;
      node.readyScheduled = false;
      node.runHostLoop();
    });
  }

  send(from: SimNode, m: Message): void {
    const delays = this.network.plan(from.id, m.to);
    if (m.type === MessageType.MsgSnap) this.snapshotsSent++;
    if (delays.length === 0) {
      this.trace.line(this.now(), () => `  lost ${MessageType[m.type]} n${m.from}->n${m.to}`);
      this.reportFailure(from, m);
      return;
    }
    for (let i = 0; i < delays.length; i++) {
      const copy = copyMessage(m);
      const first = i === 0;
      this.sched.after(delays[i]!, () => this.deliver(from, from.incarnation, copy, first));
    }
  }

  /** The transport tells the sender when it knows a message did not arrive (a broken stream). */
  private reportFailure(from: SimNode, m: Message): void {
    const snapshot = m.type === MessageType.MsgSnap;
    if (!snapshot && !this.faultChoices.chance(0.5)) return;
    const incarnation = from.incarnation;
    this.sched.after(1, () => {
      if (from.incarnation !== incarnation || !from.isUp()) return;
      if (snapshot) from.raw.reportSnapshot(m.to, false);
      else from.raw.reportUnreachable(m.to);
      this.scheduleReady(from);
    });
  }

  private deliver(from: SimNode, fromIncarnation: number, m: Message, first: boolean): void {
    const to = this.nodes.get(m.to);
    const reachable = to !== undefined && to.isUp() && !this.network.isBlocked(m.from, m.to);
    if (!reachable) {
      this.trace.line(this.now(), () => `  undeliverable ${MessageType[m.type]} n${m.from}->n${m.to}`);
      if (first && from.incarnation === fromIncarnation) this.reportFailure(from, m);
      return;
    }
    if (to.removed.has(m.from)) {
      this.faults.fromRemovedRefused++;
      return;
    }
    this.trace.line(this.now(), () => `n${to.id} recv ${describeMessage(m)}`);
    this.callCore(to, () => to.raw.step(m));
    this.scheduleReady(to);
    if (m.type === MessageType.MsgSnap && first && from.incarnation === fromIncarnation && from.isUp()) {
      this.sched.after(1, () => {
        if (from.incarnation !== fromIncarnation || !from.isUp()) return;
        from.raw.reportSnapshot(m.to, true);
        this.scheduleReady(from);
      });
    }
  }

  /** Any exception from the core is a failure of the seed (the core has no expected step errors). */
  private callCore(node: SimNode, call: () => void): void {
    try {
      call();
    } catch (err) {
      if (err instanceof Violation) throw err;
      const what = err instanceof AssertionFailure ? 'assertion failed' : 'threw';
      violated('core-error', `n${node.id} ${what}: ${(err as Error).stack ?? String(err)}`);
    }
  }

  onPutApplied(node: SimNode, opId: number): void {
    this.workload.onPutApplied(node, opId);
  }

  onConfChangeApplied(_node: SimNode, cc: ConfChangeV2, _cs: ConfState): void {
    this.workload.onConfChangeApplied(cc);
  }

  onReadStates(node: SimNode, states: readonly ReadState[]): void {
    this.workload.onReadStates(node, states);
  }

  /**
   * Commit safety (Figure 8 of the Raft paper, checked where it happens): once an index is
   * committed, no node whose durable log lacks it may be electable — at least as up to date as a
   * majority of the voters of its own configuration (of both halves when joint). Correct Raft keeps
   * this true at every instant (the committing quorum outranks any such node, and configurations
   * change one overlapping step at a time), so a node that could still win means the entry can be
   * overwritten, before anything is actually lost.
   */
  onNewlyCommitted(committer: SimNode): void {
    const index = this.ghost.canonCommit();
    const term = this.ghost.canonicalTerm(index)!;
    for (const v of this.nodes.values()) {
      if (holds(v, index, term)) continue;
      const cs = v.campaignConfState();
      if (cs === undefined || !isVoter(cs, v.id)) continue;
      const mine = lastEntry(v);
      const grants = (w: NodeId): boolean => {
        const n = this.nodes.get(w);
        return n !== undefined && !upToDateBeyond(lastEntry(n), mine);
      };
      const wins = (voters: readonly NodeId[]) => voters.length === 0 || voters.filter(grants).length * 2 > voters.length;
      if (wins(cs.voters) && wins(cs.votersOutgoing)) {
        violated(
          'commit-safety',
          `n${committer.id} committed index ${index} (term ${term}), but n${v.id}, whose log lacks it (last entry ${mine.index}/${mine.term}), can still win an election in ${conf(cs)}`,
        );
      }
    }
  }

  /**
   * A new leader that dies before its first entry spreads leaves a log whose last term outranks
   * older tails — the raw material of Figure 8 of the Raft paper. The crash is taken in this very
   * iteration of the host loop (before or after persisting, or after sending).
   */
  onBecameLeader(node: SimNode): void {
    if (this.phase !== 'faults' || node.armedCrash !== undefined || !this.faultChoices.chance(this.cfg.newLeaderCrashRate)) return;
    // Before applying anything: the points where a new leader's first entries are not yet spread.
    const points = this.cfg.hostLoop === 'server' ? (['before-persist', 'after-early-send', 'after-persist', 'after-send'] as const) : (['before-persist', 'after-persist', 'after-send'] as const);
    node.armedCrash = this.faultChoices.pick(points);
    this.trace.line(this.now(), () => `fault: new leader n${node.id} will crash ${node.armedCrash}`);
  }

  afterApply(node: SimNode): void {
    this.workload.serveReads(node);
  }

  onCrash(node: SimNode, point: CrashPoint): void {
    this.faults.crashes[point]++;
    this.trace.line(this.now(), () => `n${node.id} CRASH ${point}`);
    this.workload.onCrash(node);
    const downFor = this.phase === 'faults' ? this.cfg.tickInterval + this.faultChoices.exponential(this.cfg.downtime) : 0;
    this.sched.after(downFor, () => {
      if (node.state === 'down' && this.nodes.get(node.id) === node) this.restart(node);
    });
  }

  onRemovedSelf(node: SimNode): void {
    this.trace.line(this.now(), () => `n${node.id} applied its own removal: stops serving clients`);
    this.workload.onCrash(node);
  }

  // ---- setup and lifecycle ----

  private addNode(id: NodeId): SimNode {
    const node = new SimNode(id, this, this.nodeStreams);
    this.nodes.set(id, node);
    // Clocks run at slightly different rates: ticks come every interval ± 10%.
    const base = this.cfg.tickInterval;
    this.tickIntervals.set(id, base + this.timingChoices.range(-Math.floor(base / 10), Math.floor(base / 10)));
    return node;
  }

  private boot(node: SimNode): void {
    this.callCore(node, () => node.boot());
    const incarnation = node.incarnation;
    const interval = this.tickIntervals.get(node.id)!;
    const tick = (): void => {
      if (node.incarnation !== incarnation || !node.isUp()) return;
      this.callCore(node, () => node.raw.tick());
      this.scheduleReady(node);
      this.sched.after(interval, tick);
    };
    this.sched.after(1 + this.timingChoices.range(0, interval - 1), tick);
    this.scheduleReady(node);
  }

  private restart(node: SimNode): void {
    this.faults.restarts++;
    this.boot(node);
  }

  private setup(): void {
    const voters: NodeId[] = [];
    const learners: NodeId[] = [];
    for (let i = 0; i < this.cfg.voters; i++) voters.push(this.nextNodeId());
    for (let i = 0; i < this.cfg.learners; i++) learners.push(this.nextNodeId());
    this.ghost.bootstrap();
    for (const id of [...voters, ...learners]) {
      const node = this.addNode(id);
      node.bootstrapDisk(voters, learners);
      this.boot(node);
    }
    this.workload.start();
    this.scheduleCrash();
    this.schedulePartition();
    this.sched.at(this.opts.faultTicks * this.cfg.tickInterval, () => this.heal());
  }

  // ---- faults ----

  private scheduleCrash(): void {
    if (this.cfg.crashEvery === 0) return;
    this.sched.after(1 + this.faultChoices.exponential(this.cfg.crashEvery), () => {
      if (this.phase !== 'faults') return;
      const up = this.upNodes();
      if (up.length > 0) {
        const leader = this.currentLeader();
        const victim = leader !== undefined && this.faultChoices.chance(this.cfg.leaderCrashBias) ? leader : this.faultChoices.pick(up);
        const point = this.faultChoices.pick(CRASH_POINTS[this.cfg.hostLoop]);
        victim.armedCrash = point;
        this.trace.line(this.now(), () => `fault: n${victim.id} will crash ${point}`);
        // Make sure a host-loop iteration comes soon, even on an idle node.
        this.scheduleReady(victim);
      }
      this.scheduleCrash();
    });
  }

  private schedulePartition(): void {
    const kinds = this.cfg.partitionKinds;
    if (this.cfg.partitionEvery === 0 || kinds.length === 0) return;
    this.sched.after(1 + this.faultChoices.exponential(this.cfg.partitionEvery), () => {
      if (this.phase !== 'faults') return;
      const kind = this.faultChoices.pick(kinds);
      const ids = [...this.nodes.values()].filter((n) => n.state !== 'stopped').map((n) => n.id);
      if (ids.length >= 2) {
        const desc = this.network.partition(kind, ids, this.currentLeader()?.id);
        this.faults.partitions[kind]++;
        this.trace.line(this.now(), () => `fault: partition ${desc}`);
      }
      this.sched.after(1 + this.faultChoices.exponential(this.cfg.partitionLength), () => {
        if (this.phase !== 'faults') return;
        this.network.heal();
        this.trace.line(this.now(), () => 'fault: partition healed');
        this.schedulePartition();
      });
    });
  }

  /** End of the fault phase: perfect network, everyone restarted, no new operations. */
  private heal(): void {
    this.phase = 'healing';
    this.healedAt = this.now();
    this.network.makeReliable();
    this.trace.line(this.now(), () => 'HEAL: faults off, crashed nodes restart, clients finish what they started');
    for (const node of this.nodes.values()) {
      node.armedCrash = undefined;
      if (node.state === 'down') this.restart(node);
    }
    // Convergence may be slow but must keep moving: fail after the budget without progress (a
    // laggard applying, an operation finishing), or after ten budgets in all.
    const budget = this.opts.livenessTicks * this.cfg.tickInterval;
    const hardDeadline = this.now() + 10 * budget;
    let lastProgress = this.now();
    let progressMark = this.progressMark();
    const check = (): void => {
      const problem = this.convergenceProblem();
      if (problem === undefined) {
        this.convergedAt = this.now();
        this.phase = 'done';
        this.trace.line(this.now(), () => `converged ${this.now() - this.healedAt}ms after healing`);
        return;
      }
      const mark = this.progressMark();
      if (mark > progressMark) {
        progressMark = mark;
        lastProgress = this.now();
      }
      if (this.now() - lastProgress >= budget || this.now() >= hardDeadline) {
        violated(
          'liveness',
          `not converged ${this.now() - this.healedAt}ms after healing (${this.now() - lastProgress}ms without progress, budget ${this.opts.livenessTicks} ticks): ${problem}`,
        );
      }
      this.sched.after(this.cfg.tickInterval, check);
    };
    this.sched.after(this.cfg.tickInterval, check);
  }

  /** Grows whenever the healed cluster gets closer: the slowest member applies more, an operation finishes. */
  private progressMark(): number {
    const leader = this.currentLeader();
    let slowest = 0;
    if (leader !== undefined) {
      slowest = Number.MAX_SAFE_INTEGER;
      for (const id of membersOf(leader.confState)) slowest = Math.min(slowest, this.nodes.get(id)?.kv.applied ?? 0);
    }
    return slowest + this.workload.finishedOps();
  }

  /** Why the healed cluster has not converged yet; undefined once it has. */
  private convergenceProblem(): string | undefined {
    const leader = this.currentLeader();
    if (leader === undefined) return 'no leader';
    const cs = leader.confState;
    if (cs.votersOutgoing.length > 0) return `leader n${leader.id} is still in a joint config ${conf(cs)}`;
    if (this.workload.pendingOps() > 0) return `operations still pending: ${this.workload.describePending()}`;
    const commit = leader.checkedCommit;
    if (leader.storage.lastIndex() > commit) return `leader n${leader.id} has uncommitted entries up to ${leader.storage.lastIndex()} (commit ${commit})`;
    for (const id of membersOf(cs)) {
      const n = this.nodes.get(id);
      if (n === undefined || !n.isUp()) return `member n${id} is not running`;
      if (n.lead !== leader.id) return `member n${id} follows n${n.lead}, not leader n${leader.id}`;
      if (n.kv.applied !== commit) return `member n${id} applied ${n.kv.applied}, leader n${leader.id} committed ${commit}`;
      if (n.kv.digest() !== leader.kv.digest()) return `member n${id}'s state differs from the leader's at index ${commit}`;
    }
    for (const [opId, index] of this.ghost.ackedWriteIndexes()) {
      if (leader.kv.appliedAt(opId) !== index) {
        violated('committed-entry-lost', `put #${opId} was acknowledged at index ${index} but the converged state has it at ${leader.kv.appliedAt(opId)}`);
      }
    }
    return undefined;
  }

  // ---- running ----

  run(): RunResult {
    let failure: RunResult['failure'];
    try {
      this.setup();
      for (;;) {
        const ev = this.sched.pop();
        if (ev === undefined) break;
        ev();
        if (this.phase === 'done') break;
        if (++this.events > MAX_EVENTS) throw new Error(`simulation did not end within ${MAX_EVENTS} events`);
      }
      if (this.phase !== 'done') throw new Error('simulation ran out of events before converging');
    } catch (err) {
      failure =
        err instanceof Violation
          ? { invariant: err.invariant, message: err.message }
          : { invariant: 'exception', message: (err as Error).stack ?? String(err) };
      this.trace.line(this.now(), () => `FAILED ${failure!.message}`);
    }
    const net = this.network.stats;
    this.faults.messagesSent = net.sent;
    this.faults.messagesDropped = net.dropped;
    this.faults.messagesDuplicated = net.duplicated;
    this.faults.messagesBlocked = net.blocked;
    return {
      seed: this.opts.seed,
      ok: failure === undefined,
      ...(failure !== undefined && { failure }),
      config: this.cfg,
      stats: {
        hostLoops: { plain: this.cfg.hostLoop === 'plain' ? 1 : 0, server: this.cfg.hostLoop === 'server' ? 1 : 0 },
        serverLoop: this.serverLoop,
        faults: this.faults,
        workload: this.workload.stats,
        checks: this.ghost.counts,
        snapshotsSent: this.snapshotsSent,
        events: this.events,
        virtualMs: this.now(),
        convergedAfter: this.convergedAt < 0 ? -1 : this.convergedAt - this.healedAt,
      },
      traceHash: this.trace.hash(),
      traceTail: this.trace.tail(60),
    };
  }
}

export const DEFAULT_FAULT_TICKS = 400;
export const DEFAULT_LIVENESS_TICKS = 1500;

export interface SeedRun {
  seed: number;
  voters?: number;
  faultTicks?: number;
  livenessTicks?: number;
  driverBugs?: DriverBugs;
  leaseReads?: boolean;
  hostLoop?: HostLoop;
  trace?: 'off' | 'ring' | 'full';
  ringSize?: number;
  onTraceLine?: (line: string) => void;
}

export function runSeed(r: SeedRun): RunResult {
  const trace = new Trace(r.trace ?? 'off', r.ringSize ?? 200, r.onTraceLine);
  const world = new World(
    {
      seed: r.seed,
      ...(r.voters !== undefined && { voters: r.voters }),
      faultTicks: r.faultTicks ?? DEFAULT_FAULT_TICKS,
      livenessTicks: r.livenessTicks ?? DEFAULT_LIVENESS_TICKS,
      ...(r.driverBugs !== undefined && { driverBugs: r.driverBugs }),
      ...(r.leaseReads === true && { leaseReads: true }),
      ...(r.hostLoop !== undefined && { hostLoop: r.hostLoop }),
    },
    trace,
  );
  trace.line(0, () => `seed ${r.seed}\n${describeConfig(world.cfg)}`);
  return world.run();
}

export { PARTITION_KINDS };

interface LogTip {
  index: number;
  term: number;
}

/** The last entry of a node's durable log (what it campaigns and votes with after any crash). */
function lastEntry(n: SimNode): LogTip {
  const index = n.disk.durableLastIndex();
  return { index, term: n.disk.durableTerm(index)! };
}

/** Raft's vote rule (§5.4.1): a voter refuses a candidate whose log is less up to date than its own. */
function upToDateBeyond(voter: LogTip, candidate: LogTip): boolean {
  return voter.term > candidate.term || (voter.term === candidate.term && voter.index > candidate.index);
}

/** Does the node's durable log hold (index, term)? A snapshot at or past it holds the committed prefix. */
function holds(n: SimNode, index: number, term: number): boolean {
  if (n.disk.durableRaft().snapshot.metadata.index >= index) return true;
  return n.disk.durableTerm(index) === term;
}

function isVoter(cs: ConfState, id: NodeId): boolean {
  return cs.voters.includes(id) || cs.votersOutgoing.includes(id);
}

/**
 * What a seed draws before anything runs (swarm testing: defaults are not the only thing tested):
 * the cluster's shape, the raft options, how the host snapshots, the fault rates and the workload
 * mix. The caller can force the voter count and the phase lengths; everything else comes from the
 * seed, so `--seed X` alone reproduces a run.
 */
import { Choices } from './choices.js';
import type { NetworkRates, PartitionKind } from './network.js';

/** Bugs injected into the simulator's own host loop (the raft core has its own switches). */
export interface DriverBugs {
  /** Persist the hard state only after sending the Ready's messages. */
  hardStateAfterSend?: boolean;
  /** Apply Ready.entries (just persisted) instead of Ready.committedEntries. */
  applyUncommitted?: boolean;
  /** Server loop: send every message of the Ready before persisting it, not only a leader's appends. */
  earlySendAll?: boolean;
  /** Server loop: apply every committed entry before the write, also those the write is to persist. */
  earlyApplyUndurable?: boolean;
  /**
   * Server loop: count committed entries up to storage.lastIndex() as durable even where this
   * Ready overwrites them, as RaftConsensus.handleReady did before FOUND_BUGS.md #5 was fixed.
   */
  earlyApplyOverwritten?: boolean;
}

/**
 * Which host loop drives the core: `plain` is the contract's (persist → send → apply → advance);
 * `server` is RaftConsensus.handleReady's (a leader's appends, heartbeats and snapshots leave before
 * the write, committed entries already durable here are applied before it, a commit-only hard state
 * is not written at all).
 */
export type HostLoop = 'plain' | 'server';
export const HOST_LOOPS: readonly HostLoop[] = ['plain', 'server'];

export interface RunOptions {
  seed: number;
  /** Force the number of founding voters (otherwise 1–5 drawn). */
  voters?: number;
  /** Length of the fault phase, in ticks of the base tick interval. */
  faultTicks: number;
  /** Ticks allowed after healing for the cluster to converge. */
  livenessTicks: number;
  driverBugs?: DriverBugs;
  /** Serve reads from the leader's lease (forces checkQuorum); off in the default swarm. */
  leaseReads?: boolean;
  /** Force the host loop (otherwise drawn, half the seeds each). */
  hostLoop?: HostLoop;
}

export interface WorldConfig {
  voters: number;
  learners: number;
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  readOnlyOption: 'safe' | 'lease-based';
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  maxInflightBytes: number;
  disableProposalForwarding: boolean;
  /** Virtual milliseconds per tick, per node drawn around this. */
  tickInterval: number;
  /** Longest delay between a node's inputs and its host loop run (batches several inputs). */
  maxReadyDelay: number;
  /** Take a snapshot when this many entries were applied since the last one; 0 = never. */
  snapshotEvery: number;
  /** Entries kept before the snapshot index when compacting (etcd's catch-up entries). */
  compactionKeep: number;
  /** Chance the state machine flushes to disk after an apply batch. */
  stateMachineFlushRate: number;
  network: NetworkRates;
  /** Mean virtual ms between partitions (0 = none) and their mean length. */
  partitionEvery: number;
  partitionLength: number;
  partitionKinds: PartitionKind[];
  /** Mean virtual ms between crashes (0 = none) and mean downtime. */
  crashEvery: number;
  downtime: number;
  /** Chance a crash picks the leader rather than any node (leader crashes are the interesting ones). */
  leaderCrashBias: number;
  /** Chance that a node just elected leader crashes within its first host-loop iterations. */
  newLeaderCrashRate: number;
  clients: number;
  keys: number;
  maxPadding: number;
  /** Mean client think time between operations, virtual ms. */
  thinkTime: number;
  readRatio: number;
  /** Chance that a client sends its operation to the leader rather than any node. */
  leaderBias: number;
  /** Mean virtual ms between admin operations (0 = none). */
  adminEvery: number;
  transferRatio: number;
  hostLoop: HostLoop;
}

export function drawConfig(c: Choices, opts: RunOptions): WorldConfig {
  const voters = opts.voters ?? c.weighted([[1, 1], [1, 2], [4, 3], [1, 4], [3, 5]] as const);
  const electionTick = c.pick([5, 10, 10, 15]);
  const tickInterval = 10;
  const electionMs = electionTick * tickInterval;
  const faulty = c.chance(0.85);
  const maxSizePerMsg = c.pick([0, 0, 64, 1024, 1 << 20]);
  const inflightBytes = c.pick([0, 0, 200, 4096]);
  return {
    voters,
    learners: c.weighted([[5, 0], [2, 1], [1, 2]] as const),
    electionTick,
    heartbeatTick: c.pick([1, 1, 2]),
    preVote: c.chance(0.5),
    checkQuorum: c.chance(0.5) || opts.leaseReads === true,
    readOnlyOption: opts.leaseReads === true ? 'lease-based' : 'safe',
    maxSizePerMsg,
    maxInflightMsgs: c.pick([1, 2, 4, 256]),
    // The core requires a byte window to hold at least one full message.
    maxInflightBytes: inflightBytes === 0 ? 0 : Math.max(inflightBytes, maxSizePerMsg),
    disableProposalForwarding: c.chance(0.1),
    tickInterval,
    maxReadyDelay: c.pick([0, 1, 3]),
    snapshotEvery: c.pick([0, 3, 10, 40]),
    compactionKeep: c.pick([0, 2, 10]),
    stateMachineFlushRate: c.pick([0.1, 0.5, 1]),
    network: {
      minDelay: c.range(1, 5),
      meanJitter: c.pick([0, 3, 10, 30]),
      dropRate: faulty ? c.pick([0, 0.01, 0.05, 0.15]) : 0,
      duplicateRate: faulty ? c.pick([0, 0.01, 0.05]) : 0,
      badLinkDropRate: faulty ? c.pick([0, 0.3]) : 0,
    },
    partitionEvery: faulty ? c.pick([0, 3, 8]) * electionMs : 0,
    partitionLength: c.pick([1, 3, 6]) * electionMs,
    partitionKinds: c.subset(['symmetric', 'one-way', 'isolate-leader', 'bridge'] as const, 0.6),
    crashEvery: faulty ? c.pick([0, 2, 6, 15]) * electionMs : 0,
    downtime: c.pick([1, 3, 8]) * electionMs,
    leaderCrashBias: c.pick([0, 0.5, 0.9]),
    newLeaderCrashRate: faulty ? c.pick([0, 0, 0.1, 0.3]) : 0,
    clients: c.range(1, 4),
    keys: c.range(1, 5),
    maxPadding: c.pick([0, 8, 100]),
    thinkTime: c.pick([5, 20, 60]),
    readRatio: c.pick([0.2, 0.5, 0.8]),
    leaderBias: c.pick([0.2, 0.7, 1]),
    adminEvery: c.pick([0, 5, 15]) * electionMs,
    transferRatio: c.pick([0.2, 0.5]),
    // Drawn last, so a plain-loop seed runs exactly as it did before the server loop existed.
    hostLoop: drawHostLoop(c, opts),
  };
}

/** A bug in one host loop runs that loop; otherwise the caller's choice or the seed's. */
function drawHostLoop(c: Choices, opts: RunOptions): HostLoop {
  const drawn: HostLoop = c.chance(0.5) ? 'server' : 'plain';
  const bugs = opts.driverBugs ?? {};
  if (bugs.earlySendAll === true || bugs.earlyApplyUndurable === true || bugs.earlyApplyOverwritten === true) return 'server';
  if (bugs.hardStateAfterSend === true || bugs.applyUncommitted === true) return 'plain';
  return opts.hostLoop ?? drawn;
}

export function describeConfig(cfg: WorldConfig): string {
  const n = cfg.network;
  return [
    `hostLoop=${cfg.hostLoop} voters=${cfg.voters} learners=${cfg.learners} election=${cfg.electionTick} heartbeat=${cfg.heartbeatTick}`,
    `preVote=${cfg.preVote} checkQuorum=${cfg.checkQuorum} reads=${cfg.readOnlyOption} maxSizePerMsg=${cfg.maxSizePerMsg} maxInflight=${cfg.maxInflightMsgs}/${cfg.maxInflightBytes}B noForward=${cfg.disableProposalForwarding}`,
    `snapshotEvery=${cfg.snapshotEvery} keep=${cfg.compactionKeep} smFlush=${cfg.stateMachineFlushRate} readyDelay<=${cfg.maxReadyDelay}`,
    `net delay=${n.minDelay}+exp(${n.meanJitter}) drop=${n.dropRate} dup=${n.duplicateRate} badLinks=${n.badLinkDropRate} partitions every ${cfg.partitionEvery}ms for ${cfg.partitionLength}ms kinds=[${cfg.partitionKinds.join(',')}]`,
    `crash every ${cfg.crashEvery}ms (leader ${cfg.leaderCrashBias}, new leaders ${cfg.newLeaderCrashRate}) down ${cfg.downtime}ms; clients=${cfg.clients} keys=${cfg.keys} reads=${cfg.readRatio} leaderBias=${cfg.leaderBias} admin every ${cfg.adminEvery}ms transfers=${cfg.transferRatio}`,
  ].join('\n');
}

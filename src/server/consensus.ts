/**
 * The seam between the server and whatever orders its writes. The server proposes bytes and
 * applies what comes back committed, in order; it never knows whether one member or a raft
 * cluster decided the order. RaftConsensus (raft_consensus.ts) is what members run; SoloConsensus
 * commits its own proposals at once, for tests of the server without raft.
 */
export interface CommittedEntry {
  index: number;
  term: number;
  kind: 'normal' | 'conf-change';
  data: Uint8Array;
}

export interface ConsensusStatus {
  term: number;
  /** 0n when no leader is known. */
  leader: bigint;
  /** When the current leader became known (ms since the epoch), 0 if never. */
  leaderElectedAt: number;
  commitIndex: number;
  isLearner: boolean;
}

export interface ConsensusHost {
  /** Highest index whose effects are in the state machine (the consistent index). */
  appliedIndex(): number;
  /** Applies entries in order; resolves once their effects are written to the backend. */
  apply(entries: CommittedEntry[]): Promise<void>;
}

export interface Consensus {
  /** True when the log itself is not durable, so the host must fsync each apply batch. */
  readonly applyMustSync: boolean;
  start(host: ConsensusHost): Promise<void>;
  /**
   * Hands data to the log. Resolves once accepted (not yet committed); rejects with an EtcdError
   * when it cannot be accepted before `deadline` (ms since the epoch), e.g. no leader appeared.
   */
  propose(data: Uint8Array, deadline: number): Promise<void>;
  /** Resolves with an index such that a read served once applied >= it is linearizable. */
  readIndex(deadline: number): Promise<number>;
  status(): ConsensusStatus;
  stop(): Promise<void>;
}

/** A consensus that can change membership and move leadership (raft). */
export interface ClusterConsensus extends Consensus {
  proposeConfChange(cc: import('../raft/index.js').ConfChangeV2, deadline: number): Promise<void>;
  transferLeadership(to: bigint): void;
  isLeader(): boolean;
  raftStatus(): import('../raft/index.js').Status;
}

export function isClusterConsensus(c: Consensus): c is ClusterConsensus {
  return typeof (c as Partial<ClusterConsensus>).proposeConfChange === 'function';
}

/**
 * One member, no peers: a proposal is committed the moment it is made. There is no separate log;
 * the apply batch (data + consistent index) is fsynced before proposers are answered, which makes
 * the state machine itself the durable record.
 */
export class SoloConsensus implements Consensus {
  readonly applyMustSync = true;
  private host: ConsensusHost | undefined;
  private lastIndex = 0;
  private queue: CommittedEntry[] = [];
  private applying: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly memberId: bigint,
    private readonly term = 1,
  ) {}

  async start(host: ConsensusHost): Promise<void> {
    this.host = host;
    this.lastIndex = host.appliedIndex();
  }

  propose(data: Uint8Array): Promise<void> {
    if (this.stopped || !this.host) return Promise.reject(new Error('consensus not running'));
    this.lastIndex += 1;
    this.queue.push({ index: this.lastIndex, term: this.term, kind: 'normal', data });
    this.kick();
    return Promise.resolve();
  }

  async readIndex(): Promise<number> {
    return this.lastIndex;
  }

  status(): ConsensusStatus {
    return { term: this.term, leader: this.memberId, leaderElectedAt: 0, commitIndex: this.lastIndex, isLearner: false };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.applying;
  }

  /** Drains the queue in batches: everything proposed while a batch applies forms the next one. */
  private kick(): void {
    if (this.applying || !this.host) return;
    const host = this.host;
    this.applying = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await host.apply(batch);
      }
    })().finally(() => {
      this.applying = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }
}

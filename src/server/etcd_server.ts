/**
 * The server facade the API calls. Writes become InternalRequests that are proposed, committed
 * and applied in log order by one applier, which computes the response; the proposer waits for
 * its own request id. Linearizable reads wait for a read index to be applied, then read the
 * store directly; serializable reads read it at once.
 */
import { etcdError, EtcdError, isEtcdError } from '../base/errors.js';
import { invariant } from '../base/assert.js';
import type { Logger } from '../base/logger.js';
import type { Backend } from '../storage/backend.js';
import { MvccStore } from '../mvcc/index.js';
import type { RangeRequest__Output } from '../gen/etcdserverpb/RangeRequest.js';
import type { RangeResponse } from '../gen/etcdserverpb/RangeResponse.js';
import type { PutRequest__Output } from '../gen/etcdserverpb/PutRequest.js';
import type { PutResponse } from '../gen/etcdserverpb/PutResponse.js';
import type { DeleteRangeRequest__Output } from '../gen/etcdserverpb/DeleteRangeRequest.js';
import type { DeleteRangeResponse } from '../gen/etcdserverpb/DeleteRangeResponse.js';
import type { TxnRequest__Output } from '../gen/etcdserverpb/TxnRequest.js';
import type { TxnResponse } from '../gen/etcdserverpb/TxnResponse.js';
import type { CompactionRequest__Output } from '../gen/etcdserverpb/CompactionRequest.js';
import type { CompactionResponse } from '../gen/etcdserverpb/CompactionResponse.js';
import type { ResponseHeader } from '../gen/etcdserverpb/ResponseHeader.js';
import { KvApplier, noLeases, type LeaseLookup } from './apply.js';
import { isClusterConsensus, type ClusterConsensus, type Consensus, type CommittedEntry, type ConsensusHost } from './consensus.js';
import { ConfChangeTransition, ConfChangeType, decodeConfChangeV2, type ConfChangeV2, type Snapshot } from '../raft/index.js';
import {
  decodeInternalRequest,
  encodeInternalRequest,
  type InternalRequest,
  type InternalRequestBody,
} from './internal_request.js';
import { WaitRegistry, type ApplyOutcome } from './wait.js';
import { RequestIdGenerator } from './request_id.js';
import { int64ToNumber } from './kv_convert.js';
import { Membership, decodeConfChangeContext, encodeConfChangeContext, type Member } from './membership.js';
import { parseU64, sha1Uint64 } from '../base/ids.js';

export interface ServerIdentity {
  name: string;
  memberId: bigint;
  peerUrls: string[];
  clientUrls: string[];
}

/** Where membership changes reach the peer transport. */
export interface PeerDirectory {
  addPeer(id: bigint, urls: string[]): void;
  updatePeer(id: bigint, urls: string[]): void;
  removePeer(id: bigint): void;
}

export interface ServerLimits {
  maxRequestBytes: number;
  electionTimeoutMs: number;
  /** How long a proposal may wait to be applied before it fails with `request timed out`. */
  requestTimeoutMs: number;
}

/** What applying one request produced: the response, and work to wait for before answering. */
interface Applied {
  response: unknown;
  /** Physical compaction finishing, when the client asked to wait for it. */
  after?: Promise<void>;
}

/** etcd's limit on committed-but-unapplied entries before writes are refused. */
const MAX_APPLY_LAG_ENTRIES = 5000;

export class EtcdServer implements ConsensusHost {
  private readonly waits = new WaitRegistry();
  private readonly ids: RequestIdGenerator;
  private kv: KvApplier;
  private applied: number;
  /** Readers waiting for the applied index to reach a value, ordered by insertion. */
  private appliedWaiters: { index: number; resolve: () => void }[] = [];
  private stopped = false;
  private peers: PeerDirectory | undefined;
  /** Set once this member's publish request was applied: it is then "started" for the cluster. */
  private publishedResolve: (() => void) | undefined;
  readonly published: Promise<void>;

  constructor(
    readonly identity: ServerIdentity,
    private readonly backend: Backend,
    private store: MvccStore,
    readonly membership: Membership,
    private readonly consensus: Consensus,
    private readonly limits: ServerLimits,
    private readonly logger: Logger,
    private readonly leases: LeaseLookup = noLeases,
  ) {
    this.ids = new RequestIdGenerator(identity.memberId, Date.now());
    this.kv = new KvApplier(store, leases);
    this.applied = store.consistentIndex().index;
    this.published = new Promise((resolve) => (this.publishedResolve = resolve));
  }

  get clusterId(): bigint {
    return this.membership.clusterId;
  }

  setPeerDirectory(peers: PeerDirectory): void {
    this.peers = peers;
    for (const m of this.membership.list()) {
      if (m.id !== this.identity.memberId) peers.addPeer(m.id, m.peerURLs);
    }
  }

  async start(): Promise<void> {
    await this.consensus.start(this);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consensus.stop();
    this.waits.failAll(etcdError('Stopped'));
    await this.store.close();
  }

  // ---- ConsensusHost ----

  appliedIndex(): number {
    return this.applied;
  }

  async apply(entries: CommittedEntry[]): Promise<void> {
    const outcomes: [bigint, ApplyOutcome<Applied>][] = [];
    let last: CommittedEntry | undefined;
    for (const entry of entries) {
      // Entries at or below the consistent index were applied before a restart: skip them, so
      // that re-delivery after a crash is harmless.
      if (entry.index <= this.applied) continue;
      invariant(entry.index === this.applied + 1, () => `apply gap: ${this.applied} -> ${entry.index}`);
      if (entry.kind === 'normal' && entry.data.length > 0) {
        const req = decodeInternalRequest(entry.data);
        outcomes.push([req.id, this.applyRequest(req)]);
      } else if (entry.kind === 'conf-change') {
        const outcome = this.applyConfChangeEntry(entry);
        if (outcome) outcomes.push(outcome);
      }
      this.applied = entry.index;
      last = entry;
    }
    if (!last) return;
    this.store.setConsistentIndex(last.index, last.term);
    await this.backend.commit({ sync: this.consensus.applyMustSync });
    for (const [id, outcome] of outcomes) this.waits.trigger(id, outcome);
    this.notifyApplied();
  }

  private applyRequest(req: InternalRequest): ApplyOutcome<Applied> {
    try {
      switch (req.kind) {
        case 'put':
          return { ok: true, value: { response: this.kv.put(req.put) } };
        case 'delete_range':
          return { ok: true, value: { response: this.kv.deleteRange(req.delete_range) } };
        case 'txn':
          return { ok: true, value: { response: this.kv.txn(req.txn) } };
        case 'compaction': {
          const { done } = this.store.compact(int64ToNumber(req.compaction.revision));
          // The physical part runs in the background; only a `physical` request waits for it.
          done.catch((err: unknown) => this.logger.error({ err }, 'compaction failed'));
          const applied: Applied = { response: { header: { revision: this.store.currentRevision() } } };
          if (req.compaction.physical) applied.after = done;
          return { ok: true, value: applied };
        }
        case 'publish': {
          const id = parseU64(req.publish.member_id);
          this.membership.publish(id, req.publish.name, req.publish.client_urls);
          if (id === this.identity.memberId) this.publishedResolve?.();
          return { ok: true, value: { response: {} } };
        }
        default:
          // Kinds that later issues add (leases) are never proposed by this version.
          return { ok: false, error: new Error(`cannot apply request kind ${req.kind}`) };
      }
    } catch (err) {
      if (isEtcdError(err)) return { ok: false, error: err };
      throw err;
    }
  }

  /**
   * Membership half of a conf change (raft's half is applied by the consensus). Returns the
   * proposer's outcome: the member list after the change.
   */
  private applyConfChangeEntry(entry: CommittedEntry): [bigint, ApplyOutcome<Applied>] | undefined {
    const cc = decodeConfChangeV2(entry.data);
    const ctx = decodeConfChangeContext(cc.context);
    for (const change of cc.changes) {
      const id = change.nodeId;
      switch (change.type) {
        case ConfChangeType.AddNode:
          if (this.membership.has(id)) this.membership.promote(id);
          else if (ctx && !this.membership.isRemoved(id)) this.membership.add(memberFromContext(ctx, false));
          break;
        case ConfChangeType.AddLearnerNode:
          if (ctx && !this.membership.has(id) && !this.membership.isRemoved(id)) this.membership.add(memberFromContext(ctx, true));
          break;
        case ConfChangeType.RemoveNode:
          if (this.membership.has(id)) this.membership.remove(id);
          break;
        case ConfChangeType.UpdateNode:
          if (ctx) this.membership.updatePeerUrls(id, ctx.member.peerURLs);
          break;
      }
    }
    if (!ctx) return undefined;
    return [BigInt(ctx.requestId), { ok: true, value: { response: this.membership.list() } }];
  }

  /** After raft applied a conf change: keep the transport's peers in step with the membership. */
  confChangeApplied(_index: number, cc: ConfChangeV2): void {
    for (const change of cc.changes) {
      const id = change.nodeId;
      if (id === this.identity.memberId) {
        if (change.type === ConfChangeType.RemoveNode) this.onRemoved?.();
        continue;
      }
      const m = this.membership.get(id);
      switch (change.type) {
        case ConfChangeType.AddNode:
        case ConfChangeType.AddLearnerNode:
          if (m) this.peers?.addPeer(id, m.peerURLs);
          break;
        case ConfChangeType.UpdateNode:
          if (m) this.peers?.updatePeer(id, m.peerURLs);
          break;
        case ConfChangeType.RemoveNode:
          this.peers?.removePeer(id);
          break;
      }
    }
  }

  /** Called when this member learns it was removed from the cluster. */
  onRemoved: (() => void) | undefined;

  async flushApplied(): Promise<void> {
    await this.backend.commit({ sync: true });
  }

  /**
   * A snapshot from the leader replaced the backend's contents (the transport restored it while
   * receiving): re-open the store on it and continue from its consistent index.
   */
  async installSnapshot(snapshot: Snapshot): Promise<number> {
    invariant(this.snapshotInstaller, 'no snapshot installer configured');
    // The store's in-memory index and a running compaction describe the old contents: close first.
    await this.store.close();
    await this.snapshotInstaller(snapshot);
    this.store = await MvccStore.open(this.backend, { logger: this.logger });
    this.kv = new KvApplier(this.store, this.leases);
    await this.membership.reload();
    this.applied = this.store.consistentIndex().index;
    for (const m of this.membership.list()) {
      if (m.id !== this.identity.memberId) this.peers?.addPeer(m.id, m.peerURLs);
    }
    this.logger.info({ 'snapshot-index': snapshot.metadata.index, 'consistent-index': this.applied }, 'applied snapshot from the leader');
    this.notifyApplied();
    return this.applied;
  }

  /** Loads a received snapshot's data into the backend; wired by the daemon. */
  snapshotInstaller: ((snapshot: Snapshot) => Promise<void>) | undefined;

  private notifyApplied(): void {
    if (this.appliedWaiters.length === 0) return;
    const still: typeof this.appliedWaiters = [];
    for (const w of this.appliedWaiters) {
      if (w.index <= this.applied) w.resolve();
      else still.push(w);
    }
    this.appliedWaiters = still;
  }

  private waitApplied(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve) => this.appliedWaiters.push({ index, resolve }));
  }

  // ---- requests ----

  header(revision: number = this.store.currentRevision()): ResponseHeader {
    return {
      cluster_id: this.membership.clusterId.toString(),
      member_id: this.identity.memberId.toString(),
      revision,
      raft_term: this.consensus.status().term,
    };
  }

  async range(r: RangeRequest__Output): Promise<RangeResponse> {
    if (!r.serializable) await this.linearizableBarrier();
    const resp = this.kv.range(this.store, r);
    resp.header = this.header(Number(resp.header?.revision ?? this.store.currentRevision()));
    return resp;
  }

  async put(p: PutRequest__Output): Promise<PutResponse> {
    return this.withHeader(await this.proposeAndWait<PutResponse>({ kind: 'put', put: p }));
  }

  async deleteRange(d: DeleteRangeRequest__Output): Promise<DeleteRangeResponse> {
    return this.withHeader(await this.proposeAndWait<DeleteRangeResponse>({ kind: 'delete_range', delete_range: d }));
  }

  async txn(t: TxnRequest__Output): Promise<TxnResponse> {
    if (isReadOnlyTxn(t)) {
      // Like etcd, a txn that only reads is not replicated: it is a linearizable read.
      await this.linearizableBarrier();
      return this.withHeader(this.kv.txn(t));
    }
    return this.withHeader(await this.proposeAndWait<TxnResponse>({ kind: 'txn', txn: t }));
  }

  async compact(c: CompactionRequest__Output): Promise<CompactionResponse> {
    return this.withHeader(await this.proposeAndWait<CompactionResponse>({ kind: 'compaction', compaction: c }));
  }

  private withHeader<T extends { header?: ResponseHeader | null }>(resp: T): T {
    resp.header = this.header(Number(resp.header?.revision ?? this.store.currentRevision()));
    return resp;
  }

  async linearizableBarrier(): Promise<void> {
    if (this.stopped) throw etcdError('Stopped');
    // A learner is no voter: etcd serves it only serializable reads.
    if (this.consensus.status().isLearner) throw etcdError('NotSupportedForLearner');
    const index = await this.consensus.readIndex(Date.now() + this.limits.requestTimeoutMs);
    await this.withTimeout(this.waitApplied(index), 'TimeoutWaitAppliedIndex');
  }

  private async proposeAndWait<T>(body: InternalRequestBody): Promise<T> {
    if (this.stopped) throw etcdError('Stopped');
    const s = this.consensus.status();
    // Back-pressure, as etcd: refuse new writes while apply lags far behind commit.
    if (s.commitIndex - this.applied > MAX_APPLY_LAG_ENTRIES) throw etcdError('TooManyRequests');
    // Learners replicate but do not serve client writes (publish is the member's own bookkeeping).
    if (s.isLearner && body.kind !== 'publish') throw etcdError('NotSupportedForLearner');
    const id = this.ids.generate();
    const data = encodeInternalRequest({ id, ...body } as InternalRequest);
    if (data.length > this.limits.maxRequestBytes) throw etcdError('RequestTooLarge');
    const waiting = this.waits.register(id);
    this.consensus.propose(data, Date.now() + this.limits.requestTimeoutMs).catch((err: unknown) => {
      this.waits.trigger(id, { ok: false, error: err instanceof Error ? err : new Error(String(err)) });
    });
    const startedAt = Date.now();
    const outcome = (await this.withTimeout(waiting, 'Timeout', () =>
      this.waits.trigger(id, { ok: false, error: this.timeoutError(startedAt) }),
    )) as ApplyOutcome<Applied>;
    if (!outcome.ok) throw outcome.error;
    if (outcome.value.after) await outcome.value.after;
    return outcome.value.response as T;
  }

  /**
   * etcd's choice of timeout message: a request made shortly before the current leader was
   * elected most likely died with the previous leader.
   */
  private timeoutError(startedAt: number): EtcdError {
    const electedAt = this.consensus.status().leaderElectedAt;
    const previousLeaderLostAt = electedAt - 2 * this.limits.electionTimeoutMs;
    if (startedAt > previousLeaderLostAt && startedAt < electedAt) return etcdError('TimeoutDueToLeaderFail');
    return etcdError('Timeout');
  }

  private withTimeout<T>(p: Promise<T>, code: 'Timeout' | 'TimeoutWaitAppliedIndex', onTimeout?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        onTimeout?.();
        reject(etcdError(code));
      }, this.limits.requestTimeoutMs);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  // ---- membership ----

  private cluster(): ClusterConsensus {
    if (!isClusterConsensus(this.consensus)) throw etcdError('NotCapable');
    return this.consensus;
  }

  memberList(): Member[] {
    return this.membership.list();
  }

  /**
   * Adds a member (as etcd does: the new id mixes its peer URLs, the cluster token and the time).
   * Resolves once the conf change is applied here, with the new member and the member list.
   */
  async memberAdd(peerURLs: string[], isLearner: boolean, token: string): Promise<{ member: Member; members: Member[] }> {
    if (peerURLs.length === 0 || !peerURLs.every(isValidPeerUrl)) throw etcdError('MemberBadURLs');
    if (this.membership.findByPeerUrl(peerURLs)) throw etcdError('PeerURLExist');
    if (isLearner && this.membership.list().some((m) => m.isLearner)) throw etcdError('TooManyLearners');
    const id = newMemberId(peerURLs, token, Date.now());
    if (this.membership.has(id)) throw etcdError('MemberExist');
    const member: Member = { id, name: '', peerURLs, clientURLs: [], isLearner };
    const members = await this.proposeMemberChange(isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, member);
    return { member, members };
  }

  async memberRemove(id: bigint): Promise<Member[]> {
    const m = this.membership.get(id);
    if (!m) throw etcdError('MemberNotFound');
    return this.proposeMemberChange(ConfChangeType.RemoveNode, m);
  }

  async memberUpdate(id: bigint, peerURLs: string[]): Promise<Member[]> {
    const m = this.membership.get(id);
    if (!m) throw etcdError('MemberNotFound');
    if (peerURLs.length === 0 || !peerURLs.every(isValidPeerUrl)) throw etcdError('MemberBadURLs');
    const other = this.membership.findByPeerUrl(peerURLs);
    if (other && other.id !== id) throw etcdError('PeerURLExist');
    return this.proposeMemberChange(ConfChangeType.UpdateNode, { ...m, peerURLs });
  }

  async memberPromote(id: bigint): Promise<Member[]> {
    const m = this.membership.get(id);
    if (!m) throw etcdError('MemberNotFound');
    if (!m.isLearner) throw etcdError('MemberNotLearner');
    const c = this.cluster();
    if (c.isLeader()) {
      // etcd promotes only a learner whose log is within 10% of the leader's.
      const status = c.raftStatus();
      const progress = status.progress?.get(id);
      const leaderMatch = status.progress?.get(this.identity.memberId)?.match ?? status.hardState.commit;
      if (!progress || progress.match < leaderMatch * 0.9) throw etcdError('LearnerNotReady');
    }
    return this.proposeMemberChange(ConfChangeType.AddNode, { ...m, isLearner: false });
  }

  private async proposeMemberChange(type: ConfChangeType, member: Member): Promise<Member[]> {
    if (this.stopped) throw etcdError('Stopped');
    const c = this.cluster();
    const requestId = this.ids.generate();
    const cc: ConfChangeV2 = {
      transition: ConfChangeTransition.Auto,
      changes: [{ type, nodeId: member.id }],
      context: encodeConfChangeContext({
        requestId: requestId.toString(),
        member: {
          id: member.id.toString(),
          name: member.name,
          peerURLs: member.peerURLs,
          clientURLs: member.clientURLs,
          isLearner: member.isLearner,
        },
      }),
    };
    const waiting = this.waits.register(requestId);
    c.proposeConfChange(cc, Date.now() + this.limits.requestTimeoutMs).catch((err: unknown) => {
      this.waits.trigger(requestId, { ok: false, error: err instanceof Error ? err : new Error(String(err)) });
    });
    const outcome = (await this.withTimeout(waiting, 'Timeout', () =>
      this.waits.trigger(requestId, { ok: false, error: etcdError('Timeout') }),
    )) as ApplyOutcome<Applied>;
    if (!outcome.ok) throw outcome.error;
    return outcome.value.response as Member[];
  }

  /** Proposes this member's name and client URLs until they are applied ("published"). */
  async publish(): Promise<void> {
    const attributes = {
      member_id: this.identity.memberId.toString(),
      name: this.identity.name,
      client_urls: this.identity.clientUrls,
    };
    while (!this.stopped) {
      try {
        await this.proposeAndWait({ kind: 'publish', publish: attributes });
        return;
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn({ error: (err as Error).message }, 'failed to publish local member to cluster through raft; retrying');
      }
    }
  }

  async moveLeader(target: bigint): Promise<void> {
    const c = this.cluster();
    if (!c.isLeader()) throw etcdError('NotLeader');
    const m = this.membership.get(target);
    if (!m || m.isLearner) throw etcdError('BadLeaderTransferee');
    if (target === this.identity.memberId) return;
    c.transferLeadership(target);
    const deadline = Date.now() + this.limits.requestTimeoutMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      const leader = this.consensus.status().leader;
      if (leader === target) return;
    }
    throw etcdError('TimeoutDueToLeaderFail');
  }

  // ---- maintenance ----

  hasLeader(): boolean {
    return this.consensus.status().leader !== 0n;
  }

  hashKV(rev: number): { hash: number; compactRevision: number; hashRevision: number } {
    return this.store.hashKV(rev);
  }

  async status(): Promise<{
    leader: bigint;
    raftIndex: number;
    raftTerm: number;
    raftAppliedIndex: number;
    dbSize: number;
    isLearner: boolean;
  }> {
    const s = this.consensus.status();
    return {
      leader: s.leader,
      raftIndex: s.commitIndex,
      raftTerm: s.term,
      raftAppliedIndex: this.applied,
      dbSize: await this.backend.sizeBytes(),
      isLearner: s.isLearner,
    };
  }
}

function isValidPeerUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.port !== '' && (url.pathname === '/' || url.pathname === '');
  } catch {
    return false;
  }
}

/** etcd's id for an added member: sha1 over its sorted peer URLs, the cluster token and the time. */
function newMemberId(peerURLs: string[], token: string, nowMs: number): bigint {
  const b = Buffer.from([...peerURLs].sort().join('') + token + String(Math.floor(nowMs / 1000)), 'utf8');
  return sha1Uint64(b);
}

function memberFromContext(ctx: NonNullable<ReturnType<typeof decodeConfChangeContext>>, isLearner: boolean): Member {
  return {
    id: parseU64(ctx.member.id),
    name: ctx.member.name,
    peerURLs: ctx.member.peerURLs,
    clientURLs: ctx.member.clientURLs,
    isLearner,
  };
}

function isReadOnlyTxn(t: TxnRequest__Output): boolean {
  const readOnlyOps = (ops: TxnRequest__Output['success']): boolean =>
    ops.every((op) =>
      op.request === 'request_range' ? true : op.request === 'request_txn' && op.request_txn ? isReadOnlyTxn(op.request_txn) : false,
    );
  return readOnlyOps(t.success) && readOnlyOps(t.failure);
}


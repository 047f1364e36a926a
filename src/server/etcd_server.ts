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
import type { MvccStore } from '../mvcc/index.js';
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
import type { Consensus, CommittedEntry, ConsensusHost } from './consensus.js';
import {
  decodeInternalRequest,
  encodeInternalRequest,
  type InternalRequest,
  type InternalRequestBody,
} from './internal_request.js';
import { WaitRegistry, type ApplyOutcome } from './wait.js';
import { RequestIdGenerator } from './request_id.js';
import { int64ToNumber } from './kv_convert.js';

export interface ServerIdentity {
  name: string;
  memberId: bigint;
  clusterId: bigint;
  peerUrls: string[];
  clientUrls: string[];
}

export interface ServerLimits {
  maxRequestBytes: number;
  /** How long a proposal may wait to be applied before it fails with `request timed out`. */
  requestTimeoutMs: number;
}

/** What applying one request produced: the response, and work to wait for before answering. */
interface Applied {
  response: unknown;
  /** Physical compaction finishing, when the client asked to wait for it. */
  after?: Promise<void>;
}

export class EtcdServer implements ConsensusHost {
  private readonly waits = new WaitRegistry();
  private readonly ids: RequestIdGenerator;
  private readonly kv: KvApplier;
  private applied: number;
  /** Readers waiting for the applied index to reach a value, ordered by insertion. */
  private appliedWaiters: { index: number; resolve: () => void }[] = [];
  private stopped = false;

  constructor(
    readonly identity: ServerIdentity,
    private readonly backend: Backend,
    private readonly store: MvccStore,
    private readonly consensus: Consensus,
    private readonly limits: ServerLimits,
    private readonly logger: Logger,
    leases: LeaseLookup = noLeases,
  ) {
    this.ids = new RequestIdGenerator(identity.memberId, Date.now());
    this.kv = new KvApplier(store, leases);
    this.applied = store.consistentIndex().index;
  }

  async start(): Promise<void> {
    await this.consensus.start(this);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consensus.stop();
    this.waits.failAll(etcdError('Stopped'));
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
        default:
          // Kinds that later issues add (leases, members) are never proposed by this version.
          return { ok: false, error: new Error(`cannot apply request kind ${req.kind}`) };
      }
    } catch (err) {
      if (isEtcdError(err)) return { ok: false, error: err };
      throw err;
    }
  }

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
      cluster_id: this.identity.clusterId.toString(),
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

  private async linearizableBarrier(): Promise<void> {
    if (this.stopped) throw etcdError('Stopped');
    const index = await this.consensus.readIndex();
    await this.withTimeout(this.waitApplied(index), 'TimeoutWaitAppliedIndex');
  }

  private async proposeAndWait<T>(body: InternalRequestBody): Promise<T> {
    if (this.stopped) throw etcdError('Stopped');
    const id = this.ids.generate();
    const data = encodeInternalRequest({ id, ...body } as InternalRequest);
    if (data.length > this.limits.maxRequestBytes) throw etcdError('RequestTooLarge');
    const waiting = this.waits.register(id);
    try {
      this.consensus.propose(data);
    } catch (err) {
      this.waits.trigger(id, { ok: false, error: err instanceof Error ? err : new Error(String(err)) });
    }
    const outcome = (await this.withTimeout(waiting, 'Timeout', () =>
      this.waits.trigger(id, { ok: false, error: etcdError('Timeout') }),
    )) as ApplyOutcome<Applied>;
    if (!outcome.ok) throw outcome.error;
    if (outcome.value.after) await outcome.value.after;
    return outcome.value.response as T;
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

  // ---- maintenance ----

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

function isReadOnlyTxn(t: TxnRequest__Output): boolean {
  const readOnlyOps = (ops: TxnRequest__Output['success']): boolean =>
    ops.every((op) =>
      op.request === 'request_range' ? true : op.request === 'request_txn' && op.request_txn ? isReadOnlyTxn(op.request_txn) : false,
    );
  return readOnlyOps(t.success) && readOnlyOps(t.failure);
}

export { EtcdError };

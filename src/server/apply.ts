/**
 * The applier: turns one committed InternalRequest into changes of the MVCC store and the
 * response the client gets. Every member runs it on the same entries in the same order, so it
 * must be deterministic and must depend on nothing but the store and the request.
 *
 * A request that fails here (unknown lease, compacted revision in a txn, ...) changes nothing:
 * all checks run before the first write, as etcd's applier does.
 */
import { etcdError, isEtcdError } from '../base/errors.js';
import { compareBytes, toBuffer } from '../base/bytes.js';
import { invariant } from '../base/assert.js';
import type { KeyValue, MvccStore, WriteTxn, RangeResult } from '../mvcc/index.js';
import type { PutRequest__Output } from '../gen/etcdserverpb/PutRequest.js';
import type { PutResponse } from '../gen/etcdserverpb/PutResponse.js';
import type { DeleteRangeRequest__Output } from '../gen/etcdserverpb/DeleteRangeRequest.js';
import type { DeleteRangeResponse } from '../gen/etcdserverpb/DeleteRangeResponse.js';
import type { RangeRequest__Output } from '../gen/etcdserverpb/RangeRequest.js';
import type { RangeResponse } from '../gen/etcdserverpb/RangeResponse.js';
import type { TxnRequest__Output } from '../gen/etcdserverpb/TxnRequest.js';
import type { TxnResponse } from '../gen/etcdserverpb/TxnResponse.js';
import type { Compare__Output } from '../gen/etcdserverpb/Compare.js';
import type { RequestOp__Output } from '../gen/etcdserverpb/RequestOp.js';
import type { ResponseOp } from '../gen/etcdserverpb/ResponseOp.js';
import { int64ToBigInt, int64ToNumber, rangeOptionsOf, toPbKeyValue } from './kv_convert.js';

/** What the applier needs to know about leases (the lessor implements it). */
export interface LeaseLookup {
  exists(id: bigint): boolean;
}

export const noLeases: LeaseLookup = { exists: () => false };

/** A read view: the store itself, or a write txn that sees its own writes. */
type ReadView = Pick<WriteTxn, 'range'>;

/**
 * Which branch each txn (and each nested txn, depth first in op order) takes. Decided before any
 * write, against the state at the start of the txn, as etcd does.
 */
type TxnPath = boolean[];

export class KvApplier {
  constructor(
    private readonly store: MvccStore,
    private readonly leases: LeaseLookup,
  ) {}

  range(view: ReadView, r: RangeRequest__Output): RangeResponse {
    const rr = view.range(toBuffer(r.key), toBuffer(r.range_end), rangeOptionsOf(r));
    return rangeResponse(rr);
  }

  put(p: PutRequest__Output): PutResponse {
    const lease = int64ToBigInt(p.lease);
    if (lease !== 0n && !this.leases.exists(lease)) throw etcdError('LeaseNotFound');
    const txn = this.store.write();
    try {
      this.checkPut(txn, p);
      return this.putIn(txn, p);
    } finally {
      txn.end();
    }
  }

  deleteRange(d: DeleteRangeRequest__Output): DeleteRangeResponse {
    const txn = this.store.write();
    try {
      return this.deleteIn(txn, d);
    } finally {
      txn.end();
    }
  }

  /** A whole txn is one write txn: one revision for all its changes. */
  txn(t: TxnRequest__Output): TxnResponse {
    const txn = this.store.write();
    let ended = false;
    try {
      const path: TxnPath = [];
      this.decidePath(txn, t, path);
      this.checkBranch(txn, t, path.slice());
      const response = this.applyTxn(txn, t, path);
      ended = true;
      response.header = { revision: txn.end().rev };
      return response;
    } finally {
      if (!ended) txn.end();
    }
  }

  private decidePath(view: ReadView, t: TxnRequest__Output, path: TxnPath): void {
    const succeeded = t.compare.every((c) => this.compare(view, c));
    path.push(succeeded);
    for (const op of succeeded ? t.success : t.failure) {
      if (op.request === 'request_txn' && op.request_txn) this.decidePath(view, op.request_txn, path);
    }
  }

  /** Rejects the txn (before any write) when an op of the chosen branch would fail. */
  private checkBranch(view: ReadView, t: TxnRequest__Output, path: TxnPath): void {
    const succeeded = path.shift();
    invariant(succeeded !== undefined, 'txn path shorter than the txn');
    for (const op of succeeded ? t.success : t.failure) {
      switch (op.request) {
        case 'request_put':
          invariant(op.request_put, 'request_put set');
          this.checkPut(view, op.request_put);
          break;
        case 'request_range': {
          invariant(op.request_range, 'request_range set');
          const rev = int64ToNumber(op.request_range.revision);
          if (rev > 0) this.checkRevision(rev);
          break;
        }
        case 'request_txn':
          invariant(op.request_txn, 'request_txn set');
          this.checkBranch(view, op.request_txn, path);
          break;
        default:
          break;
      }
    }
  }

  private checkRevision(rev: number): void {
    if (rev > this.store.currentRevision()) throw etcdError('FutureRev');
    if (rev < this.store.compactedRevision()) throw etcdError('Compacted');
  }

  private checkPut(view: ReadView, p: PutRequest__Output): void {
    const lease = int64ToBigInt(p.lease);
    if (lease !== 0n && !this.leases.exists(lease)) throw etcdError('LeaseNotFound');
    if (p.ignore_value || p.ignore_lease) {
      const cur = view.range(toBuffer(p.key), Buffer.alloc(0), {});
      if (cur.kvs.length === 0) throw etcdError('KeyNotFound');
    }
  }

  private applyTxn(txn: WriteTxn, t: TxnRequest__Output, path: TxnPath): TxnResponse {
    const succeeded = path.shift();
    invariant(succeeded !== undefined, 'txn path shorter than the txn');
    const responses: ResponseOp[] = [];
    for (const op of succeeded ? t.success : t.failure) {
      responses.push(this.applyOp(txn, op, path));
    }
    return { succeeded, responses };
  }

  private applyOp(txn: WriteTxn, op: RequestOp__Output, path: TxnPath): ResponseOp {
    switch (op.request) {
      case 'request_range': {
        invariant(op.request_range, 'request_range set');
        return { response_range: this.range(txn, op.request_range) };
      }
      case 'request_put':
        invariant(op.request_put, 'request_put set');
        return { response_put: this.putIn(txn, op.request_put) };
      case 'request_delete_range':
        invariant(op.request_delete_range, 'request_delete_range set');
        return { response_delete_range: this.deleteIn(txn, op.request_delete_range) };
      case 'request_txn': {
        invariant(op.request_txn, 'request_txn set');
        const nested = this.applyTxn(txn, op.request_txn, path);
        // etcd leaves the header of a nested txn response empty.
        nested.header = {};
        return { response_txn: nested };
      }
      default:
        // Validation rejects empty ops before they reach the log.
        throw etcdError('KeyNotFound');
    }
  }

  private putIn(txn: WriteTxn, p: PutRequest__Output): PutResponse {
    const key = toBuffer(p.key);
    let value = toBuffer(p.value);
    let lease = int64ToBigInt(p.lease);
    let prev: KeyValue | undefined;
    if (p.ignore_value || p.ignore_lease || p.prev_kv) {
      prev = txn.range(key, Buffer.alloc(0), {}).kvs[0];
    }
    if (p.ignore_value || p.ignore_lease) {
      if (!prev) throw etcdError('KeyNotFound');
      if (p.ignore_value) value = prev.value;
      if (p.ignore_lease) lease = prev.lease;
    }
    txn.put(key, value, lease);
    const response: PutResponse = { header: { revision: txnRevision(txn) } };
    if (p.prev_kv && prev) response.prev_kv = toPbKeyValue(prev);
    return response;
  }

  private deleteIn(txn: WriteTxn, d: DeleteRangeRequest__Output): DeleteRangeResponse {
    const { deleted } = txn.deleteRange(toBuffer(d.key), toBuffer(d.range_end));
    const response: DeleteRangeResponse = {
      header: { revision: txnRevision(txn) },
      deleted: deleted.length,
    };
    if (d.prev_kv) response.prev_kvs = deleted.map(toPbKeyValue);
    return response;
  }

  /**
   * A compare over a range holds when every key in it satisfies it. A missing key compares as an
   * all-zero KeyValue, except that a VALUE compare on a missing key is always false.
   */
  compare(view: ReadView, c: Compare__Output): boolean {
    let rr: RangeResult;
    try {
      rr = view.range(toBuffer(c.key), toBuffer(c.range_end), {});
    } catch (err) {
      if (isEtcdError(err)) return false;
      throw err;
    }
    if (rr.kvs.length === 0) {
      if (c.target === 'VALUE') return false;
      return compareKeyValue(c, undefined);
    }
    return rr.kvs.every((kv) => compareKeyValue(c, kv));
  }
}

/** The revision a write txn has reached so far: the next revision once it has changed anything. */
function txnRevision(txn: WriteTxn): number {
  return txn.rev();
}

function compareKeyValue(c: Compare__Output, kv: KeyValue | undefined): boolean {
  // etcd reads only the union member that matches the target; any other member counts as zero.
  let result: number;
  switch (c.target) {
    case 'VALUE': {
      const want = c.target_union === 'value' ? toBuffer(c.value) : Buffer.alloc(0);
      result = compareBytes(kv?.value ?? Buffer.alloc(0), want);
      break;
    }
    case 'CREATE':
      result = compareBig(BigInt(kv?.createRevision ?? 0), c.target_union === 'create_revision' ? int64ToBigInt(c.create_revision) : 0n);
      break;
    case 'MOD':
      result = compareBig(BigInt(kv?.modRevision ?? 0), c.target_union === 'mod_revision' ? int64ToBigInt(c.mod_revision) : 0n);
      break;
    case 'VERSION':
      result = compareBig(BigInt(kv?.version ?? 0), c.target_union === 'version' ? int64ToBigInt(c.version) : 0n);
      break;
    case 'LEASE':
      result = compareBig(kv?.lease ?? 0n, c.target_union === 'lease' ? int64ToBigInt(c.lease) : 0n);
      break;
    default:
      return false;
  }
  switch (c.result) {
    case 'EQUAL':
      return result === 0;
    case 'NOT_EQUAL':
      return result !== 0;
    case 'GREATER':
      return result > 0;
    case 'LESS':
      return result < 0;
    default:
      return false;
  }
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function rangeResponse(rr: RangeResult): RangeResponse {
  return {
    header: { revision: rr.rev },
    kvs: rr.kvs.map(toPbKeyValue),
    more: rr.more,
    count: rr.count,
  };
}


/**
 * etcd's request checks that run before a request is proposed (etcd's v3rpc check*Request): a
 * request that fails them never reaches the log and changes nothing.
 */
import { etcdError } from '../base/errors.js';
import { compareBytes, toBuffer } from '../base/bytes.js';
import type { RangeRequest__Output } from '../gen/etcdserverpb/RangeRequest.js';
import type { PutRequest__Output } from '../gen/etcdserverpb/PutRequest.js';
import type { DeleteRangeRequest__Output } from '../gen/etcdserverpb/DeleteRangeRequest.js';
import type { TxnRequest__Output } from '../gen/etcdserverpb/TxnRequest.js';
import type { RequestOp__Output } from '../gen/etcdserverpb/RequestOp.js';

export interface ValidationLimits {
  maxTxnOps: number;
}

export function checkRangeRequest(r: RangeRequest__Output): void {
  if (toBuffer(r.key).length === 0) throw etcdError('EmptyKey');
}

export function checkPutRequest(p: PutRequest__Output): void {
  if (toBuffer(p.key).length === 0) throw etcdError('EmptyKey');
  if (p.ignore_value && toBuffer(p.value).length !== 0) throw etcdError('ValueProvided');
  if (p.ignore_lease && p.lease !== '0' && p.lease !== '' && Number(p.lease) !== 0) throw etcdError('LeaseProvided');
}

export function checkDeleteRequest(d: DeleteRangeRequest__Output): void {
  if (toBuffer(d.key).length === 0) throw etcdError('EmptyKey');
}

export function checkTxnRequest(t: TxnRequest__Output, limits: ValidationLimits): void {
  checkTxnOps(t, limits);
  checkNoDuplicatePuts(t.success);
  checkNoDuplicatePuts(t.failure);
}

function checkTxnOps(t: TxnRequest__Output, limits: ValidationLimits): void {
  if (t.compare.length > limits.maxTxnOps || t.success.length > limits.maxTxnOps || t.failure.length > limits.maxTxnOps) {
    throw etcdError('TooManyOps');
  }
  for (const c of t.compare) {
    if (toBuffer(c.key).length === 0) throw etcdError('EmptyKey');
  }
  for (const op of [...t.success, ...t.failure]) checkRequestOp(op, limits);
}

function checkRequestOp(op: RequestOp__Output, limits: ValidationLimits): void {
  switch (op.request) {
    case 'request_range':
      if (op.request_range) return checkRangeRequest(op.request_range);
      break;
    case 'request_put':
      if (op.request_put) return checkPutRequest(op.request_put);
      break;
    case 'request_delete_range':
      if (op.request_delete_range) return checkDeleteRequest(op.request_delete_range);
      break;
    case 'request_txn':
      if (op.request_txn) return checkTxnOps(op.request_txn, limits);
      break;
    default:
      break;
  }
  // An op with no request set: etcd answers "key not found".
  throw etcdError('KeyNotFound');
}

/** A half-open byte interval [start, end); a point when `end` is undefined. */
interface Interval {
  start: Buffer;
  end: Buffer | undefined;
}

function intervalContains(iv: Interval, key: Buffer): boolean {
  if (iv.end === undefined) return compareBytes(iv.start, key) === 0;
  // Byte order, with no special meaning for "\0": etcd's own check treats the end literally.
  return compareBytes(iv.start, key) <= 0 && compareBytes(key, iv.end) < 0;
}

function anyContains(ivs: Interval[], key: Buffer): boolean {
  return ivs.some((iv) => intervalContains(iv, key));
}

/**
 * Within one branch no key may be put twice, and no put may fall in a range the branch deletes,
 * nested txns included. Puts in the two branches of one nested txn may overlap (only one runs).
 * Returns the puts and deletes of the ops, for the enclosing level's check.
 */
function checkNoDuplicatePuts(ops: RequestOp__Output[]): { puts: Set<string>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const op of ops) {
    if (op.request !== 'request_delete_range' || !op.request_delete_range) continue;
    const d = op.request_delete_range;
    const end = toBuffer(d.range_end);
    dels.push({ start: toBuffer(d.key), end: end.length === 0 ? undefined : end });
  }
  const puts = new Set<string>();
  const dupIfTaken = (k: string, allowed?: Set<string>): void => {
    if (puts.has(k) && !(allowed && allowed.has(k))) throw etcdError('DuplicateKey');
    if (anyContains(dels, Buffer.from(k, 'latin1'))) throw etcdError('DuplicateKey');
    puts.add(k);
  };
  for (const op of ops) {
    if (op.request !== 'request_txn' || !op.request_txn) continue;
    const then = checkNoDuplicatePuts(op.request_txn.success);
    const otherwise = checkNoDuplicatePuts(op.request_txn.failure);
    for (const k of then.puts) dupIfTaken(k);
    for (const k of otherwise.puts) dupIfTaken(k, then.puts);
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (op.request !== 'request_put' || !op.request_put) continue;
    dupIfTaken(toBuffer(op.request_put.key).toString('latin1'));
  }
  return { puts, dels };
}

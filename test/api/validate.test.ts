import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTxnRequest, checkPutRequest, checkRangeRequest } from '../../src/api/validate.js';
import { EtcdError } from '../../src/base/errors.js';
import type { RequestOp__Output } from '../../src/gen/etcdserverpb/RequestOp.js';
import type { TxnRequest__Output } from '../../src/gen/etcdserverpb/TxnRequest.js';
import type { PutRequest__Output } from '../../src/gen/etcdserverpb/PutRequest.js';

const b = (s: string): Buffer => Buffer.from(s);
const putReq = (k: string, extra: Partial<PutRequest__Output> = {}): PutRequest__Output => ({
  key: b(k),
  value: b('v'),
  lease: '0',
  prev_kv: false,
  ignore_value: false,
  ignore_lease: false,
  ...extra,
});
const put = (k: string): RequestOp__Output => ({ request: 'request_put', request_put: putReq(k) });
const del = (k: string, end = ''): RequestOp__Output => ({
  request: 'request_delete_range',
  request_delete_range: { key: b(k), range_end: b(end), prev_kv: false },
});
const txn = (success: RequestOp__Output[], failure: RequestOp__Output[] = []): TxnRequest__Output => ({
  compare: [],
  success,
  failure,
});
const nested = (success: RequestOp__Output[], failure: RequestOp__Output[] = []): RequestOp__Output => ({
  request: 'request_txn',
  request_txn: txn(success, failure),
});

function rejects(fn: () => void, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof EtcdError && err.message === message);
}

const limits = { maxTxnOps: 128 };
const DUP = 'etcdserver: duplicate key given in txn request';

test('two puts of one key in a branch are duplicates; across branches they are not', () => {
  rejects(() => checkTxnRequest(txn([put('a'), put('a')]), limits), DUP);
  assert.doesNotThrow(() => checkTxnRequest(txn([put('a')], [put('a')]), limits));
});

test('a put inside a range deleted by the same branch is a duplicate', () => {
  rejects(() => checkTxnRequest(txn([del('a', 'c'), put('b')]), limits), DUP);
  rejects(() => checkTxnRequest(txn([put('b'), del('b')]), limits), DUP);
  assert.doesNotThrow(() => checkTxnRequest(txn([del('a', 'c'), put('c')]), limits));
  assert.doesNotThrow(() => checkTxnRequest(txn([del('a'), del('a')]), limits));
});

test('nested txns: then/else of one nested txn may overlap, but not with the outer level', () => {
  assert.doesNotThrow(() => checkTxnRequest(txn([nested([put('a')], [put('a')])]), limits));
  rejects(() => checkTxnRequest(txn([nested([put('a')]), put('a')]), limits), DUP);
  rejects(() => checkTxnRequest(txn([nested([put('a')]), nested([], [put('a')])]), limits), DUP);
  rejects(() => checkTxnRequest(txn([del('a', 'z'), nested([put('b')])]), limits), DUP);
  rejects(() => checkTxnRequest(txn([nested([del('a', 'z')]), put('b')]), limits), DUP);
});

test('too many operations: more than max-txn-ops in compare, success or failure', () => {
  const ops = Array.from({ length: 129 }, (_, i) => put(`k${i}`));
  rejects(() => checkTxnRequest(txn(ops), limits), 'etcdserver: too many operations in txn request');
  assert.doesNotThrow(() => checkTxnRequest(txn(ops.slice(0, 128)), limits));
  rejects(() => checkTxnRequest(txn([nested(ops)]), limits), 'etcdserver: too many operations in txn request');
});

test('empty keys and empty ops', () => {
  rejects(() => checkRangeRequest({ key: b('') } as never), 'etcdserver: key is not provided');
  rejects(() => checkPutRequest(putReq('')), 'etcdserver: key is not provided');
  rejects(() => checkTxnRequest(txn([{ request: undefined } as unknown as RequestOp__Output]), limits), 'etcdserver: key not found');
  rejects(
    () =>
      checkTxnRequest(
        { compare: [{ key: b(''), range_end: b(''), result: 'EQUAL', target: 'VERSION', version: '0', target_union: 'version' }], success: [], failure: [] } as never,
        limits,
      ),
    'etcdserver: key is not provided',
  );
});

test('put flags: ignore_value with a value, ignore_lease with a lease', () => {
  rejects(() => checkPutRequest(putReq('a', { ignore_value: true })), 'etcdserver: value is provided');
  rejects(() => checkPutRequest(putReq('a', { ignore_lease: true, lease: '5', value: b('') })), 'etcdserver: lease is provided');
  assert.doesNotThrow(() => checkPutRequest(putReq('a', { ignore_value: true, value: b('') })));
});

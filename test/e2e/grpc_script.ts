/**
 * The KV surface that etcdctl cannot reach, as raw gRPC requests run in order on a fresh member:
 * count_only, min/max mod and create revision filters, sort_order NONE with a target, binary
 * keys, range ends of "\0", compares over key ranges and on LEASE, nested transactions, reads at
 * the compaction revision. Each step's decoded response (or gRPC error) becomes a transcript
 * entry, compared between etcd and tetcd like the etcdctl session.
 */
import type { EtcdGrpcClient } from '../helpers/grpc_client.js';
import type { RangeRequest } from '../../src/gen/etcdserverpb/RangeRequest.js';
import type { TxnRequest } from '../../src/gen/etcdserverpb/TxnRequest.js';
import type { Compare } from '../../src/gen/etcdserverpb/Compare.js';
import { isServiceError } from '../helpers/grpc_client.js';
import { normalizeOutput, type TranscriptEntry } from './ctl_transcript.js';

export interface GrpcStep {
  name: string;
  call(client: EtcdGrpcClient): Promise<unknown>;
}

const b = (s: string): Buffer => Buffer.from(s);
const ZERO = Buffer.from([0]);
const FF = Buffer.from([0xff]);

function range(req: RangeRequest): GrpcStep {
  return { name: `Range ${show(req)}`, call: (c) => c.range(req) };
}
function put(key: string | Buffer, value: string | Buffer, extra: { prev_kv?: boolean; ignore_value?: boolean } = {}): GrpcStep {
  const req = { key: Buffer.from(key), value: extra.ignore_value ? undefined : Buffer.from(value), ...extra };
  return { name: `Put ${show(req)}`, call: (c) => c.put(req) };
}
function del(key: string | Buffer, rangeEnd?: string | Buffer, prevKv = false): GrpcStep {
  const req = { key: Buffer.from(key), range_end: rangeEnd === undefined ? undefined : Buffer.from(rangeEnd), prev_kv: prevKv };
  return { name: `DeleteRange ${show(req)}`, call: (c) => c.deleteRange(req) };
}
function txn(req: TxnRequest): GrpcStep {
  return { name: `Txn ${show(req)}`, call: (c) => c.txn(req) };
}
function compact(revision: number, physical = false): GrpcStep {
  return { name: `Compact ${revision}${physical ? ' physical' : ''}`, call: (c) => c.compact({ revision, physical }) };
}

type Target = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
type Result = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
const UNION_FIELD = { VERSION: 'version', CREATE: 'create_revision', MOD: 'mod_revision', VALUE: 'value', LEASE: 'lease' } as const;
function cmp(key: string, target: Target, result: Result, operand: number | string, rangeEnd?: string | Buffer): Compare {
  const value = target === 'VALUE' ? b(String(operand)) : operand;
  return { key: b(key), range_end: rangeEnd === undefined ? undefined : Buffer.from(rangeEnd), target, result, [UNION_FIELD[target]]: value };
}

/** Human-readable JSON for step names and outputs: bytes as text when printable, else hex. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) {
    return /^[\x20-\x7e]*$/.test(value.toString('latin1')) ? value.toString('latin1') : `0x${value.toString('hex')}`;
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
function show(req: object): string {
  return JSON.stringify(plain(req));
}

/** Decoded responses carry 64-bit numbers as strings; normalize ids the way etcdctl json is. */
function describeResponse(res: unknown): string {
  const text = JSON.stringify(plain(res), null, 1).replace(/"(cluster_id|member_id|raft_term)": "(\d+)"/g, '"$1":$2');
  return normalizeOutput(text);
}

export async function runGrpcTranscript(client: EtcdGrpcClient, steps: readonly GrpcStep[]): Promise<TranscriptEntry[]> {
  const entries: TranscriptEntry[] = [];
  for (const step of steps) {
    let output: string;
    try {
      output = describeResponse(await step.call(client));
    } catch (err) {
      if (!isServiceError(err)) throw err;
      output = `error ${err.code}: ${err.details}`;
    }
    entries.push({ command: step.name, output });
  }
  return entries;
}

const ALL = { key: ZERO, range_end: ZERO };

export const GRPC_SCRIPT: readonly GrpcStep[] = [
  put('a', '1'), // 2
  put('b', '2'), // 3
  put('c', '3'), // 4
  put('a', '11'), // 5
  put('aa', 'x'), // 6
  put('ab', 'y'), // 7
  put('d', '4'), // 8
  put('b', '22'), // 9
  put(ZERO, Buffer.from([0xff, 0x00])), // 10
  put(FF, 'ff'), // 11
  put(Buffer.from([0xff, 0xff]), 'ffff'), // 12
  put('a', '111', { prev_kv: true }), // 13
  put('new', 'n', { prev_kv: true }), // 14
  put('new', '', { ignore_value: true, prev_kv: true }), // 15

  // ranges
  range({ key: b('a') }),
  range({ key: b('a'), range_end: b('b') }),
  range(ALL),
  range({ key: b('a'), range_end: ZERO }),
  range({ key: FF, range_end: ZERO }),
  range({ key: b('a'), range_end: b('a') }),
  range({ key: b('b'), range_end: b('a') }),
  range({ ...ALL, count_only: true }),
  range({ ...ALL, keys_only: true }),
  range({ ...ALL, keys_only: true, count_only: true }),
  range({ ...ALL, limit: 2 }),
  range({ ...ALL, limit: 10 }),
  range({ ...ALL, limit: 2, count_only: true }),
  range({ ...ALL, keys_only: true, sort_order: 'DESCEND', sort_target: 'KEY', limit: 3 }),
  range({ ...ALL, keys_only: true, sort_order: 'ASCEND', sort_target: 'VALUE' }),
  range({ ...ALL, keys_only: true, sort_order: 'NONE', sort_target: 'VALUE' }),
  range({ ...ALL, keys_only: true, sort_order: 'NONE', sort_target: 'MOD', limit: 3 }),
  range({ ...ALL, keys_only: true, sort_order: 'DESCEND', sort_target: 'VERSION' }),
  range({ ...ALL, keys_only: true, sort_order: 'ASCEND', sort_target: 'CREATE', limit: 4 }),
  range({ ...ALL, keys_only: true, sort_order: 'DESCEND', sort_target: 'MOD', limit: 4 }),
  range({ ...ALL, keys_only: true, min_mod_revision: 9 }),
  range({ ...ALL, keys_only: true, max_mod_revision: 8 }),
  range({ ...ALL, keys_only: true, min_create_revision: 6 }),
  range({ ...ALL, keys_only: true, max_create_revision: 4 }),
  range({ ...ALL, keys_only: true, min_mod_revision: 5, max_mod_revision: 10 }),
  range({ ...ALL, keys_only: true, min_mod_revision: 9, limit: 2 }),
  range({ ...ALL, min_mod_revision: 9, count_only: true }),
  range({ ...ALL, keys_only: true, min_create_revision: 3, max_create_revision: 10, sort_order: 'DESCEND', sort_target: 'VALUE', limit: 3 }),
  range({ ...ALL, revision: 5 }),
  range({ ...ALL, revision: 5, count_only: true }),
  range({ ...ALL, revision: 9, limit: 2, keys_only: true }),
  range({ key: b('a'), revision: 4, serializable: true }),
  range({ ...ALL, serializable: true, count_only: true }),

  // deletes
  del('nothing', undefined, true), // no revision
  del('aa', 'ab', true), // 16: [aa, ab)
  del('c', undefined, true), // 17
  range({ ...ALL, keys_only: true }),
  range({ key: b('aa'), revision: 15 }),
  range({ key: b('aa'), revision: 16 }),

  // transactions
  txn({ compare: [cmp('a', 'VALUE', 'GREATER', '110')], success: [{ request_range: { key: b('a') } }] }),
  txn({ compare: [cmp('a', 'VALUE', 'LESS', '2')], success: [{ request_range: { key: b('a') } }] }),
  txn({ compare: [cmp('a', 'VALUE', 'NOT_EQUAL', '111')], failure: [{ request_range: { key: b('a'), keys_only: true } }] }),
  txn({ compare: [cmp('a', 'VERSION', 'GREATER', 0, 'b')], success: [{ request_range: { key: b('a'), range_end: b('b'), count_only: true } }] }),
  txn({ compare: [cmp('a', 'VERSION', 'GREATER', 1, 'b')], failure: [{ request_range: { key: b('a'), range_end: b('b'), keys_only: true } }] }),
  txn({ compare: [cmp('a', 'MOD', 'LESS', 100, ZERO)], success: [{ request_range: { ...ALL, count_only: true } }] }),
  txn({ compare: [cmp('a', 'CREATE', 'EQUAL', 2, ZERO)] }),
  txn({ compare: [cmp('a', 'LEASE', 'EQUAL', 0)] }),
  txn({ compare: [cmp('a', 'LEASE', 'EQUAL', 0, ZERO)] }),
  txn({ compare: [cmp('a', 'LEASE', 'GREATER', 0)] }),
  txn({ compare: [cmp('missing', 'CREATE', 'EQUAL', 0), cmp('missing', 'VERSION', 'EQUAL', 0), cmp('missing', 'MOD', 'LESS', 1)] }),
  txn({ compare: [cmp('missing', 'VALUE', 'EQUAL', '')] }),
  txn({ compare: [cmp('missing', 'VALUE', 'NOT_EQUAL', 'x')] }),
  txn({ compare: [cmp('x', 'VERSION', 'EQUAL', 0, 'z')] }), // an empty range satisfies any compare
  txn({
    // 18: nested txns, both branches
    compare: [cmp('a', 'VALUE', 'EQUAL', '111')],
    success: [
      { request_put: { key: b('n1'), value: b('1'), prev_kv: true } },
      {
        request_txn: {
          compare: [cmp('n1', 'VERSION', 'EQUAL', 1)],
          success: [{ request_range: { key: b('n1') } }, { request_put: { key: b('n2'), value: b('2') } }],
          failure: [{ request_put: { key: b('n3'), value: b('3') } }],
        },
      },
      { request_txn: { compare: [cmp('n1', 'VERSION', 'EQUAL', 5)], failure: [{ request_range: { key: b('n'), range_end: b('o') } }] } },
    ],
  }),
  txn({
    // 19: writes, then reads of them, in one revision
    success: [
      { request_delete_range: { key: b('n'), range_end: b('o'), prev_kv: true } },
      { request_put: { key: b('p'), value: b('1'), prev_kv: true } },
      { request_range: { key: b('n'), range_end: b('q') } },
    ],
  }),
  txn({ compare: [cmp('p', 'MOD', 'EQUAL', 18)], failure: [{ request_txn: { success: [{ request_put: { key: b('q') } }] } }] }), // 20
  txn({ success: [{ request_range: { key: b('a'), revision: 5 } }, { request_range: { ...ALL, limit: 1, sort_order: 'DESCEND', sort_target: 'MOD' } }] }),
  txn({ success: [{ request_delete_range: { key: b('missing') } }] }), // deletes nothing: no new revision
  range({ ...ALL, count_only: true }),

  // compaction and reads around it
  compact(12, true),
  range({ ...ALL, revision: 11 }),
  range({ ...ALL, revision: 12, keys_only: true }),
  range({ ...ALL, revision: 12, count_only: true }),
  range({ key: b('aa'), revision: 15 }),
  txn({ success: [{ request_range: { key: b('a'), revision: 12 } }] }),
  txn({ success: [{ request_range: { key: b('a'), revision: 11 } }] }),
  compact(12),
  compact(19, true),
  range({ ...ALL, keys_only: true, revision: 19 }),
  put('after', 'compaction'), // 21
  range({ ...ALL, keys_only: true }),
];

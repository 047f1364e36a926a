/**
 * Requests that etcd refuses, with the exact gRPC code and message etcd 3.4 answers, plus a few
 * that look wrong but that etcd accepts (so a server must not refuse them either). The table is
 * run against the real etcd too, which keeps its expectations honest.
 */
import type { EtcdGrpcClient } from '../helpers/grpc_client.js';

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const OUT_OF_RANGE = 11;

export interface RequestCase {
  name: string;
  send(client: EtcdGrpcClient): Promise<unknown>;
  /** Absent: etcd accepts the request. */
  rejects?: { code: number; details: string };
}

const b = (s: string): Buffer => Buffer.from(s);
const EMPTY_KEY = { code: INVALID_ARGUMENT, details: 'etcdserver: key is not provided' };
const TOO_MANY_OPS = { code: INVALID_ARGUMENT, details: 'etcdserver: too many operations in txn request' };
const DUPLICATE_KEY = { code: INVALID_ARGUMENT, details: 'etcdserver: duplicate key given in txn request' };
const TOO_LARGE = { code: INVALID_ARGUMENT, details: 'etcdserver: request is too large' };
const KEY_NOT_FOUND = { code: INVALID_ARGUMENT, details: 'etcdserver: key not found' };
const LEASE_NOT_FOUND = { code: NOT_FOUND, details: 'etcdserver: requested lease not found' };
const COMPACTED = { code: OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision has been compacted' };
const FUTURE = { code: OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision is a future revision' };

/** Over the default --max-request-bytes (1.5 MiB) yet under etcd's gRPC message limit (+512 KiB). */
const OVERSIZED = Buffer.alloc(1.5 * 1024 * 1024 + 64 * 1024, 'x');
const MAX_TXN_OPS = 128;
const puts = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ request_put: { key: b(`${prefix}${i}`) } }));
/** A compare that is false on the fixture, to reach a txn's failure branch. */
const FALSE_COMPARE = { key: b('a'), target: 'VERSION' as const, result: 'EQUAL' as const, version: 99 };

/**
 * The state the cases expect: `a` written twice (revisions 2 and 3), `b` once (4), compacted at
 * 3; current revision 4.
 */
export async function prepareFixture(client: EtcdGrpcClient): Promise<void> {
  await client.put({ key: b('a'), value: b('1') });
  await client.put({ key: b('a'), value: b('2') });
  await client.put({ key: b('b'), value: b('x') });
  await client.compact({ revision: 3, physical: true });
}
export const FIXTURE_REVISION = 4;

export const REQUEST_CASES: readonly RequestCase[] = [
  // empty keys, wherever a key goes
  { name: 'put with an empty key', send: (c) => c.put({ key: b(''), value: b('v') }), rejects: EMPTY_KEY },
  { name: 'range with an empty key', send: (c) => c.range({ key: b('') }), rejects: EMPTY_KEY },
  { name: 'range with an empty key and a range end', send: (c) => c.range({ key: b(''), range_end: b('z') }), rejects: EMPTY_KEY },
  { name: 'delete with an empty key', send: (c) => c.deleteRange({ key: b('') }), rejects: EMPTY_KEY },
  { name: 'txn put with an empty key', send: (c) => c.txn({ success: [{ request_put: { key: b('') } }] }), rejects: EMPTY_KEY },
  { name: 'txn range with an empty key', send: (c) => c.txn({ success: [{ request_range: { key: b('') } }] }), rejects: EMPTY_KEY },
  { name: 'txn delete with an empty key', send: (c) => c.txn({ success: [{ request_delete_range: { key: b('') } }] }), rejects: EMPTY_KEY },
  {
    name: 'txn compare with an empty key',
    send: (c) => c.txn({ compare: [{ key: b(''), target: 'VERSION', result: 'EQUAL', version: 0 }] }),
    rejects: EMPTY_KEY,
  },
  // put flags
  {
    name: 'put with ignore_value and a value',
    send: (c) => c.put({ key: b('a'), value: b('x'), ignore_value: true }),
    rejects: { code: INVALID_ARGUMENT, details: 'etcdserver: value is provided' },
  },
  {
    name: 'put with ignore_lease and a lease',
    send: (c) => c.put({ key: b('a'), lease: 5, ignore_lease: true }),
    rejects: { code: INVALID_ARGUMENT, details: 'etcdserver: lease is provided' },
  },
  { name: 'put ignore_value on a missing key', send: (c) => c.put({ key: b('zz'), ignore_value: true }), rejects: KEY_NOT_FOUND },
  { name: 'put ignore_lease on a missing key', send: (c) => c.put({ key: b('zz'), value: b('v'), ignore_lease: true }), rejects: KEY_NOT_FOUND },
  {
    name: 'txn put ignore_value on a missing key',
    send: (c) => c.txn({ success: [{ request_put: { key: b('zz'), ignore_value: true } }] }),
    rejects: KEY_NOT_FOUND,
  },
  // leases
  { name: 'put with a lease that does not exist', send: (c) => c.put({ key: b('a'), value: b('v'), lease: 1234 }), rejects: LEASE_NOT_FOUND },
  {
    name: 'txn put with a lease that does not exist',
    send: (c) => c.txn({ success: [{ request_put: { key: b('c'), lease: 1234 } }] }),
    rejects: LEASE_NOT_FOUND,
  },
  {
    name: 'txn with an unknown lease in the branch not taken (accepted)',
    send: (c) => c.txn({ compare: [FALSE_COMPARE], success: [{ request_put: { key: b('a'), lease: 1234 } }] }),
  },
  // txn size and shape
  { name: `txn with ${MAX_TXN_OPS + 1} success ops`, send: (c) => c.txn({ success: puts(MAX_TXN_OPS + 1, 's') }), rejects: TOO_MANY_OPS },
  { name: `txn with ${MAX_TXN_OPS + 1} failure ops`, send: (c) => c.txn({ failure: puts(MAX_TXN_OPS + 1, 'f') }), rejects: TOO_MANY_OPS },
  {
    name: `txn with ${MAX_TXN_OPS + 1} compares`,
    send: (c) =>
      c.txn({
        compare: Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => ({ key: b(`k${i}`), target: 'VERSION' as const, result: 'EQUAL' as const, version: 0 })),
      }),
    rejects: TOO_MANY_OPS,
  },
  {
    name: `nested txn with ${MAX_TXN_OPS + 1} ops`,
    send: (c) => c.txn({ success: [{ request_txn: { success: puts(MAX_TXN_OPS + 1, 'n') } }] }),
    rejects: TOO_MANY_OPS,
  },
  {
    name: 'txn putting one key twice',
    send: (c) => c.txn({ success: [{ request_put: { key: b('d') } }, { request_put: { key: b('d') } }] }),
    rejects: DUPLICATE_KEY,
  },
  {
    name: 'txn putting a key it deletes',
    send: (c) => c.txn({ success: [{ request_put: { key: b('d1') } }, { request_delete_range: { key: b('d'), range_end: b('e') } }] }),
    rejects: DUPLICATE_KEY,
  },
  {
    name: 'txn putting a key its nested txn puts',
    send: (c) => c.txn({ success: [{ request_put: { key: b('n') } }, { request_txn: { success: [{ request_put: { key: b('n') } }] } }] }),
    rejects: DUPLICATE_KEY,
  },
  {
    name: 'txn with a duplicate only in the failure branch',
    send: (c) => c.txn({ failure: [{ request_put: { key: b('d') } }, { request_put: { key: b('d') } }] }),
    rejects: DUPLICATE_KEY,
  },
  // request size
  { name: 'put over --max-request-bytes', send: (c) => c.put({ key: b('big'), value: OVERSIZED }), rejects: TOO_LARGE },
  { name: 'txn over --max-request-bytes', send: (c) => c.txn({ success: [{ request_put: { key: b('big'), value: OVERSIZED } }] }), rejects: TOO_LARGE },
  { name: 'range with an oversized key (reads are not size-checked, accepted)', send: (c) => c.range({ key: OVERSIZED }) },
  // revisions
  { name: 'range at a future revision', send: (c) => c.range({ key: b('a'), revision: FIXTURE_REVISION + 1 }), rejects: FUTURE },
  { name: 'range at a compacted revision', send: (c) => c.range({ key: b('a'), revision: 2 }), rejects: COMPACTED },
  { name: 'range at the compaction revision (accepted)', send: (c) => c.range({ key: b('a'), revision: 3 }) },
  { name: 'range at a negative revision (accepted, reads the latest)', send: (c) => c.range({ key: b('a'), revision: -1 }) },
  { name: 'range with a negative limit (accepted)', send: (c) => c.range({ key: b('a'), limit: -1 }) },
  {
    name: 'txn range at a compacted revision',
    send: (c) => c.txn({ success: [{ request_range: { key: b('a'), revision: 1 } }] }),
    rejects: COMPACTED,
  },
  {
    name: 'txn range at a future revision',
    send: (c) => c.txn({ success: [{ request_range: { key: b('a'), revision: 100 } }] }),
    rejects: FUTURE,
  },
  {
    name: 'txn range at a compacted revision in the branch not taken (accepted)',
    send: (c) => c.txn({ compare: [FALSE_COMPARE], success: [{ request_range: { key: b('a'), revision: 1 } }] }),
  },
  { name: 'compact at a future revision', send: (c) => c.compact({ revision: FIXTURE_REVISION + 1 }), rejects: FUTURE },
  { name: 'compact at the compacted revision', send: (c) => c.compact({ revision: 3 }), rejects: COMPACTED },
  { name: 'compact at an older revision', send: (c) => c.compact({ revision: 2 }), rejects: COMPACTED },
  { name: 'compact at revision 0', send: (c) => c.compact({ revision: 0 }), rejects: COMPACTED },
];

/**
 * One etcdctl session over the whole KV surface, run step by step on a fresh single member: puts,
 * gets with every range and output option, deletes, transactions (both branches, every compare
 * target and operator, every op kind), compaction and reads at older, compacted and future
 * revisions, and every server-side error etcdctl can provoke. The `// N` comments give the
 * revision each write produces on etcd 3.4 from an empty store (revision 1), and the steps that
 * name revisions rely on them: after inserting a write, check the transcript
 * (TETCD_DIFF_DUMP=<dir> writes it) and renumber.
 */
import type { CtlStep } from './ctl_transcript.js';

function ctl(...args: string[]): CtlStep {
  return { args };
}

/** etcdctl's non-interactive txn: compares, success ops, failure ops, each ended by a blank line. */
function txn(compares: string[], success: string[], failure: string[], ...flags: string[]): CtlStep {
  const stdin = [compares, success, failure].map((section) => section.map((l) => `${l}\n`).join('') + '\n').join('');
  return { args: ['txn', ...flags], stdin };
}

/** Default --max-txn-ops is 128. */
const MAX_TXN_OPS = 128;
/** Default --max-request-bytes is 1.5 MiB; etcd's gRPC limit is that plus 512 KiB. */
const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

function manyPuts(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, i) => `put ${prefix}${String(i).padStart(3, '0')} v${i}`);
}

const OUTPUTS = ['simple', 'json', 'fields'] as const;
const SORT_TARGETS = ['CREATE', 'KEY', 'MODIFY', 'VALUE', 'VERSION'] as const;
const ORDERS = ['ASCEND', 'DESCEND'] as const;

export const KV_SCRIPT: readonly CtlStep[] = [
  // --- an empty store
  ctl('get', 'foo', '-w', 'json'),
  ctl('get', '--prefix', '', '-w', 'json'),
  ctl('get', '--from-key', '', '-w', 'fields'),

  // --- put: outputs, prev-kv, stdin values, odd keys and values
  ctl('put', 'foo', 'bar'), // rev 2
  ctl('put', 'foo', 'bar2', '-w', 'json'), // 3
  ctl('put', 'foo', 'bar3', '-w', 'fields'), // 4
  ctl('put', 'foo', 'bar4', '--prev-kv'), // 5
  ctl('put', 'foo', 'bar5', '--prev-kv', '-w', 'json'), // 6
  ctl('put', 'foo', 'bar6', '--prev-kv', '-w', 'fields'), // 7
  ctl('put', 'fresh', 'v', '--prev-kv', '-w', 'json'), // 8: no previous kv
  ctl('put', 'foo1', 'one'), // 9
  ctl('put', 'foo2', 'two'), // 10
  ctl('put', 'foo3', 'three'), // 11
  ctl('put', 'fop', 'zzz'), // 12
  ctl('put', 'fo', 'aaa'), // 13
  ctl('put', 'key with spaces', 'value with spaces'), // 14
  ctl('put', 'unicode-ключ', 'héllo wörld ✓'), // 15
  ctl('put', 'empty-value', ''), // 16
  { args: ['put', 'from-stdin'], stdin: 'multi\nline\nvalue\n' }, // 17
  ctl('put', 'foo2', 'two-b'), // 18
  ctl('put', 'foo2', 'two-c'), // 19
  ctl('put', 'z', 'last'), // 20

  // --- get: output formats and every option
  ...OUTPUTS.map((w) => ctl('get', 'foo', '-w', w)),
  ctl('get', 'empty-value', '-w', 'json'),
  ctl('get', 'from-stdin', '-w', 'json'),
  ctl('get', 'unicode-ключ', '-w', 'fields'),
  ctl('get', 'key with spaces'),
  ctl('get', 'foo', '--print-value-only'),
  ctl('get', '--prefix', 'foo', '--print-value-only'),
  ctl('get', 'foo', '--keys-only'),
  ctl('get', 'foo', '--keys-only', '-w', 'json'),
  ctl('get', 'foo', '--hex'),
  ctl('get', '--prefix', 'fo', '--hex', '-w', 'fields'),
  ctl('get', 'missing'),
  ctl('get', 'missing', '-w', 'json'),
  ctl('get', 'missing', '-w', 'fields'),
  ...OUTPUTS.map((w) => ctl('get', '--prefix', 'foo', '-w', w)),
  ctl('get', '--prefix', 'fo', '--keys-only'),
  ctl('get', '--prefix', '', '--keys-only'),
  ctl('get', '--prefix', 'nothing-here', '-w', 'json'),
  ctl('get', '--from-key', 'foo2'),
  ctl('get', '--from-key', '', '--keys-only'),
  ctl('get', '--from-key', 'zz', '-w', 'json'),
  ctl('get', 'foo', 'foo3'), // [foo, foo3)
  ctl('get', 'a', 'g', '-w', 'json'),
  ctl('get', 'g', 'a', '-w', 'json'), // end before start: nothing
  ...OUTPUTS.map((w) => ctl('get', '--prefix', 'fo', '--limit', '2', '-w', w)),
  ctl('get', '--prefix', 'fo', '--limit', '100', '-w', 'json'),
  ctl('get', '--from-key', '', '--limit', '1', '-w', 'json'),
  ...SORT_TARGETS.flatMap((target) =>
    ORDERS.map((order) => ctl('get', '--prefix', 'fo', `--sort-by=${target}`, `--order=${order}`)),
  ),
  ctl('get', '--prefix', 'fo', '--order=DESCEND', '--keys-only'),
  ctl('get', '--prefix', 'fo', '--sort-by=VALUE', '--keys-only'),
  ctl('get', '--prefix', 'fo', '--sort-by=MODIFY', '--order=DESCEND', '--limit', '2', '-w', 'json'),
  ctl('get', '--prefix', 'fo', '--sort-by=VERSION', '--order=DESCEND', '--limit', '3', '-w', 'fields'),
  ctl('get', 'foo', '--consistency=s', '-w', 'json'),
  ctl('get', '--prefix', 'fo', '--consistency=s', '--keys-only'),

  // --- history: reads at older revisions
  ctl('get', 'foo', '--rev=2', '-w', 'json'),
  ctl('get', 'foo', '--rev=5'),
  ctl('get', 'foo2', '--rev=10', '-w', 'fields'),
  ctl('get', '--prefix', 'foo', '--rev=9', '-w', 'json'),
  ctl('get', '--prefix', 'fo', '--rev=12', '--keys-only'),
  ctl('get', '--from-key', '', '--rev=1', '-w', 'json'), // the empty initial store
  ctl('get', 'foo', '--rev=20', '-w', 'json'), // the current revision
  ctl('get', 'foo', '--rev=21', '-w', 'json'), // future
  ctl('get', 'foo', '--rev=1000'),
  ctl('get', '--prefix', 'fo', '--rev=12', '--sort-by=VERSION', '--order=DESCEND', '--limit', '2', '-w', 'json'),

  // --- put: ignore-value, ignore-lease, leases that do not exist, and client-side refusals
  ctl('put', 'foo1', '--ignore-value'), // 21
  ctl('put', 'foo1', '--ignore-value', '-w', 'json'), // 22
  ctl('get', 'foo1', '-w', 'json'),
  ctl('put', 'foo1', 'one-b', '--ignore-lease', '--prev-kv', '-w', 'json'), // 23
  ctl('put', 'foo1', '--ignore-value', '--ignore-lease'), // 24
  ctl('put', 'nokey', '--ignore-value'),
  ctl('put', 'nokey', 'v', '--ignore-lease'),
  ctl('put', 'foo', 'v', '--lease=1234'),
  ctl('put', 'foo', 'v', '--lease=7fffffffffffffff', '-w', 'json'),
  ctl('put', 'foo', 'v', '--lease=zz'),
  ctl('put', 'foo', 'v', '--ignore-value'),
  ctl('put', 'foo'),
  ctl('put', '', 'v'),
  ctl('put', '', 'v', '-w', 'json'),
  ctl('get', ''),
  ctl('get', '', '-w', 'json'),
  ctl('get', '--from-key', '', '--keys-only', '-w', 'json'), // nothing above changed the store: rev 24

  // --- delete
  ctl('del', 'nothing'),
  ctl('del', 'nothing', '-w', 'json'),
  ctl('del', 'nothing', '-w', 'fields'),
  ctl('del', '--prefix', 'nothing', '--prev-kv', '-w', 'json'),
  ctl('del', ''),
  ctl('del', '', '-w', 'json'),
  ctl('del', 'foo3'), // 25
  ctl('del', 'foo2', '--prev-kv'), // 26
  ctl('put', 'foo2', 'reborn'), // 27: a new generation
  ctl('get', 'foo2', '-w', 'json'),
  ctl('get', 'foo2', '--rev=25', '-w', 'json'),
  ctl('get', 'foo2', '--rev=26', '-w', 'json'),
  ctl('get', 'foo3', '--rev=24', '-w', 'json'),
  ctl('del', 'foo2', '--prev-kv', '-w', 'json'), // 28
  ctl('del', 'fresh', '-w', 'fields'), // 29
  ctl('put', 'd1', '1'), // 30
  ctl('put', 'd2', '2'), // 31
  ctl('put', 'd3', '3'), // 32
  ctl('put', 'd4', '4'), // 33
  ctl('put', 'e1', '1'), // 34
  ctl('del', 'd1', 'd3', '--prev-kv'), // 35: [d1, d3), one revision for two keys
  ctl('get', '--prefix', 'd', '-w', 'json'),
  ctl('del', '--prefix', 'd', '--prev-kv', '-w', 'json'), // 36
  ctl('del', '--from-key', 'e', '--prev-kv', '-w', 'fields'), // 37: e1, empty-value, foo*, fo*, from-stdin, key with spaces, unicode, z
  ctl('get', '--from-key', '', '-w', 'json'),
  ctl('get', '--from-key', '', '--rev=36', '--keys-only'),
  ctl('put', 'foo', 'after-delete', '-w', 'json'), // 38
  ctl('get', 'foo', '-w', 'json'),

  // --- txn: both branches, compare targets and operators, op kinds, outputs
  ctl('put', 'a', '1'), // 39
  ctl('put', 'b', '2'), // 40
  ctl('put', 'c', '3'), // 41
  txn(['val("a") = "1"'], ['put a 10', 'get a'], ['put b fail']), // 42
  txn(['val("a") = "1"'], ['put a 11'], ['put b 20', 'get b']), // 43 (failure)
  txn(['val("a") = "10"'], ['put a 12', 'get a'], ['put b x'], '-w', 'json'), // 44
  txn(['val("a") = "nope"'], ['put a x'], ['put b 21', 'get b', 'del c'], '-w', 'json'), // 45 (failure)
  txn(['val("a") = "12"'], ['put a 13 --prev-kv', 'get --prefix a', 'del b --prev-kv'], [], '-w', 'fields'), // 46
  txn(['val("a") != "13"'], [], ['put c 30', 'get c'], '-w', 'fields'), // 47 (failure)
  txn(['val("a") > "12"', 'val("a") < "14"'], ['get a'], []),
  txn(['val("a") > "13"'], ['get a'], ['get c']),
  txn(['ver("a") = "4"'], ['put a v5'], []), // 48
  txn(['ver("a") > "5"'], ['get a'], ['get a --keys-only']),
  txn(['ver("a") < "100"', 'ver("a") != "0"'], ['get a'], []),
  txn(['create("a") = "39"'], ['put a c39'], []), // 49
  txn(['create("a") > "39"'], ['put a bad'], ['get a']),
  txn(['create("a") < "40"', 'create("a") != "0"'], ['get a'], []),
  txn(['mod("a") = "49"'], ['put a m49', 'get a --rev=45'], []), // 50
  txn(['mod("a") > "50"'], [], ['get a']),
  txn(['mod("a") < "51"', 'mod("a") != "3"'], ['get a'], []),
  txn([], ['get a -w json'], []), // output flags are not txn ops: refused by etcdctl
  txn(['create("absent") = "0"', 'ver("absent") = "0"', 'mod("absent") = "0"'], ['put absent now'], []), // 51
  txn(['val("never") = ""'], ['put never x'], ['get never']), // a missing key has no value to compare
  txn(['val("never") != "x"'], ['put never x'], ['get never']),
  txn([], ['put t1 1', 'put t2 2', 'put t3 3'], [], '-w', 'json'), // 52: several puts, one revision
  txn([], [], []),
  txn([], [], [], '-w', 'json'),
  txn(['val("t1") = "1"'], [], [], '-w', 'json'),
  txn([], ['get t1', 'get t2', 'get --prefix t', 'get --from-key t --keys-only', 'get t1 t3 --limit 1'], [], '-w', 'json'),
  txn([], ['put t1 x', 'get t1'], []), // 53: get sees the txn's own put
  txn([], ['del t1', 'del t1'], [], '-w', 'json'), // 54: overlapping deletes are allowed
  txn([], ['del --prefix t --prev-kv', 'get --prefix t'], [], '-w', 'json'), // 55
  txn([], ['put u1 a', 'del u1'], []), // put and delete of one key: duplicate
  txn([], ['put u1 a', 'put u1 b'], []),
  txn([], ['put u1 a', 'del --prefix u'], []),
  txn(['val("a") = "m49"'], ['put u1 a'], ['put u2 a', 'put u2 b']), // duplicate in the untaken branch
  txn([], ['put "" v'], []),
  txn([], ['put lk v --lease=1234'], []),
  txn([], ['get a --rev=1000'], []),
  txn(['val("a" = "1"'], [], []), // malformed, refused by etcdctl
  txn([], ['bogus op'], []),
  txn([], manyPuts(MAX_TXN_OPS, 'op'), [], '-w', 'fields'), // 56: exactly the limit
  txn([], manyPuts(MAX_TXN_OPS + 1, 'over'), []),
  txn(['val("a") = "m49"'], ['get a'], manyPuts(MAX_TXN_OPS + 1, 'over')), // the failure branch counts too
  ctl('get', '--prefix', 'op', '--limit', '3', '-w', 'json'),
  ctl('get', '--prefix', 'over', '-w', 'json'),
  ctl('get', '--from-key', '', '--keys-only', '-w', 'json'),

  // --- compaction and reads around it
  ctl('get', 'a', '--rev=43', '-w', 'json'),
  ctl('compaction', '44'),
  ctl('get', 'a', '--rev=43'),
  ctl('get', 'a', '--rev=43', '-w', 'json'),
  ctl('get', '--prefix', '', '--rev=10', '-w', 'fields'),
  ctl('get', 'a', '--rev=44', '-w', 'json'),
  ctl('get', 'a', '--rev=45', '-w', 'json'),
  ctl('get', 'a', '-w', 'json'),
  ctl('get', 'a', '--rev=57'),
  txn([], ['get a --rev=40'], []),
  txn([], ['get a --rev=44'], [], '-w', 'json'),
  ctl('compaction', '44'),
  ctl('compaction', '30'),
  ctl('compaction', '1000'),
  ctl('compaction', '0'),
  ctl('compaction', '50', '--physical'),
  ctl('compaction', '52', '-w', 'json'),
  ctl('get', 'a', '--rev=51'),
  ctl('get', 'absent', '--rev=52', '-w', 'json'),
  ctl('get', '--prefix', 't', '--rev=52', '-w', 'json'),
  ctl('compaction', '56', '--physical'),
  ctl('get', '--from-key', '', '--rev=56', '--keys-only'),
  ctl('put', 'after-compaction', 'x', '-w', 'json'), // 57
  ctl('get', '--from-key', '', '--keys-only', '-w', 'json'),

  // --- request size: under and over --max-request-bytes
  { args: ['put', 'medium'], stdin: Buffer.alloc(1024 * 1024, 'm') }, // 58
  ctl('get', 'medium', '--keys-only', '-w', 'json'),
  { args: ['put', 'huge'], stdin: Buffer.alloc(MAX_REQUEST_BYTES + 64 * 1024, 'h') },
  { args: ['put', 'medium', '--prev-kv'], stdin: Buffer.alloc(MAX_REQUEST_BYTES + 64 * 1024, 'h') },
  ctl('get', 'huge', '-w', 'json'),
  ctl('get', '--from-key', '', '--keys-only', '-w', 'json'),
];

/**
 * `npm run bench`: the same KV load against tetcd and, when installed, the real etcd, side by side
 * on this machine. Not a test: it prints numbers and asserts nothing.
 *
 *   npm run bench -- [--members 1|3] [--clients 16] [--seconds 10] [--value-bytes 256] [--only tetcd|etcd]
 *
 * Load: `clients` concurrent gRPC clients, each sending its next request when the previous one
 * answered, for `seconds` each of: puts of distinct keys, linearizable gets, serializable gets.
 * Reports requests/s and latency percentiles per phase, and tetcd's throughput as a share of
 * etcd's.
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../src/etcdpb/load.js';
import type { KVClient } from '../src/gen/etcdserverpb/KV.js';
import { Cluster } from '../test/helpers/cluster.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1' },
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
    'value-bytes': { type: 'string', default: '256' },
    only: { type: 'string' },
  },
});
const members = Number(values.members);
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const value = Buffer.alloc(Number(values['value-bytes']), 'v');

interface PhaseResult {
  phase: string;
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

type Op = (kv: KVClient, n: number) => Promise<void>;

function call(invoke: (cb: (err: grpc.ServiceError | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => invoke((err) => (err ? reject(err) : resolve())));
}

const PHASES: Array<[string, Op]> = [
  ['put', (kv, n) => call((cb) => kv.Put({ key: Buffer.from(`bench/${n}`), value }, cb))],
  ['get (linearizable)', (kv, n) => call((cb) => kv.Range({ key: Buffer.from(`bench/${n % 1000}`) }, cb))],
  ['get (serializable)', (kv, n) => call((cb) => kv.Range({ key: Buffer.from(`bench/${n % 1000}`), serializable: true }, cb))],
];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runPhase(endpoints: string[], name: string, op: Op): Promise<PhaseResult> {
  const pb = loadEtcdProtos().etcdserverpb;
  const kvs = Array.from({ length: clients }, (_, i) => new pb.KV(endpoints[i % endpoints.length]!, grpc.credentials.createInsecure()));
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    kvs.map(async (kv) => {
      while (performance.now() < deadline) {
        const n = counter++;
        const t0 = performance.now();
        try {
          await op(kv, n);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const kv of kvs) kv.close();
  latencies.sort((a, b) => a - b);
  return {
    phase: name,
    requests: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? 0,
  };
}

async function benchKind(kind: 'tetcd' | 'etcd'): Promise<PhaseResult[]> {
  const cluster = await Cluster.start(members, { kind });
  try {
    const endpoints = cluster.members.map((m) => m.endpoint);
    const results: PhaseResult[] = [];
    for (const [name, op] of PHASES) results.push(await runPhase(endpoints, name, op));
    return results;
  } finally {
    await cluster.destroy();
  }
}

function print(kind: string, results: PhaseResult[]): void {
  console.log(`\n${kind}: ${members} member(s), ${clients} clients, ${seconds}s per phase, ${value.length}-byte values`);
  for (const r of results) {
    console.log(
      `  ${r.phase.padEnd(20)} ${r.perSecond.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   max ${r.max.toFixed(1)} ms   errors ${r.errors}`,
    );
  }
}

const hasEtcd = spawnSync('sh', ['-c', 'command -v etcd'], { stdio: 'ignore' }).status === 0;
const kinds: Array<'tetcd' | 'etcd'> = values.only ? [values.only as 'tetcd' | 'etcd'] : hasEtcd ? ['tetcd', 'etcd'] : ['tetcd'];
const all = new Map<string, PhaseResult[]>();
for (const kind of kinds) {
  const results = await benchKind(kind);
  all.set(kind, results);
  print(kind, results);
}
const ours = all.get('tetcd');
const theirs = all.get('etcd');
if (ours && theirs) {
  console.log('\ntetcd / etcd throughput:');
  ours.forEach((r, i) => console.log(`  ${r.phase.padEnd(20)} ${((r.perSecond / theirs[i]!.perSecond) * 100).toFixed(0)}%`));
} else if (!hasEtcd) {
  console.log('\n(the real etcd is not installed: apt-get install etcd-server to compare)');
}

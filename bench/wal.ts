/**
 * WAL micro-benchmark (not a test): entries/s and fsyncs/s of RaftLogStore.save() for batches of
 * 1, 10 and 100 entries of 100 B and 1 KiB, one save in flight at a time (as the Ready loop does).
 *
 *   npx tsc -p . && node dist/bench/wal.js [--seconds 2] [--dir /path/on/the/disk/to/measure]
 *
 * The numbers are dominated by the disk's fdatasync latency; run it on the disk the data dir
 * will live on (the default is the OS temp dir, which may be tmpfs and flatter everything).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeDisk, type Disk, type DiskFile } from '../src/storage/disk.js';
import { RaftLogStore } from '../src/storage/raft_log_store.js';
import { EntryType, type Entry } from '../src/raft/types.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, dir: { type: 'string' } },
});
const seconds = Number(values.seconds);

/** nodeDisk, counting data fsyncs (segment rotation adds a few of its own). */
function countingDisk(counter: { syncs: number }): Disk {
  const wrap = (f: DiskFile): DiskFile => ({
    path: f.path,
    write: (d, p) => f.write(d, p),
    sync: () => {
      counter.syncs++;
      return f.sync();
    },
    read: (i, p, l) => f.read(i, p, l),
    truncate: (l) => f.truncate(l),
    size: () => f.size(),
    close: () => f.close(),
  });
  return { ...nodeDisk, create: async (p) => wrap(await nodeDisk.create(p)), open: async (p, m) => wrap(await nodeDisk.open(p, m)) };
}

async function run(batch: number, bytes: number): Promise<{ entriesPerSec: number; fsyncsPerSec: number; p50: number; p99: number }> {
  const dir = await mkdtemp(join(values.dir ?? tmpdir(), 'tetcd-bench-wal-'));
  const counter = { syncs: 0 };
  try {
    const { store } = await RaftLogStore.open(dir, { disk: countingDisk(counter) });
    const payload = Buffer.alloc(bytes, 0x61);
    let index = 0;
    const latencies: number[] = [];
    counter.syncs = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round(seconds * 1e9));
    let now = start;
    while (now < deadline) {
      const entries: Entry[] = [];
      for (let i = 0; i < batch; i++) entries.push({ index: ++index, term: 1, type: EntryType.Normal, data: payload });
      const t0 = now;
      await store.save({ term: 1, vote: 1n, commit: index - batch }, entries);
      now = process.hrtime.bigint();
      latencies.push(Number(now - t0) / 1e6);
    }
    const elapsed = Number(now - start) / 1e9;
    await store.close();
    latencies.sort((a, b) => a - b);
    return {
      entriesPerSec: index / elapsed,
      fsyncsPerSec: counter.syncs / elapsed,
      p50: latencies[Math.floor(latencies.length * 0.5)]!,
      p99: latencies[Math.floor(latencies.length * 0.99)]!,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`WAL save() throughput, ${seconds} s per case, one save in flight (dir: ${values.dir ?? tmpdir()})`);
console.log('batch  entry   entries/s   fsyncs/s   save p50 ms   save p99 ms');
for (const bytes of [100, 1024]) {
  for (const batch of [1, 10, 100]) {
    const r = await run(batch, bytes);
    console.log(
      `${String(batch).padStart(5)}  ${String(bytes).padStart(5)}  ${r.entriesPerSec.toFixed(0).padStart(10)}  ${r.fsyncsPerSec.toFixed(0).padStart(9)}  ${r.p50.toFixed(2).padStart(12)}  ${r.p99.toFixed(2).padStart(12)}`,
    );
  }
}

/**
 * Child process of raft_log_kill.test.ts: appends entries to a WAL forever and prints
 * `ack <index>` after each save() resolves (and `snap <index>` after each snapshot marker), until
 * the parent kills it with SIGKILL. Entry data is derived from index and term, so the parent can
 * check contents. Usage: node raft_log_child.js <dir> <segmentBytes> <seed>
 */
import { RaftLogStore } from '../../src/storage/raft_log_store.js';
import { SeededRand } from '../../src/base/rand.js';
import { EntryType, type Entry } from '../../src/raft/types.js';
import { childEntryData } from './disk_helpers.js';

async function main(): Promise<void> {
  const [dir, segmentBytes, seed] = process.argv.slice(2);
  const rand = new SeededRand(BigInt(seed ?? '1'));
  const { store, state } = await RaftLogStore.open(dir!, { segmentBytes: Number(segmentBytes) });
  const term = state.hardState.term + 1; // a new "term" per life, like a restarted node
  let last = state.entries.at(-1)?.index ?? state.snapshot?.index ?? 0;
  const lifeStart = last + 1; // a local snapshot's term is its entry's term: only snapshot this life's entries
  for (;;) {
    const batch: Entry[] = [];
    const n = 1 + rand.int(40);
    for (let i = 1; i <= n; i++) batch.push({ index: last + i, term, type: EntryType.Normal, data: childEntryData(last + i, term) });
    await store.save({ term, vote: 1n, commit: last + n }, batch);
    last += n;
    process.stdout.write(`ack ${last}\n`);
    const snapIndex = last - 50;
    if (rand.int(8) === 0 && snapIndex >= lifeStart) {
      await store.saveSnapshotMarker({ index: snapIndex, term, confState: { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false } });
      await store.releaseBefore(snapIndex);
      process.stdout.write(`snap ${snapIndex}\n`);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
  process.exit(1);
});

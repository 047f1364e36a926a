import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RaftLogStore } from '../../src/storage/raft_log_store.js';
import { childEntryData, withTempDir } from './disk_helpers.js';

const CHILD = fileURLToPath(new URL('./raft_log_child.js', import.meta.url));
/** Small enough that the child rotates segments every few saves, and gets killed mid-rotation too. */
const SEGMENT_BYTES = 48 * 1024;

interface Acknowledged {
  index: number;
  snapshot: number;
}

/** Runs the child until it acknowledged `acks` saves, then SIGKILLs it mid-stream. */
function runAndKill(dir: string, seed: number, acks: number): Promise<Acknowledged> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(SEGMENT_BYTES), String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: Acknowledged = { index: 0, snapshot: 0 };
    let seen = 0;
    let pending = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [kind, value] = line.split(' ');
        if (kind === 'ack') acked.index = Number(value);
        if (kind === 'snap') acked.snapshot = Number(value);
        if (++seen >= acks && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve({ ...acked });
      else reject(new Error(`child exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

test('kill -9 in the middle of a stream of saves loses no acknowledged entry', async () => {
  await withTempDir(async (dir) => {
    let previousTerm = 0;
    for (let round = 1; round <= 4; round++) {
      const acked = await runAndKill(dir, round, 20 + round * 25);
      assert.ok(acked.index > 0);
      const { store, state } = await RaftLogStore.open(dir, { segmentBytes: SEGMENT_BYTES });
      await store.close();

      const snapshotIndex = state.snapshot?.index ?? 0;
      assert.ok(snapshotIndex >= acked.snapshot, `snapshot ${snapshotIndex} < acknowledged ${acked.snapshot}`);
      const first = state.entries[0]?.index ?? snapshotIndex + 1;
      assert.equal(first, snapshotIndex + 1);
      const last = state.entries.at(-1)?.index ?? snapshotIndex;
      assert.ok(last >= acked.index, `round ${round}: acknowledged ${acked.index} but the log ends at ${last}`);
      assert.ok(state.hardState.commit >= acked.index, 'the hard state of the last acknowledged save is durable');
      for (const e of state.entries) {
        assert.ok(Buffer.from(e.data).equals(childEntryData(e.index, e.term)), `entry ${e.index} content`);
      }
      assert.ok(state.hardState.term > previousTerm, 'every life wrote its own term');
      previousTerm = state.hardState.term;
    }
  });
});

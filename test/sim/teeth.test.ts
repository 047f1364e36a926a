/**
 * The simulator has teeth: break the core or the host loop on purpose, one safety rule at a time,
 * and the CI seed block must catch it (with the invariant that rule protects). Also: the same
 * seed replays to the same trace, twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBugs } from './bugs.js';
import type { InvariantName } from './ghost.js';
import { runSeed, type RunResult } from './world.js';
import { CI_FAULT_TICKS, CI_SEED_START, CI_SEEDS } from './ci_budget.js';

interface Tooth {
  bug: string;
  rule: string;
  caughtBy: InvariantName[];
}

const TEETH: Tooth[] = [
  { bug: 'doubleVote', rule: 'a node grants two votes in one term', caughtBy: ['election-safety', 'hard-state-monotonic', 'durability-before-send'] },
  {
    bug: 'commitPreviousTermByCounting',
    rule: 'a leader commits an entry of an earlier term by counting replicas',
    caughtBy: ['commit-safety', 'committed-entry-lost', 'state-machine-safety', 'leader-completeness', 'read-linearizable'],
  },
  { bug: 'readIndexWithoutHeartbeat', rule: 'a leader serves a read index without a quorum heartbeat round', caughtBy: ['read-linearizable'] },
  { bug: 'hardStateAfterSend', rule: 'the host sends before the vote/hard state is durable', caughtBy: ['durability-before-send'] },
  { bug: 'applyUncommitted', rule: 'the host applies entries before they are committed', caughtBy: ['state-machine-safety'] },
  { bug: 'earlySendAll', rule: 'the server loop sends votes and acks before its write is durable', caughtBy: ['durability-before-send'] },
  { bug: 'earlyApplyUndurable', rule: 'the server loop applies committed entries before it has written them', caughtBy: ['state-machine-safety'] },
];

interface Hunt {
  /** The first seed a simulator checker failed on. */
  caught?: RunResult;
  seedsRun: number;
  /** Seeds the core's own invariant() stopped first (defense in depth, not the simulator's doing). */
  coreAsserted: number[];
  /** Seeds that failed on some other rule (reported, and they fail the test). */
  other: RunResult[];
}

/** Runs the CI block with the bug on until a simulator checker catches it. */
function hunt(tooth: Tooth): Hunt {
  const { driverBugs } = applyBugs([tooth.bug]);
  const h: Hunt = { seedsRun: 0, coreAsserted: [], other: [] };
  try {
    for (let i = 0; i < CI_SEEDS && h.caught === undefined; i++) {
      const result = runSeed({ seed: CI_SEED_START + i, faultTicks: CI_FAULT_TICKS, ...(driverBugs !== undefined && { driverBugs }) });
      h.seedsRun++;
      if (result.ok) continue;
      const invariant = result.failure!.invariant;
      if ((tooth.caughtBy as string[]).includes(invariant)) h.caught = result;
      else if (invariant === 'core-error' && result.failure!.message.includes('assertion failed')) h.coreAsserted.push(result.seed);
      else h.other.push(result);
    }
    return h;
  } finally {
    applyBugs([]);
  }
}

for (const tooth of TEETH) {
  test(`caught within the CI seed budget: ${tooth.rule} (--bug ${tooth.bug})`, () => {
    const h = hunt(tooth);
    const others = h.other.map((r) => `seed ${r.seed}: ${r.failure!.message.split('\n')[0]}`).join('\n');
    assert.equal(h.other.length, 0, `--bug ${tooth.bug} made seeds fail on rules other than ${tooth.caughtBy.join(', ')}:\n${others}`);
    assert.ok(h.caught !== undefined, `no seed in ${CI_SEED_START}..${CI_SEED_START + CI_SEEDS - 1} caught --bug ${tooth.bug}`);
    const r = h.caught;
    const asserted = h.coreAsserted.length > 0 ? ` (the core's own assertions stopped ${h.coreAsserted.length} earlier seeds first: ${h.coreAsserted.slice(0, 5).join(', ')})` : '';
    console.log(`--bug ${tooth.bug}: caught by seed ${r.seed} after ${h.seedsRun} seeds${asserted}: ${r.failure!.message.split('\n')[0]}`);
  });
}

/** The first seeds of the CI block with crashes, partitions and a membership change: busy runs. */
function busySeeds(count: number): number[] {
  const out: number[] = [];
  for (let seed = CI_SEED_START; out.length < count; seed++) {
    const s = runSeed({ seed, faultTicks: CI_FAULT_TICKS }).stats;
    const crashes = Object.values(s.faults.crashes).reduce((a, b) => a + b, 0);
    const partitions = Object.values(s.faults.partitions).reduce((a, b) => a + b, 0);
    if (crashes > 0 && partitions > 0 && s.workload.confChangesApplied > 0) out.push(seed);
  }
  return out;
}

test('the same seed replays to the same trace, twice', () => {
  for (const seed of busySeeds(3)) {
    const a = runSeed({ seed, faultTicks: CI_FAULT_TICKS, trace: 'ring' });
    const b = runSeed({ seed, faultTicks: CI_FAULT_TICKS, trace: 'ring' });
    assert.equal(a.traceHash, b.traceHash, `seed ${seed} replayed to a different trace`);
    assert.deepEqual(a.stats, b.stats);
    assert.deepEqual(a.traceTail, b.traceTail);
  }
});

test('a different seed gives a different run', () => {
  const a = runSeed({ seed: CI_SEED_START, faultTicks: CI_FAULT_TICKS, trace: 'ring' });
  const b = runSeed({ seed: CI_SEED_START + 1, faultTicks: CI_FAULT_TICKS, trace: 'ring' });
  assert.notEqual(a.traceHash, b.traceHash);
});

/**
 * CI entry of the deterministic simulator: every seed that ever failed (regressions.json), then a
 * block of short seeds. A failure names the seed, the invariant and the command that replays it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runSeed, type RunResult } from './world.js';
import { replayCommandFor } from './replay.js';
import { CI_FAULT_TICKS, CI_SEED_START, CI_SEEDS } from './ci_budget.js';
import type { HostLoop } from './options.js';

interface Regression {
  seed: number;
  voters?: number;
  faultTicks?: number;
  livenessTicks?: number;
  hostLoop?: HostLoop;
  note: string;
}

const regressions = JSON.parse(readFileSync(new URL('../../../test/sim/regressions.json', import.meta.url), 'utf8')) as Regression[];

function explain(r: RunResult, replay: string): string {
  return `seed ${r.seed} broke ${r.failure!.invariant}: ${r.failure!.message}\nreplay: ${replay}`;
}

test('every seed in regressions.json passes', () => {
  for (const reg of regressions) {
    const run = {
      seed: reg.seed,
      ...(reg.voters !== undefined && { voters: reg.voters }),
      ...(reg.faultTicks !== undefined && { faultTicks: reg.faultTicks }),
      ...(reg.livenessTicks !== undefined && { livenessTicks: reg.livenessTicks }),
      ...(reg.hostLoop !== undefined && { hostLoop: reg.hostLoop }),
    };
    const r = runSeed(run);
    assert.ok(r.ok, `regression (${reg.note}): ${r.ok ? '' : explain(r, replayCommandFor(run))}`);
  }
});

test(`${CI_SEEDS} short seeds from ${CI_SEED_START} keep every invariant and converge after healing`, () => {
  let reads = 0;
  let writes = 0;
  let crashes = 0;
  for (let i = 0; i < CI_SEEDS; i++) {
    const run = { seed: CI_SEED_START + i, faultTicks: CI_FAULT_TICKS };
    const r = runSeed(run);
    assert.ok(r.ok, r.ok ? '' : explain(r, replayCommandFor(run)));
    reads += r.stats.checks.readsChecked;
    writes += r.stats.checks.writesAcked;
    crashes += Object.values(r.stats.faults.crashes).reduce((a, b) => a + b, 0);
  }
  // The block must actually exercise the system, not pass vacuously.
  assert.ok(reads > CI_SEEDS && writes > CI_SEEDS && crashes > CI_SEEDS / 4, `too little happened: ${reads} reads, ${writes} writes, ${crashes} crashes`);
});

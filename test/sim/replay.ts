/** The command line that replays one run, for failure messages outside the CLI. */
import { DEFAULT_FAULT_TICKS, DEFAULT_LIVENESS_TICKS, type SeedRun } from './world.js';

export function replayCommandFor(run: Pick<SeedRun, 'seed' | 'voters' | 'faultTicks' | 'livenessTicks' | 'leaseReads' | 'hostLoop'>, bugs: readonly string[] = []): string {
  const parts = ['npm run sim --', `--seed ${run.seed}`];
  if (run.voters !== undefined) parts.push(`--nodes ${run.voters}`);
  if (run.faultTicks !== undefined && run.faultTicks !== DEFAULT_FAULT_TICKS) parts.push(`--ticks ${run.faultTicks}`);
  if (run.livenessTicks !== undefined && run.livenessTicks !== DEFAULT_LIVENESS_TICKS) parts.push(`--liveness-ticks ${run.livenessTicks}`);
  if (run.leaseReads === true) parts.push('--lease-reads');
  if (run.hostLoop !== undefined) parts.push(`--host-loop ${run.hostLoop}`);
  for (const b of bugs) parts.push(`--bug ${b}`);
  parts.push('--trace');
  return parts.join(' ');
}

/**
 * The simulator's command line (`npm run sim -- ...`).
 *
 *   --seeds N --seed-start S [--nodes 3|5] [--jobs J]   run N seeds, print a summary; on failure
 *                                                       print the seed, the invariant, the last trace
 *                                                       lines and the command that replays it
 *   --seed X [--trace]                                  run (replay) one seed, bit for bit
 *   --ticks T --liveness-ticks L                        phase lengths (defaults as in CI)
 *   --lease-reads                                       serve reads from the leader's lease (forces checkQuorum)
 *   --host-loop plain|server                            force the host loop (otherwise drawn per seed)
 *   --bug NAME                                          break the core or the driver on purpose
 *                                                       (doubleVote, commitPreviousTermByCounting,
 *                                                       readIndexWithoutHeartbeat, hardStateAfterSend,
 *                                                       applyUncommitted, earlySendAll)
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { describeConfig, HOST_LOOPS, type HostLoop } from './options.js';
import { addRun, emptyTotals, renderSummary } from './summary.js';
import { DEFAULT_FAULT_TICKS, DEFAULT_LIVENESS_TICKS, runSeed, type RunResult, type SeedRun } from './world.js';
import { applyBugs, BUG_NAMES } from './bugs.js';
import type { WorkerReply, WorkerTask } from './worker.js';
import { replayCommandFor } from './replay.js';

interface Cli {
  seeds?: number;
  seedStart: number;
  seed?: number;
  nodes?: number;
  ticks: number;
  livenessTicks: number;
  trace: boolean;
  jobs: number;
  bugs: string[];
  keepGoing: boolean;
  leaseReads: boolean;
  hostLoop?: HostLoop;
}

function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string' },
      'seed-start': { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      ticks: { type: 'string' },
      'liveness-ticks': { type: 'string' },
      trace: { type: 'boolean' },
      jobs: { type: 'string' },
      bug: { type: 'string', multiple: true },
      'keep-going': { type: 'boolean' },
      'lease-reads': { type: 'boolean' },
      'host-loop': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const int = (s: string | undefined, name: string): number | undefined => {
    if (s === undefined) return undefined;
    const v = Number(s);
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer, got ${s}`);
    return v;
  };
  const nodes = int(values.nodes, 'nodes');
  if (nodes !== undefined && (nodes < 1 || nodes > 5)) throw new Error('--nodes must be between 1 and 5');
  const hostLoop = values['host-loop'];
  if (hostLoop !== undefined && !(HOST_LOOPS as readonly string[]).includes(hostLoop)) throw new Error(`--host-loop must be one of ${HOST_LOOPS.join(', ')}, got ${hostLoop}`);
  const bugs = values.bug ?? [];
  for (const b of bugs) if (!BUG_NAMES.includes(b)) throw new Error(`unknown --bug ${b}; known: ${BUG_NAMES.join(', ')}`);
  const cli: Cli = {
    seedStart: int(values['seed-start'], 'seed-start') ?? 1,
    ticks: int(values.ticks, 'ticks') ?? DEFAULT_FAULT_TICKS,
    livenessTicks: int(values['liveness-ticks'], 'liveness-ticks') ?? DEFAULT_LIVENESS_TICKS,
    trace: values.trace ?? false,
    jobs: int(values.jobs, 'jobs') ?? Math.min(availableParallelism(), 4),
    bugs,
    keepGoing: values['keep-going'] ?? false,
    leaseReads: values['lease-reads'] ?? false,
  };
  const seeds = int(values.seeds, 'seeds');
  const seed = int(values.seed, 'seed');
  if (seeds !== undefined) cli.seeds = seeds;
  if (seed !== undefined) cli.seed = seed;
  if (nodes !== undefined) cli.nodes = nodes;
  if (hostLoop !== undefined) cli.hostLoop = hostLoop as HostLoop;
  if ((cli.seed === undefined) === (cli.seeds === undefined)) throw new Error('give either --seed X or --seeds N');
  return cli;
}

function usage(): string {
  return [
    'usage: npm run sim -- --seeds N [--seed-start S] [--nodes 3|5] [--jobs J] [--keep-going]',
    '       npm run sim -- --seed X [--trace] [--nodes 3|5]',
    `options: --ticks T (fault phase, default ${DEFAULT_FAULT_TICKS}) --liveness-ticks L (default ${DEFAULT_LIVENESS_TICKS}) --lease-reads --host-loop plain|server --bug NAME (${BUG_NAMES.join(', ')})`,
  ].join('\n');
}

function seedRun(cli: Cli, seed: number): SeedRun {
  return {
    seed,
    ...(cli.nodes !== undefined && { voters: cli.nodes }),
    faultTicks: cli.ticks,
    livenessTicks: cli.livenessTicks,
    ...(cli.leaseReads && { leaseReads: true }),
    ...(cli.hostLoop !== undefined && { hostLoop: cli.hostLoop }),
    ...applyBugs(cli.bugs),
  };
}

function replayCommand(cli: Cli, seed: number): string {
  return replayCommandFor(
    {
      seed,
      ...(cli.nodes !== undefined && { voters: cli.nodes }),
      faultTicks: cli.ticks,
      livenessTicks: cli.livenessTicks,
      leaseReads: cli.leaseReads,
      ...(cli.hostLoop !== undefined && { hostLoop: cli.hostLoop }),
    },
    cli.bugs,
  );
}

/** Replays a failed seed with the trace on and prints what a developer needs to start. */
function reportFailure(cli: Cli, result: RunResult): void {
  const replay = runSeed({ ...seedRun(cli, result.seed), trace: 'ring', ringSize: 60 });
  const lines: string[] = [
    '',
    `FAILED seed ${result.seed}: ${result.failure!.invariant}`,
    `  ${result.failure!.message.split('\n').join('\n  ')}`,
    '',
    describeConfig(result.config)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
    '',
    'last trace lines:',
    ...replay.traceTail.map((l) => `  ${l}`),
  ];
  if (replay.failure?.message !== result.failure!.message) lines.push('', 'WARNING: the replay did not fail the same way: the simulation is not deterministic');
  lines.push('', `replay: ${replayCommand(cli, result.seed)}`);
  console.error(lines.join('\n'));
}

function runOne(cli: Cli, seed: number): number {
  const result = runSeed({
    ...seedRun(cli, seed),
    trace: cli.trace ? 'full' : 'off',
    onTraceLine: (l) => console.log(l),
  });
  const s = result.stats;
  console.log(
    `seed ${seed}: ${result.ok ? 'ok' : 'FAILED'} — ${s.events} events, ${s.virtualMs}ms simulated, converged ${s.convergedAfter}ms after healing, trace ${result.traceHash}`,
  );
  if (!result.ok) {
    if (cli.trace) console.error(`FAILED ${result.failure!.invariant}: ${result.failure!.message}`);
    else reportFailure(cli, result);
    return 1;
  }
  return 0;
}

async function runMany(cli: Cli): Promise<number> {
  const count = cli.seeds!;
  const totals = emptyTotals();
  const started = performance.now();
  const failures: RunResult[] = [];
  const header = `sim: ${count} seeds from ${cli.seedStart}${cli.nodes !== undefined ? `, ${cli.nodes} voters` : ', 1-5 voters drawn'}${cli.hostLoop !== undefined ? `, ${cli.hostLoop} host loop` : ', host loop drawn'}, ${cli.ticks} fault ticks + up to ${cli.livenessTicks} healing ticks${cli.bugs.length > 0 ? `, bugs: ${cli.bugs.join(',')}` : ''}`;
  let next = 0;
  let stop = false;
  let lastProgress = started;
  const onResult = (r: RunResult): void => {
    addRun(totals, r.ok, r.stats);
    if (!r.ok) {
      failures.push(r);
      if (!cli.keepGoing) stop = true;
    }
    const now = performance.now();
    if (process.stderr.isTTY && now - lastProgress > 1000) {
      lastProgress = now;
      process.stderr.write(`\r  ${totals.seeds}/${count} seeds, ${(totals.seeds / ((now - started) / 1000)).toFixed(1)}/s `);
    }
  };
  const jobs = Math.max(1, Math.min(cli.jobs, count));
  if (jobs === 1) {
    for (; next < count && !stop; next++) onResult(runSeed(seedRun(cli, cli.seedStart + next)));
  } else {
    const workerUrl = fileURLToPath(new URL('./worker.js', import.meta.url));
    const batch = 20;
    await Promise.all(
      Array.from({ length: jobs }, () => {
        const worker = new Worker(workerUrl);
        return new Promise<void>((resolve, reject) => {
          const feed = (): void => {
            if (stop || next >= count) {
              void worker.terminate().then(() => resolve());
              return;
            }
            const seeds: number[] = [];
            for (let i = 0; i < batch && next < count; i++) seeds.push(cli.seedStart + next++);
            const task: WorkerTask = { runs: seeds.map((s) => seedRun(cli, s)), bugs: cli.bugs };
            worker.postMessage(task);
          };
          worker.on('message', (reply: WorkerReply) => {
            for (const r of reply.results) onResult(r);
            feed();
          });
          worker.on('error', reject);
          feed();
        });
      }),
    );
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const seconds = (performance.now() - started) / 1000;
  const stopped = totals.seeds < count ? ` (stopped after the first failure; --keep-going runs them all)` : '';
  console.log(renderSummary(totals, seconds, `${header}, ${jobs} worker${jobs === 1 ? '' : 's'}${stopped}`));
  if (failures.length === 0) return 0;
  failures.sort((a, b) => a.seed - b.seed);
  if (failures.length > 1) console.error(`\n${failures.length} seeds failed: ${failures.map((f) => `${f.seed} (${f.failure!.invariant})`).join(', ')}`);
  reportFailure(cli, failures[0]!);
  return 1;
}

async function main(): Promise<void> {
  let cli: Cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage()}`);
    process.exit(2);
  }
  applyBugs(cli.bugs);
  process.exitCode = cli.seed !== undefined ? runOne(cli, cli.seed) : await runMany(cli);
}

await main();

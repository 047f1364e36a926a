/** A worker thread of `npm run sim -- --jobs J`: runs batches of seeds and returns their results. */
import { parentPort } from 'node:worker_threads';
import { applyBugs } from './bugs.js';
import { runSeed, type RunResult, type SeedRun } from './world.js';

export interface WorkerTask {
  runs: SeedRun[];
  /** Core bug switches are per thread, so each worker sets them itself. */
  bugs: string[];
}

export interface WorkerReply {
  results: RunResult[];
}

parentPort?.on('message', (task: WorkerTask) => {
  applyBugs(task.bugs);
  const reply: WorkerReply = { results: task.runs.map((r) => runSeed(r)) };
  parentPort!.postMessage(reply);
});

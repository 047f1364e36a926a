/**
 * Child processes for process-level tests: spawn with captured output, wait for a line to appear,
 * stop by PID (SIGTERM, then SIGKILL), and run a command to completion. Every process spawned here
 * is SIGKILLed when the test process exits, so a failing test never leaves a daemon behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** A label for messages (defaults to the command's base name). */
  name?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Output kept per process: enough for any test, bounded so a chatty daemon cannot eat memory. */
const MAX_OUTPUT_CHARS = 8 * 1024 * 1024;

const live = new Set<ManagedProcess>();
process.on('exit', () => {
  for (const p of live) p.signal('SIGKILL');
});

export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves once the process has exited and its output streams are drained. */
  readonly exited: Promise<ProcessExit>;
  private stdoutText = '';
  private stderrText = '';
  private combined = '';
  private exitInfo: ProcessExit | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(child: ChildProcess, name: string) {
    if (child.pid === undefined) throw new Error(`${name}: cannot start ${child.spawnfile} (missing or not executable)`);
    this.name = name;
    this.pid = child.pid;
    live.add(this);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.append('stdout', chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.append('stderr', chunk));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        this.notify();
        resolve(this.exitInfo);
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  get exit(): ProcessExit | undefined {
    return this.exitInfo;
  }

  /** stdout and stderr interleaved in arrival order. */
  get output(): string {
    return this.combined;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The last `lines` lines of output, for error messages. */
  tail(lines = 40): string {
    return this.combined.split('\n').slice(-lines).join('\n');
  }

  private append(stream: 'stdout' | 'stderr', chunk: string): void {
    if (this.combined.length < MAX_OUTPUT_CHARS) {
      this.combined += chunk;
      if (stream === 'stdout') this.stdoutText += chunk;
      else this.stderrText += chunk;
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Resolves with the first match of `pattern` in the output from character `from` on; rejects
   * when the process exits first or after `timeoutMs`, showing the output's tail.
   */
  waitForOutput(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const finish = (error: Error | undefined, match?: RegExpMatchArray): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve(match as RegExpMatchArray);
      };
      const check = (): void => {
        const match = this.combined.slice(from).match(pattern);
        if (match) return finish(undefined, match);
        if (this.exitInfo) {
          finish(new Error(`${this.name} exited (${describeExit(this.exitInfo)}) before printing ${pattern}\n${this.tail()}`));
        }
      };
      const timer = setTimeout(
        () => finish(new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms\n${this.tail()}`)),
        timeoutMs,
      );
      this.listeners.add(check);
      check();
    });
  }

  /** Sends a signal by PID; a no-op once the process is gone. */
  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** SIGTERM, then SIGKILL if still alive after `graceMs`. Resolves with how it ended. */
  async stop(graceMs = 5_000): Promise<ProcessExit> {
    if (!this.running) return this.exited;
    this.signal('SIGTERM');
    // An unref'd grace timer: a process that ended early must not keep the test alive for it.
    const ended = await Promise.race([this.exited, sleep(graceMs, undefined, { ref: false }).then(() => undefined)]);
    if (ended) return ended;
    this.signal('SIGKILL');
    return this.exited;
  }

  /** kill -9: no chance to flush or clean up, as in a crash. */
  async kill9(): Promise<ProcessExit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

export function spawnProcess(command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const name = options.name ?? command.split('/').pop() ?? command;
  // A failed spawn (ENOENT, EACCES) leaves no pid; the constructor reports it. The 'error' event
  // that follows must not become an uncaught exception.
  child.once('error', () => {});
  return new ManagedProcess(child, name);
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed by a signal (including our timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** SIGKILL after this long; the result then has signal SIGKILL. */
  timeoutMs?: number;
}

/** Runs a command to completion with optional stdin; never throws on a non-zero exit. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
    // A child that exits without reading all of stdin makes the pipe fail; its exit status is
    // what the test cares about.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

/** A copy of `env` without etcd's and etcdctl's variables, so the caller's shell cannot leak in. */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('ETCD_') && !k.startsWith('ETCDCTL_')) out[k] = v;
  }
  return out;
}

/**
 * One etcd-compatible member as a process: bin/tetcd or the real etcd, on free loopback ports with
 * a temporary data dir, ready once its client port answers a gRPC Range. The same object restarts
 * the member on the same ports and data dir, which is what crash-recovery tests need.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from './ports.js';
import { cleanEnv, describeExit, spawnProcess, type ManagedProcess, type ProcessExit } from './proc.js';
import { EtcdGrpcClient } from './grpc_client.js';
import { findTool, isCI } from './tools.js';
import { PROJECT_ROOT } from './paths.js';

export { PROJECT_ROOT };
export const TETCD_BIN = join(PROJECT_ROOT, 'bin', 'tetcd');

export type MemberKind = 'tetcd' | 'etcd';

export interface MemberOptions {
  name?: string;
  /** Defaults to a fresh temporary directory, removed by destroy(). */
  dataDir?: string;
  /** Appended after the generated flags (later flags win in both daemons). */
  extraArgs?: readonly string[];
  /** Extra environment (e.g. ETCD_* variables) on top of a clean one. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Fixed client and peer ports (free ones by default): a cluster chooses every port first. */
  ports?: { client: number; peer: number };
  /**
   * The --initial-cluster value; defaults to this member alone. `null` leaves the flag out, for a
   * member that gets it from ETCD_INITIAL_CLUSTER (as `etcdctl member add` prints it).
   */
  initialCluster?: string | null;
  /**
   * How launch() decides the member serves: a linearizable Range (default; needs a leader), or a
   * serializable one, which a learner answers too.
   */
  readiness?: 'linearizable' | 'serializable';
}

/** Why bin/tetcd cannot run, or false when it can. Under CI a missing daemon is an error. */
export function skipUnlessTetcd(): string | false {
  let reason: string | false = false;
  if (!existsSync(TETCD_BIN)) reason = `${TETCD_BIN} does not exist yet`;
  else if (!existsSync(join(PROJECT_ROOT, 'dist', 'src', 'cli', 'tetcd.js'))) reason = 'dist/ is not built (npx tsc -p .)';
  if (reason && isCI()) throw new Error(`cannot run tetcd under CI: ${reason}`);
  return reason;
}

export class Member {
  readonly clientUrl: string;
  readonly peerUrl: string;
  /** host:port of the client URL, for gRPC clients and etcdctl --endpoints. */
  readonly endpoint: string;
  private current: ManagedProcess | undefined;
  private readonly args: readonly string[];

  private constructor(
    readonly kind: MemberKind,
    readonly name: string,
    readonly dataDir: string,
    private readonly ownedTempDir: string | undefined,
    clientPort: number,
    peerPort: number,
    private readonly options: MemberOptions,
  ) {
    this.endpoint = `127.0.0.1:${clientPort}`;
    this.clientUrl = `http://${this.endpoint}`;
    this.peerUrl = `http://127.0.0.1:${peerPort}`;
    const initialCluster = options.initialCluster === undefined ? `${name}=${this.peerUrl}` : options.initialCluster;
    this.args = [
      `--name=${name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${this.clientUrl}`,
      `--advertise-client-urls=${this.clientUrl}`,
      `--listen-peer-urls=${this.peerUrl}`,
      `--initial-advertise-peer-urls=${this.peerUrl}`,
      ...(initialCluster === null ? [] : [`--initial-cluster=${initialCluster}`]),
      ...(options.extraArgs ?? []),
    ];
  }

  static async start(kind: MemberKind, options: MemberOptions = {}): Promise<Member> {
    const [clientPort, peerPort] = options.ports ? [options.ports.client, options.ports.peer] : await freePorts(2);
    const ownedTempDir = options.dataDir ? undefined : await mkdtemp(join(tmpdir(), `${kind}-test-`));
    const dataDir = options.dataDir ?? join(ownedTempDir as string, 'data');
    const name = options.name ?? `${kind}-test`;
    const member = new Member(kind, name, dataDir, ownedTempDir, clientPort, peerPort, options);
    try {
      await member.launch();
    } catch (err) {
      await member.destroy();
      throw err;
    }
    return member;
  }

  /** The running (or last) process of this member. */
  get process(): ManagedProcess {
    if (!this.current) throw new Error(`${this.name} was never started`);
    return this.current;
  }

  /** Starts the daemon (again) with the same flags and data dir, and waits until it serves. */
  async launch(): Promise<void> {
    if (this.current?.running) throw new Error(`${this.name} is already running (pid ${this.current.pid})`);
    const command = this.kind === 'tetcd' ? TETCD_BIN : findTool('etcd') ?? 'etcd';
    this.current = spawnProcess(command, this.args, {
      name: `${this.kind}[${this.name}]`,
      env: { ...cleanEnv(), ...this.options.env },
      cwd: this.ownedTempDir ?? PROJECT_ROOT,
    });
    await waitUntilServing(this.endpoint, this.current, this.options.readyTimeoutMs ?? 20_000, this.options.readiness === 'serializable');
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<ProcessExit> {
    return this.current ? this.current.stop(graceMs) : Promise.resolve({ code: 0, signal: null });
  }

  kill9(): Promise<ProcessExit> {
    return this.current ? this.current.kill9() : Promise.resolve({ code: null, signal: 'SIGKILL' });
  }

  client(timeoutMs?: number): EtcdGrpcClient {
    return new EtcdGrpcClient(this.endpoint, timeoutMs);
  }

  /** Stops the process (SIGKILL if needed) and removes the temporary data dir this helper made. */
  async destroy(): Promise<void> {
    await this.stop(2_000);
    if (this.ownedTempDir) await rm(this.ownedTempDir, { recursive: true, force: true });
  }
}

export function startTetcd(options: MemberOptions = {}): Promise<Member> {
  return Member.start('tetcd', options);
}

export function startRealEtcd(options: MemberOptions = {}): Promise<Member> {
  return Member.start('etcd', options);
}

/** Polls a Range on the client port until it succeeds; fails early if the process exits. */
export async function waitUntilServing(endpoint: string, proc: ManagedProcess, timeoutMs: number, serializable = false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (!proc.running) {
      const exit = proc.exit as ProcessExit;
      throw new Error(`${proc.name} exited (${describeExit(exit)}) before serving on ${endpoint}\n${proc.tail()}`);
    }
    // A fresh channel per attempt: a reused one would sit in grpc-js's reconnect backoff.
    const client = new EtcdGrpcClient(endpoint, 1_000);
    try {
      await client.range({ key: Buffer.from('tetcd-test-readiness'), serializable });
      return;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      client.close();
    }
    await sleep(50);
  }
  throw new Error(`${proc.name} did not serve on ${endpoint} within ${timeoutMs} ms (last: ${lastError})\n${proc.tail()}`);
}

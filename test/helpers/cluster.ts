/**
 * A cluster of etcd-compatible members as processes (bin/tetcd, or the real etcd as the oracle):
 * every member's ports are chosen first, so they share one --initial-cluster, then all start
 * together (none can serve a linearizable read before a quorum is up). Members are the Member
 * handles of members.ts, so a test kills (-9), stops and relaunches them on the same data dirs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Member, type MemberKind, type MemberOptions } from './members.js';
import { freePorts } from './ports.js';
import type { StatusResponse__Output } from '../../src/gen/etcdserverpb/StatusResponse.js';

export interface ClusterOptions {
  kind?: MemberKind;
  /** Members are named `${namePrefix}1` ... (default "m"). */
  namePrefix?: string;
  token?: string;
  /** Flags for every member, after the generated ones (e.g. short election timeouts). */
  extraArgs?: readonly string[];
  readyTimeoutMs?: number;
}

/** Raft timing for tests that are not about the defaults: fast elections, still safe when loaded. */
export const FAST_ELECTIONS: readonly string[] = ['--heartbeat-interval=50', '--election-timeout=500'];

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than undefined, and returns that. Errors thrown
 * by the probe count as "not yet"; after the deadline the last one is in the message.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let last = 'condition not met';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await sleep(options.intervalMs ?? 100);
  }
}

/** etcd prints member ids in hex; the gRPC client (longs: String) gives them in decimal. */
export function hexOf(decimalId: string | number | bigint): string {
  return BigInt(decimalId).toString(16);
}

export class Cluster {
  private readonly all: Member[];

  private constructor(
    readonly kind: MemberKind,
    /** Holds every member's data dir; removed by destroy(). */
    readonly rootDir: string,
    members: Member[],
    readonly token: string,
    /** The flags every member got beyond its own URLs (cluster token, timing, ...). */
    readonly commonArgs: readonly string[],
  ) {
    this.all = members;
  }

  static async start(size: number, options: ClusterOptions = {}): Promise<Cluster> {
    const kind = options.kind ?? 'tetcd';
    const prefix = options.namePrefix ?? 'm';
    const token = options.token ?? `test-cluster-${process.pid}-${Date.now()}`;
    const rootDir = await mkdtemp(join(tmpdir(), `${kind}-cluster-`));
    const ports = await freePorts(2 * size);
    const plan = Array.from({ length: size }, (_, i) => ({
      name: `${prefix}${i + 1}`,
      ports: { client: ports[2 * i] as number, peer: ports[2 * i + 1] as number },
    }));
    const initialCluster = plan.map((p) => `${p.name}=http://127.0.0.1:${p.ports.peer}`).join(',');
    const commonArgs = [`--initial-cluster-token=${token}`, ...(options.extraArgs ?? [])];
    const started = await Promise.allSettled(
      plan.map((p) =>
        Member.start(kind, {
          name: p.name,
          ports: p.ports,
          dataDir: join(rootDir, p.name),
          initialCluster,
          extraArgs: ['--initial-cluster-state=new', ...commonArgs],
          readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
        }),
      ),
    );
    const members = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const cluster = new Cluster(kind, rootDir, members, token, commonArgs);
    if (failure) {
      await cluster.destroy();
      throw failure.reason;
    }
    return cluster;
  }

  /** Every member this cluster started or adopted, running or not, in order. */
  get members(): readonly Member[] {
    return this.all;
  }

  member(name: string): Member {
    const found = this.all.find((m) => m.name === name);
    if (!found) throw new Error(`no member named ${name}`);
    return found;
  }

  /** Members whose current process is alive. */
  running(): Member[] {
    return this.all.filter((m) => isRunning(m));
  }

  /** --endpoints value naming the given members (default: the running ones). */
  endpoints(members: readonly Member[] = this.running()): string {
    return members.map((m) => m.endpoint).join(',');
  }

  /** Maintenance.Status of one member, on a fresh connection (so a restarted member answers). */
  async status(member: Member, timeoutMs = 3_000): Promise<StatusResponse__Output> {
    const client = member.client(timeoutMs);
    try {
      return await client.status();
    } finally {
      client.close();
    }
  }

  /** The member's id in hex, as etcdctl prints it. */
  async idOf(member: Member): Promise<string> {
    return hexOf((await this.status(member)).header?.member_id ?? '0');
  }

  /**
   * Waits until every member in `among` (default: the running ones) reports the same leader, that
   * leader is one of them, and it is not `notId`; returns the leader's hex id and handle.
   */
  async waitForLeader(options: WaitOptions & { among?: readonly Member[]; notId?: string } = {}): Promise<{ id: string; member: Member }> {
    const among = options.among ?? this.running();
    return waitFor(
      `one leader agreed by ${among.map((m) => m.name).join(', ')}${options.notId ? ` other than ${options.notId}` : ''}`,
      async () => {
        const statuses = await Promise.all(among.map((m) => this.status(m, 2_000)));
        const leaders = new Set(statuses.map((s) => hexOf(s.leader)));
        if (leaders.size !== 1) throw new Error(`members disagree: ${[...leaders].join(', ')}`);
        const id = [...leaders][0] as string;
        if (id === '0' || id === options.notId) throw new Error(`leader is ${id}`);
        const index = statuses.findIndex((s) => hexOf(s.header?.member_id ?? '0') === id);
        if (index < 0) throw new Error(`leader ${id} is not among the members asked`);
        return { id, member: among[index] as Member };
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: options.intervalMs ?? 50 },
    );
  }

  /**
   * Starts a member that joins this running cluster (after `etcdctl member add`): it gets the
   * cluster's common flags and `--initial-cluster-state=existing`, plus whatever `options` add
   * (typically `initialCluster: null` and ETCD_INITIAL_CLUSTER in `env`). destroy() stops it too.
   */
  async startJoiningMember(name: string, ports: { client: number; peer: number }, options: MemberOptions = {}): Promise<Member> {
    const member = await Member.start(this.kind, {
      readyTimeoutMs: 30_000,
      ...options,
      name,
      ports,
      dataDir: join(this.rootDir, name),
      extraArgs: [...this.commonArgs, '--initial-cluster-state=existing', ...(options.extraArgs ?? [])],
    });
    this.all.push(member);
    return member;
  }

  /** Relaunches the given stopped members together (a quorum must come up before any serves). */
  async relaunch(members: readonly Member[]): Promise<void> {
    await Promise.all(members.map((m) => m.launch()));
  }

  /** kill -9 of every member (cleanup needs no grace), then the data dirs go. */
  async destroy(): Promise<void> {
    await Promise.all(this.all.map((m) => m.kill9()));
    await rm(this.rootDir, { recursive: true, force: true });
  }
}

function isRunning(m: Member): boolean {
  try {
    return m.process.running;
  } catch {
    return false;
  }
}

/** Runs `body` on a fresh cluster and destroys the cluster however `body` ends. */
export async function withCluster<T>(size: number, options: ClusterOptions, body: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = await Cluster.start(size, options);
  try {
    return await body(cluster);
  } finally {
    await cluster.destroy();
  }
}

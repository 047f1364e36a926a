/**
 * What the cluster tests share: which daemon they run (bin/tetcd, or the real etcd to check the
 * tests' own expectations: `CLUSTER_TEST_KIND=etcd node scripts/run-tests.mjs cluster/`), a
 * write workload that records exactly which writes were acknowledged, and the check that every
 * acknowledged write is readable, with its value and revision, from a member.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { prefixEnd } from '../../src/base/bytes.js';
import type { MemberKind, Member } from '../helpers/members.js';
import { skipUnlessTetcd } from '../helpers/members.js';
import { skipUnlessTools } from '../helpers/tools.js';
import type { EtcdGrpcClient } from '../helpers/grpc_client.js';
import type { KeyValue__Output } from '../../src/gen/mvccpb/KeyValue.js';

export const KIND: MemberKind = process.env.CLUSTER_TEST_KIND === 'etcd' ? 'etcd' : 'tetcd';

/** The skip reason (false to run) for a cluster test that also drives etcdctl. */
export function skipUnlessCluster(): string | false {
  if (KIND === 'etcd') return skipUnlessTools(['etcd', 'etcdctl']);
  return skipUnlessTetcd() || skipUnlessTools(['etcdctl']);
}

export interface AckedWrite {
  value: string;
  /** The revision in the response header: the write's mod_revision (keys are written once). */
  revision: number;
  via: string;
}

/**
 * Sequential logical clients, each writing unique keys under `prefix` through one member at a
 * time. A write counts as acknowledged only when its response arrived; a failed or timed-out
 * write is indeterminate (it may or may not have happened) and its key is never reused. After a
 * failure the client moves to the next member, so a dead member does not stall it.
 */
export class WriteStream {
  readonly acked = new Map<string, AckedWrite>();
  attempts = 0;
  failures = 0;
  readonly errors = new Map<string, number>();
  private stopped = false;
  private readonly thresholds: { count: number; resolve: () => void }[] = [];
  private readonly clients = new Map<Member, EtcdGrpcClient>();
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly members: readonly Member[],
    private readonly options: {
      prefix: string;
      clients: number;
      target: number;
      requestTimeoutMs?: number;
      /** Clients give up after this long, so a broken cluster fails the test instead of hanging it. */
      giveUpAfterMs?: number;
    },
  ) {}

  private giveUpAt = Infinity;

  /** Starts the clients; finished() resolves once `target` writes are acknowledged (or stop()). */
  start(): this {
    this.giveUpAt = Date.now() + (this.options.giveUpAfterMs ?? 90_000);
    for (let i = 0; i < this.options.clients; i++) this.loops.push(this.runClient(i));
    return this;
  }

  /** Resolves when at least `count` writes are acknowledged; rejects once the clients gave up. */
  whenAcked(count: number): Promise<void> {
    if (this.acked.size >= count) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.thresholds.push({ count, resolve }));
    const gaveUp = this.finished().then(() => {
      if (this.acked.size < count) throw new Error(`the writers gave up before ${count} acknowledged writes: ${this.summary()}`);
    });
    return Promise.race([reached, gaveUp]);
  }

  /** Stops issuing writes; requests in flight still complete and are recorded. */
  stop(): void {
    this.stopped = true;
  }

  async finished(): Promise<void> {
    await Promise.all(this.loops);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  /** Stops the clients and waits for them; safe to call more than once (e.g. in cleanup). */
  async close(): Promise<void> {
    this.stop();
    await this.finished();
  }

  get maxAckedRevision(): number {
    let max = 0;
    for (const w of this.acked.values()) max = Math.max(max, w.revision);
    return max;
  }

  summary(): string {
    const errors = [...this.errors].map(([e, n]) => `${n}× ${e}`).join('; ');
    return `${this.acked.size} acknowledged of ${this.attempts} attempted, ${this.failures} failed or indeterminate${errors ? ` (${errors})` : ''}`;
  }

  private clientFor(member: Member): EtcdGrpcClient {
    let client = this.clients.get(member);
    if (!client) {
      client = member.client(this.options.requestTimeoutMs ?? 15_000);
      this.clients.set(member, client);
    }
    return client;
  }

  private async runClient(index: number): Promise<void> {
    let memberIndex = index % this.members.length;
    for (let seq = 0; !this.stopped && this.acked.size < this.options.target && Date.now() < this.giveUpAt; seq++) {
      const member = this.members[memberIndex] as Member;
      const key = `${this.options.prefix}c${index}/${String(seq).padStart(5, '0')}`;
      const value = `client ${index} write ${seq} via ${member.name}`;
      this.attempts++;
      try {
        const res = await this.clientFor(member).put({ key: Buffer.from(key), value: Buffer.from(value) });
        this.acked.set(key, { value, revision: Number(res.header?.revision), via: member.name });
        this.releaseThresholds();
      } catch (err) {
        this.failures++;
        const message = (err as { details?: string }).details || (err as Error).message;
        this.errors.set(message, (this.errors.get(message) ?? 0) + 1);
        // The channel of a dead member sits in reconnect backoff; a fresh one is cheap.
        this.clients.get(member)?.close();
        this.clients.delete(member);
        memberIndex = (memberIndex + 1) % this.members.length;
        await sleep(20);
      }
    }
  }

  private releaseThresholds(): void {
    for (let i = this.thresholds.length - 1; i >= 0; i--) {
      const t = this.thresholds[i] as { count: number; resolve: () => void };
      if (this.acked.size >= t.count) {
        this.thresholds.splice(i, 1);
        t.resolve();
      }
    }
  }
}

export interface ReadCheck {
  /** Keys under the prefix the member returned. */
  present: number;
  missing: string[];
  wrongValue: string[];
  wrongRevision: string[];
  /** The member's whole view of the prefix, to compare members with each other. */
  fingerprint: string;
  revision: number;
}

/** Reads everything under `prefix` from `client` and checks each acknowledged write in it. */
export async function checkAcked(
  client: EtcdGrpcClient,
  prefix: string,
  acked: ReadonlyMap<string, AckedWrite>,
  serializable: boolean,
): Promise<ReadCheck> {
  const res = await client.range({ key: Buffer.from(prefix), range_end: prefixEnd(Buffer.from(prefix)), serializable });
  const seen = new Map<string, KeyValue__Output>();
  for (const kv of res.kvs) seen.set(kv.key.toString(), kv);
  const check: ReadCheck = {
    present: seen.size,
    missing: [],
    wrongValue: [],
    wrongRevision: [],
    fingerprint: res.kvs.map((kv) => `${kv.key.toString()}@${kv.mod_revision}=${kv.value.toString()}`).join('\n'),
    revision: Number(res.header?.revision),
  };
  for (const [key, write] of acked) {
    const kv = seen.get(key);
    if (!kv) check.missing.push(key);
    else if (kv.value.toString() !== write.value) check.wrongValue.push(key);
    else if (Number(kv.mod_revision) !== write.revision) check.wrongRevision.push(key);
  }
  return check;
}

export function describeCheck(where: string, c: ReadCheck): string {
  const sample = (keys: string[]): string => (keys.length ? ` e.g. ${keys.slice(0, 3).join(', ')}` : '');
  return (
    `${where}: ${c.present} keys present, ${c.missing.length} acknowledged missing${sample(c.missing)}, ` +
    `${c.wrongValue.length} with another value${sample(c.wrongValue)}, ${c.wrongRevision.length} at another revision${sample(c.wrongRevision)}`
  );
}

export function isClean(c: ReadCheck): boolean {
  return c.missing.length === 0 && c.wrongValue.length === 0 && c.wrongRevision.length === 0;
}

export interface MembersCheck {
  clean: boolean;
  /** One line per member and read kind. */
  reports: string[];
  checks: { member: Member; serializable: boolean; check: ReadCheck }[];
  /** Whether every read returned the same keys, values and revisions under the prefix. */
  identical: boolean;
}

/**
 * Checks the acknowledged writes on each member: a linearizable read first (once it answers, the
 * member has applied everything acknowledged, so the serializable read right after must show it
 * all too), then a serializable one; `serializableOnly` skips the first.
 */
export async function checkAckedOnMembers(
  members: readonly Member[],
  prefix: string,
  acked: ReadonlyMap<string, AckedWrite>,
  options: { serializableOnly?: boolean } = {},
): Promise<MembersCheck> {
  const result: MembersCheck = { clean: true, reports: [], checks: [], identical: true };
  for (const member of members) {
    const client = member.client(20_000);
    try {
      for (const serializable of options.serializableOnly ? [true] : [false, true]) {
        const check = await checkAcked(client, prefix, acked, serializable);
        result.reports.push(describeCheck(`${member.name} ${serializable ? 'serializable' : 'linearizable'}`, check));
        result.clean &&= isClean(check);
        result.checks.push({ member, serializable, check });
      }
    } finally {
      client.close();
    }
  }
  const first = result.checks[0]?.check.fingerprint;
  result.identical = result.checks.every((c) => c.check.fingerprint === first);
  return result;
}

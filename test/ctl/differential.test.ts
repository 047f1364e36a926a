/**
 * bin/tetcdctl against the real etcdctl 3.4, both talking to the real etcd 3.4: stdout, stderr
 * and exit status must be the same bytes, except in help and usage text: tetcdctl describes its
 * commands and flags in its own words, so there only the facts must agree (layout, command and
 * flag names, defaults, usage lines; see help_text.ts), and the words must differ.
 *
 * Two fresh etcd members A and B live through the same script in lockstep: etcdctl drives A,
 * tetcdctl drives B, so every command meets the same state (same revisions). Between A and B only
 * the member and cluster IDs and the ports differ, and those are the only things normalized, with
 * run-to-run noise (clientv3's log timestamps and client UUIDs, measured durations). Read-only
 * steps whose output cannot be normalized (tables whose widths follow the IDs, protobuf bytes,
 * db sizes) run both tools against A.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { skipUnlessTools } from '../helpers/tools.js';
import { startRealEtcd, type Member } from '../helpers/members.js';
import { cleanEnv } from '../helpers/proc.js';
import { freePort } from '../helpers/ports.js';
import { TETCDCTL_BIN } from '../helpers/etcdctl.js';
import { rootCommand } from '../../src/ctl/commands/root.js';
import type { Command } from '../../src/ctl/cli/command.js';
import { helpFacts, helpProse } from './help_text.js';

interface Output {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

function run(command: string, args: readonly string[], stdin: Buffer, env: Record<string, string>): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...cleanEnv(), ETCDCTL_API: '3', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** One member as the script sees it: what to substitute into commands and what to normalize away. */
interface Server {
  endpoint: string;
  memberId: bigint;
  clusterId: bigint;
  ports: number[];
}

async function describeServer(member: Member): Promise<Server> {
  const listed = await run('etcdctl', [`--endpoints=${member.endpoint}`, 'member', 'list', '-w', 'json'], Buffer.alloc(0), {});
  const text = listed.stdout.toString();
  const clusterId = /"cluster_id":(\d+)/.exec(text)?.[1];
  const memberId = /"member_id":(\d+)/.exec(text)?.[1];
  assert.ok(clusterId && memberId, `no ids in ${text}${listed.stderr}`);
  const port = (url: string): number => Number(new URL(url).port);
  return {
    endpoint: member.endpoint,
    memberId: BigInt(memberId),
    clusterId: BigInt(clusterId),
    ports: [port(member.clientUrl), port(member.peerUrl)],
  };
}

interface Step {
  args: string[];
  stdin?: string | Buffer;
  env?: Record<string, string>;
  /** 'lockstep' (default): etcdctl on A, tetcdctl on B. 'same': both on A (read-only steps). */
  on?: 'lockstep' | 'same';
  /** Leave out --endpoints (the step sets it another way). */
  noEndpoints?: boolean;
  /** Only stdout, the exit status and the first stderr line are compared (a Go panic's trace follows). */
  panics?: boolean;
}

function substitute(text: string, server: Server, dead: string): string {
  return text.replace(/\{EP\}/g, server.endpoint).replace(/\{DEAD\}/g, dead).replace(/\{MEMBER_HEX\}/g, server.memberId.toString(16));
}

/**
 * Removes what legitimately differs between two runs (and, in lockstep, between A and B), and
 * the descriptions in help text, which are tetcdctl's own.
 */
function normalize(bytes: Buffer, server: Server | undefined): string {
  let s = helpFacts(bytes.toString('latin1'));
  if (server) {
    for (const [id, name] of [
      [server.memberId, 'MEMBER'],
      [server.clusterId, 'CLUSTER'],
    ] as const) {
      s = s.split(id.toString()).join(`<${name}>`).split(id.toString(16)).join(`<${name}>`);
    }
    for (const port of server.ports) s = s.split(`:${port}`).join(':<PORT>');
  }
  return s
    .replace(/"ts":"[^"]*"/g, '"ts":"<TS>"')
    .replace(/client-[0-9a-f-]{36}/g, 'client-<UUID>')
    .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} ([CW]) \|/gm, '<TIME> $1 |')
    .replace(/\d+(\.\d+)?(ns|µs|Âµs|ms|s)\b/g, '<DURATION>')
    .replace(/\+-[+-]*\+/g, '+-+')
    .replace(/ {2,}/g, ' ');
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}

describe('tetcdctl prints what etcdctl 3.4 prints', { skip: skipUnlessTools(['etcd', 'etcdctl']) }, () => {
  let members: Member[] = [];
  let a: Server;
  let b: Server;
  let dead: string;

  before(async () => {
    const started = await Promise.allSettled([startRealEtcd({ name: 't' }), startRealEtcd({ name: 't' })]);
    members = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    [a, b] = await Promise.all(members.map(describeServer)) as [Server, Server];
    dead = `127.0.0.1:${await freePort()}`;
  });

  after(async () => {
    await Promise.all(members.map((m) => m.destroy()));
  });

  /** Runs one step with both tools; returns the difference, if any. */
  async function runStep(step: Step): Promise<string | undefined> {
    const left = a;
    const right = step.on === 'same' ? a : b;
    const invoke = async (command: string, server: Server): Promise<Output> => {
      const args = [...(step.noEndpoints ? [] : [`--endpoints=${server.endpoint}`]), ...step.args.map((x) => substitute(x, server, dead))];
      const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(v, server, dead)]));
      return run(command, args, Buffer.from(step.stdin ?? ''), env);
    };
    const [want, got] = await Promise.all([invoke('etcdctl', left), invoke(TETCDCTL_BIN, right)]);
    const norm = (o: Output, server: Server) => {
      const lockstep = step.on !== 'same';
      const stderr = normalize(o.stderr, lockstep ? server : undefined);
      return {
        code: o.code,
        stdout: normalize(o.stdout, lockstep ? server : undefined),
        stderr: step.panics ? firstLine(stderr) : stderr,
      };
    };
    const w = norm(want, left);
    const g = norm(got, right);
    if (w.code === g.code && w.stdout === g.stdout && w.stderr === g.stderr) return undefined;
    return (
      `$ ${step.args.join(' ')}${step.stdin ? ` <<< ${JSON.stringify(String(step.stdin))}` : ''}\n` +
      `  etcdctl  (exit ${w.code}): stdout ${JSON.stringify(w.stdout)} stderr ${JSON.stringify(w.stderr)}\n` +
      `  tetcdctl (exit ${g.code}): stdout ${JSON.stringify(g.stdout)} stderr ${JSON.stringify(g.stderr)}`
    );
  }

  /**
   * Runs the steps in order and collects every difference, so one run shows them all. Steps that
   * cannot change the store run a few at a time, to keep the test short.
   */
  async function check(steps: readonly Step[]): Promise<void> {
    const writes = new Set(['put', 'del', 'txn', 'compaction', 'member']);
    const differences: string[] = [];
    for (let i = 0; i < steps.length; ) {
      let batch = 1;
      if (!writes.has(steps[i]!.args[0]!)) {
        while (batch < 6 && i + batch < steps.length && !writes.has(steps[i + batch]!.args[0]!)) batch++;
      }
      const results = await Promise.all(steps.slice(i, i + batch).map(runStep));
      for (const r of results) if (r !== undefined) differences.push(r);
      i += batch;
    }
    assert.equal(differences.length, 0, differences.join('\n'));
  }

  test('put, get and del with their flags, in every output format', async () => {
    await check([
      { args: ['put', 'foo', 'bar'] },
      { args: ['put', 'foo', 'bar2', '--prev-kv'] },
      { args: ['put', 'foo', '-w', 'json', '--prev-kv', 'baz'] },
      { args: ['put', 'foo', 'qux', '-w', 'fields', '--prev-kv'] },
      { args: ['put', 'a', '1', '-w', 'json'] },
      { args: ['put', 'b', '2', '-w', 'fields'] },
      { args: ['put', 'c', '3'] },
      { args: ['put', 'p/x', 'vx'] },
      { args: ['put', 'p/y', 'vy'] },
      { args: ['put', 'from-stdin'], stdin: 'line one\nline two\n' },
      { args: ['put', 'binary'], stdin: Buffer.from([0x00, 0xff, 0x41, 0x0a, 0xc3, 0xa9]) },
      { args: ['put', 'foo', '--ignore-value', '--prev-kv', '-w', 'json'] },
      { args: ['put', 'nokey', '--ignore-value'] },
      { args: ['put', 'k', 'v', '--lease', '1234'] },
      { args: ['put', '', 'x'] },
      { args: ['get', 'foo'] },
      { args: ['get', 'foo', '-w', 'json'] },
      { args: ['get', 'foo', '-w', 'fields'] },
      { args: ['get', 'nokey', '-w', 'json'] },
      { args: ['get', 'nokey', '-w', 'fields'] },
      { args: ['get', 'a', 'c', '-w', 'json', '--keys-only'] },
      { args: ['get', '', '--prefix', '--limit', '2', '-w', 'json'] },
      { args: ['get', '', '--prefix', '--limit', '2', '-w', 'fields'] },
      { args: ['get', '', '--prefix', '--print-value-only'] },
      { args: ['get', 'p/', '--prefix', '--sort-by=VALUE', '--order=DESCEND'] },
      { args: ['get', 'p/', '--prefix', '--sort-by', 'create', '-w', 'json'] },
      { args: ['get', 'b', '--from-key', '--keys-only'] },
      { args: ['get', 'binary', '--hex'] },
      { args: ['get', 'binary', '-w', 'json'] },
      { args: ['get', 'binary', '-w', 'fields'] },
      { args: ['get', 'foo', '--consistency=s', '--rev=0x3'] },
      { args: ['get', 'foo', '--print-value-only', '-w', 'json'] },
      { args: ['get', ''] },
      { args: ['get', 'foo', '-w', 'table'] },
      { args: ['get', 'foo', '-w', 'protobuf'], on: 'same' },
      { args: ['get', '', '--prefix', '-w', 'protobuf'], on: 'same' },
      { args: ['del', 'nokey', '-w', 'json'] },
      { args: ['del', 'c', '--prev-kv', '-w', 'json'] },
      { args: ['del', 'p/', '--prefix', '-w', 'fields'] },
      { args: ['del', 'a', 'b', '--prev-kv'] },
    ]);
  });

  test('txn from stdin and interactive, its syntax and its errors', async () => {
    const txn = (stdin: string, ...args: string[]): Step => ({ args: ['txn', ...args], stdin });
    await check([
      { args: ['put', 't1', 'v1'] },
      txn('val("t1") = "v1"\n\nput x y\nget t1\ndel t2\n\nget x\n\n'),
      txn('val("t1") = "v1"\n\nput x y\nget t1\ndel t2\n\nget x\n\n', '-w', 'json'),
      txn('val("t1") = "v1"\n\nput x y --prev-kv\nget t1\n\n\n', '-w', 'fields'),
      txn('mod("t1") > "100"\n\nput x y\n\nget x\nput x z --prev-kv\n\n', '-i'),
      txn('ver("t1") = "1"\ncreate("t1") < "1000"\nvalue(`t1`) != `v2`\n\nput "k\\x00" "v\\u00e9"\nget "k\\x00" --hex\n\n\n', '-w', 'json'),
      txn('\n\nput \'a\' \'b\'\n\n\n'),
      txn('\n\n\n', '--interactive'),
      txn('val("t1") = "v1"\n\nput x y'),
      txn('val( "a" )  =   "1"\n\n\n\n'),
      txn('val(a) = "1"\n\n\n\n'),
      txn('foo("a") = "1"\n\n\n\n'),
      txn('ver("a") = "x"\n\n\n\n'),
      txn('\nfoo a b\n\n\n'),
      txn('\nget\n\n\n'),
      txn('\nput a\n\n\n'),
      txn('\nget a --limit x\n\n\n'),
      { ...txn('val("a") == "1"\n\n\n\n'), panics: true },
    ]);
  });

  test('compaction and reads at compacted and future revisions', async () => {
    await check([
      { args: ['put', 'rev', 'r1'] },
      { args: ['put', 'rev', 'r2'] },
      { args: ['compaction', '3'] },
      { args: ['compaction', '3'] },
      { args: ['compaction', '--physical', '4', '-w', 'json'] },
      { args: ['get', 'rev', '--rev', '2'] },
      { args: ['get', 'rev', '--rev', '2', '-w', 'json'] },
      { args: ['get', 'rev', '--rev', '100000'] },
      { args: ['compaction', '100000'] },
      { args: ['compaction', 'abc'] },
    ]);
  });

  test('member list, endpoint status/health/hashkv, move-leader, alarms', async () => {
    await check([
      { args: ['member', 'list'] },
      { args: ['member', 'list', '-w', 'json'] },
      { args: ['member', 'list', '-w', 'fields'] },
      { args: ['member', 'list', '-w', 'table'], on: 'same' },
      { args: ['member', 'list', '-w', 'protobuf'], on: 'same' },
      { args: ['endpoint', 'status'], on: 'same' },
      { args: ['endpoint', 'status', '-w', 'table'], on: 'same' },
      { args: ['endpoint', 'status', '-w', 'json'], on: 'same' },
      { args: ['endpoint', 'status', '-w', 'fields'], on: 'same' },
      { args: ['endpoint', 'status', '--cluster', '-w', 'table'], on: 'same' },
      { args: ['endpoint', 'health'], on: 'same' },
      { args: ['endpoint', 'health', '-w', 'json'], on: 'same' },
      { args: ['endpoint', 'health', '-w', 'table'], on: 'same' },
      { args: ['endpoint', 'health', '--cluster', '-w', 'fields'], on: 'same' },
      { args: ['endpoint', 'hashkv'], on: 'same' },
      { args: ['endpoint', 'hashkv', '--rev', '5', '-w', 'json'], on: 'same' },
      { args: ['endpoint', 'hashkv', '-w', 'table'], on: 'same' },
      { args: ['move-leader', '{MEMBER_HEX}'] },
      { args: ['move-leader', '1234'] },
      { args: ['move-leader', 'zz'] },
      { args: ['alarm', 'list'], on: 'same' },
      { args: ['alarm', 'list', '-w', 'json'], on: 'same' },
      { args: ['alarm', 'disarm', '-w', 'json'], on: 'same' },
    ]);
  });

  test('member add, update, promote and remove of a learner', async () => {
    // Each tool adds its own learner: etcd refuses to re-add a just-removed member's peer URL.
    const session = async (command: string): Promise<string[]> => {
      const peerUrl = `http://127.0.0.1:${await freePort()}`;
      const ctl = (...args: string[]) => run(command, [`--endpoints=${a.endpoint}`, ...args], Buffer.alloc(0), {});
      const add = await ctl('member', 'add', 'n2', '--learner', `--peer-urls=${peerUrl}`);
      const id = /^Member +([0-9a-f]+) added/.exec(add.stdout.toString())?.[1];
      assert.ok(id, `${command} member add printed ${add.stdout}${add.stderr}`);
      const show = (o: Output): string =>
        `exit ${o.code}\n${normalize(o.stdout, undefined)}${normalize(o.stderr, undefined)}`
          .split(id)
          .join('<NEW>')
          .split(peerUrl)
          .join('<PEER>')
          // The server lists members by ID, and the new ID is random: compare the cluster as a set.
          .replace(/^ETCD_INITIAL_CLUSTER="(.*)"$/m, (_, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(',').sort().join(',')}"`);
      return [
        show(add),
        show(await ctl('member', 'update', id, `--peer-urls=${peerUrl}`)),
        show(await ctl('member', 'promote', id)),
        show(await ctl('member', 'remove', id)),
        show(await ctl('member', 'remove', id)),
      ];
    };
    const want = await session('etcdctl');
    const got = await session(TETCDCTL_BIN);
    assert.deepEqual(got, want);
  });

  test('errors, help, environment variables and unreachable endpoints', async () => {
    await check([
      { args: ['version'] },
      { args: ['nosuch'] },
      { args: ['e', 'status'] },
      { args: ['mem', 'li'] },
      { args: ['get', '--limit', 'abc', 'x'] },
      { args: ['get', '--prefix=maybe', 'x'] },
      { args: ['get', '-x'] },
      { args: ['get', '-w'] },
      { args: ['put', '--help'] },
      { args: ['member', 'add', '-h'] },
      { args: ['endpoint'] },
      { args: ['help', 'get'] },
      { args: ['-w', 'yaml', 'get', 'foo'] },
      { args: ['put'] },
      { args: ['del'] },
      { args: ['get', 'foo'], env: { ETCDCTL_WRITE_OUT: 'json', ETCDCTL_HEX: 'true' } },
      { args: ['get', 'foo'], env: { ETCDCTL_ENDPOINTS: '{EP}' }, noEndpoints: true },
      { args: ['get', 'foo'], env: { ETCDCTL_ENDPOINTS: '{EP}' } },
      { args: ['get', 'foo'], env: { ETCDCTL_FOO: 'bar' } },
      { args: ['endpoint', 'status'], env: { ETCDCTL_CLUSTER: 'true' }, on: 'same' },
      { args: ['--endpoints={DEAD}', '--command-timeout=1s', 'get', 'foo'], noEndpoints: true },
      { args: ['--endpoints={DEAD}', '--command-timeout=1s', 'put', 'foo', 'bar'], noEndpoints: true },
      { args: ['--endpoints={DEAD},{EP}', '--command-timeout=1s', 'get', 'foo'], noEndpoints: true },
      { args: ['--endpoints={DEAD},{EP}', '--command-timeout=1s', 'endpoint', 'status'], noEndpoints: true, on: 'same' },
      { args: ['--endpoints={EP},{DEAD}', '--command-timeout=1s', 'endpoint', 'health', '-w', 'json'], noEndpoints: true, on: 'same' },
    ]);
  });
});

/** Every command `tetcdctl --help` lists (with the root), as argument lists. */
function visibleCommandPaths(command: Command): string[][] {
  const below = command.children.filter((c) => !c.spec.hidden).flatMap((c) => visibleCommandPaths(c).map((p) => [c.name, ...p]));
  return [[], ...below];
}

/** The section of an etcdctl-layout help text named `heading`, one entry per line. */
function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${heading}:`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe("tetcdctl's help: etcdctl's facts and layout, its own words", { skip: skipUnlessTools(['etcdctl']) }, () => {
  const paths = visibleCommandPaths(rootCommand());
  const help = (command: string, path: string[]) => run(command, [...path, '--help'], Buffer.alloc(0), {});
  const helps = Promise.all(
    paths.map(async (path) => {
      const [want, got] = await Promise.all([help('etcdctl', path), help(TETCDCTL_BIN, path)]);
      return { path, want: want.stdout.toString('utf8'), got: got.stdout.toString('utf8'), codes: [want.code, got.code] };
    }),
  );

  test('every command lists the same subcommands, flags, defaults and usage line as etcdctl', async () => {
    const differences: string[] = [];
    for (const { path, want, got, codes } of await helps) {
      assert.deepEqual(codes, [0, 0], path.join(' '));
      if (path.length > 0) {
        if (helpFacts(got) !== helpFacts(want)) differences.push(`$ ${path.join(' ')} --help\n- ${helpFacts(want)}\n+ ${helpFacts(got)}`);
        continue;
      }
      // The root lists only the commands tetcdctl has, so its command column is narrower.
      const names = (text: string) => section(text, 'COMMANDS').map((l) => l.split('\t').filter((c) => c !== '')[0]!);
      const hidden = new Set(rootCommand().children.filter((c) => c.spec.hidden).map((c) => c.name));
      assert.deepEqual(names(got), names(want).filter((n) => !hidden.has(n.split(' ')[0]!)));
      const withoutCommands = (text: string) => helpFacts(text).replace(/\nCOMMANDS:\n(.+\n)*/, '\nCOMMANDS:\n');
      assert.equal(withoutCommands(got), withoutCommands(want));
    }
    assert.equal(differences.length, 0, differences.join('\n'));
  });

  test('no description is worded as etcdctl words it', async () => {
    const results = await helps;
    const etcdctlProse = new Set(results.flatMap((r) => helpProse(r.want)));
    const ours = new Set(results.flatMap((r) => helpProse(r.got)));
    assert.ok(ours.size > 40, `only ${ours.size} descriptions found`);
    assert.deepEqual([...ours].filter((p) => etcdctlProse.has(p)), []);
  });
});

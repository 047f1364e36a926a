/**
 * Issue 4's user story, verbatim, with the real etcdctl against the project's real Procfile, run
 * by scripts/procfile-runner.mjs (goreman's command line; goreman itself is not a dependency):
 *
 *   goreman -f Procfile start &
 *   etcdctl --write-out=table --endpoints=localhost:12379 member list
 *   etcdctl --endpoints=localhost:12379 put foo bar
 *   etcdctl --endpoints=localhost:22379 get foo            # bar, and from 32379 too
 *   goreman run stop etcd2
 *   etcdctl --endpoints=localhost:12379 put key hello      # still works
 *   etcdctl --endpoints=localhost:22379 get key            # fails
 *   etcdctl --endpoints=localhost:32379 get key            # hello
 *   goreman run restart etcd2
 *   etcdctl --endpoints=localhost:22379 get key            # hello
 *
 * The Procfile's ports are fixed (they are the story), so the test refuses to run when any is
 * taken. It runs in a temporary directory holding a copy of the Procfile and a `bin` symlink, so
 * the members' data dirs (infra1.etcd, ...) never land in the checkout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/cluster.js';
import { etcdctl, etcdctlOk } from '../helpers/etcdctl.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { PROCFILE_PORTS, freePort, isPortFree } from '../helpers/ports.js';
import { runCommand, spawnProcess, type ManagedProcess } from '../helpers/proc.js';
import { KIND, skipUnlessCluster } from './support.js';

const RUNNER = join(PROJECT_ROOT, 'scripts', 'procfile-runner.mjs');

/**
 * What etcd 3.4.23 prints for this Procfile (recorded by running the same Procfile with bin/tetcd
 * replaced by etcd; the table is deterministic: the IDs derive from the peer URLs and the token).
 */
const ETCD_MEMBER_TABLE = `+------------------+---------+--------+------------------------+------------------------+------------+
|        ID        | STATUS  |  NAME  |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |
+------------------+---------+--------+------------------------+------------------------+------------+
| 8211f1d0f64f3269 | started | infra1 | http://127.0.0.1:12380 | http://127.0.0.1:12379 |      false |
| 91bc3c398fb3c146 | started | infra2 | http://127.0.0.1:22380 | http://127.0.0.1:22379 |      false |
| fd422379fda50e48 | started | infra3 | http://127.0.0.1:32380 | http://127.0.0.1:32379 |      false |
+------------------+---------+--------+------------------------+------------------------+------------+
`;

/** A `goreman -f Procfile start` in `dir`, controlled like goreman on its own RPC port. */
class ProcfileRun {
  /** Process groups of the entries (the runner starts each as a group leader). */
  private readonly groups = new Set<number>();
  private readonly killGroups = (): void => this.killEntries();

  private constructor(
    readonly dir: string,
    readonly controlPort: number,
    readonly runner: ManagedProcess,
  ) {
    // If this test process dies, the runner gets SIGKILL (helpers/proc.ts) and cannot stop its
    // entries; their groups are killed here by id.
    process.on('exit', this.killGroups);
  }

  static async start(dir: string): Promise<ProcfileRun> {
    const controlPort = await freePort();
    const runner = spawnProcess(process.execPath, [RUNNER, '-f', 'Procfile', '-p', String(controlPort), 'start'], {
      name: 'procfile-runner',
      cwd: dir,
    });
    return new ProcfileRun(dir, controlPort, runner);
  }

  /** `goreman run <args>`, e.g. `run stop etcd2`. */
  async run(...args: string[]): Promise<void> {
    const result = await runCommand(process.execPath, [RUNNER, '-p', String(this.controlPort), 'run', ...args], {
      cwd: this.dir,
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 0, `procfile-runner run ${args.join(' ')} failed: ${result.stdout}${result.stderr}`);
  }

  /** Notes the process groups the runner reported starting ("Starting etcd1 on pid N"). */
  trackGroups(): void {
    for (const m of this.runner.output.matchAll(/Starting \S+ on pid (\d+)/g)) this.groups.add(Number(m[1]));
  }

  private killEntries(): void {
    this.trackGroups();
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
  }

  /** Stops the runner as Ctrl-C would (it stops its entries), then makes sure none survived. */
  async close(): Promise<void> {
    this.trackGroups();
    await this.runner.stop(15_000);
    this.killEntries();
    process.off('exit', this.killGroups);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The story's etcdctl calls: the real etcdctl, v3 API, the given endpoint, nothing else. */
const ctl = (endpoint: string, ...args: string[]) => etcdctl([`--endpoints=${endpoint}`, ...args], { timeoutMs: 30_000 });
const ctlOk = (endpoint: string, ...args: string[]) => etcdctlOk([`--endpoints=${endpoint}`, ...args], { timeoutMs: 30_000 });

test(`the Procfile story with the real etcdctl (${KIND})`, { skip: skipUnlessCluster(), timeout: 180_000 }, async (t) => {
  const busy: number[] = [];
  for (const port of PROCFILE_PORTS) if (!(await isPortFree(port))) busy.push(port);
  assert.deepEqual(
    busy,
    [],
    `the Procfile story needs 127.0.0.1 ports ${PROCFILE_PORTS.join(', ')} but ${busy.join(', ')} ` +
      `${busy.length === 1 ? 'is' : 'are'} in use (a cluster from "npm start" or goreman still running?); stop it and run the test again`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'procfile-story-'));
  let run: ProcfileRun | undefined;
  try {
    const procfile = await readFile(join(PROJECT_ROOT, 'Procfile'), 'utf8');
    // CLUSTER_TEST_KIND=etcd runs the same story on the real etcd, to check the test itself.
    await writeFile(join(dir, 'Procfile'), KIND === 'etcd' ? procfile.replaceAll('bin/tetcd', 'etcd') : procfile);
    await symlink(join(PROJECT_ROOT, 'bin'), join(dir, 'bin'));
    run = await ProcfileRun.start(dir);

    // Setup, not story: wait until all three published their client URLs (before that, the
    // table shows names from --initial-cluster but empty CLIENT ADDRS, in etcd too), then
    // compare the whole table.
    await waitFor(
      'three members with client URLs in `member list`',
      async () => {
        const table = await ctlOk('localhost:12379', '--write-out=table', 'member', 'list');
        return (table.match(/\| started \| \S+ \| \S+ \| http:\S+ \|/g) ?? []).length === 3 ? table : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    run.trackGroups();
    assert.equal(await ctlOk('localhost:12379', '--write-out=table', 'member', 'list'), ETCD_MEMBER_TABLE);

    assert.equal(await ctlOk('localhost:12379', 'put', 'foo', 'bar'), 'OK\n');
    assert.equal(await ctlOk('localhost:22379', 'get', 'foo'), 'foo\nbar\n');
    assert.equal(await ctlOk('localhost:32379', 'get', 'foo'), 'foo\nbar\n');

    await run.run('stop', 'etcd2');
    assert.equal(await ctlOk('localhost:12379', 'put', 'key', 'hello'), 'OK\n');
    const refused = await ctl('localhost:22379', 'get', 'key');
    assert.notEqual(refused.code, 0, `get from the stopped etcd2 succeeded: ${refused.stdout}`);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /Error: context deadline exceeded/);
    assert.equal(await ctlOk('localhost:32379', 'get', 'key'), 'key\nhello\n');

    await run.run('restart', 'etcd2');
    run.trackGroups();
    // A restarted member takes a moment to listen again; the story's get runs once it does.
    await waitFor('etcd2 listening on 22379 again', async () => ((await canConnect(22379)) ? true : undefined), { timeoutMs: 60_000 });
    const restartedGet = await waitFor(
      'a successful get from the restarted etcd2',
      async () => {
        const res = await ctl('localhost:22379', 'get', 'key');
        if (res.code !== 0) throw new Error(res.stderr.trim().split('\n').pop());
        return res.stdout;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(restartedGet, 'key\nhello\n');
    t.diagnostic(`runner output: ${run.runner.output.split('\n').length} lines`);
  } finally {
    await run?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

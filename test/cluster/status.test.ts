/**
 * The Maintenance view of a cluster through the real etcdctl: `endpoint status --cluster -w json`
 * asked through each member lists every member, and all agree on one leader that is one of them;
 * `endpoint health --cluster` reports every member healthy; `move-leader` hands leadership to the
 * member named, as every member's status then shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_ELECTIONS, hexOf, waitFor, withCluster, type Cluster } from '../helpers/cluster.js';
import { etcdctl, etcdctlOk, parseEtcdctlJson } from '../helpers/etcdctl.js';
import type { Member } from '../helpers/members.js';
import { KIND, skipUnlessCluster } from './support.js';

interface EndpointStatus {
  Endpoint: string;
  Status: {
    header: { member_id: string | number; revision: number };
    leader: string | number;
    raftIndex: number;
    raftTerm: number;
    raftAppliedIndex: number;
    version: string;
  };
}

/**
 * `endpoint status -w json`: with `--cluster` through `via` (etcdctl asks `via` for the member
 * list, then each member), else of every member named in --endpoints. Keyed by host:port.
 */
async function endpointStatus(cluster: Cluster, via: Member | 'all'): Promise<Map<string, { id: string; leader: string }>> {
  const out =
    via === 'all'
      ? await etcdctlOk(['endpoint', 'status', '-w', 'json'], { endpoints: cluster.endpoints(cluster.members) })
      : await etcdctlOk(['endpoint', 'status', '--cluster', '-w', 'json'], { endpoints: via.endpoint });
  const entries = parseEtcdctlJson<EndpointStatus[]>(out);
  return new Map(entries.map((e) => [e.Endpoint.replace(/^http:\/\//, ''), { id: hexOf(e.Status.header.member_id), leader: hexOf(e.Status.leader) }]));
}

/**
 * Checks that every member reports the same leader, which is one of them, and returns it: through
 * `--cluster` on each member in turn, or with all members as --endpoints.
 */
async function agreedLeader(cluster: Cluster, ids: ReadonlyMap<Member, string>, mode: 'cluster' | 'endpoints'): Promise<string> {
  const leaders = new Set<string>();
  for (const via of mode === 'cluster' ? cluster.members : (['all'] as const)) {
    const where = via === 'all' ? 'all endpoints' : `--cluster through ${via.name}`;
    const statuses = await endpointStatus(cluster, via);
    assert.deepEqual([...statuses.keys()].sort(), cluster.members.map((m) => m.endpoint).sort(), `endpoint status of ${where} lists other endpoints`);
    for (const m of cluster.members) assert.equal(statuses.get(m.endpoint)?.id, ids.get(m), `${m.name}'s id in the endpoint status of ${where}`);
    for (const s of statuses.values()) leaders.add(s.leader);
  }
  assert.equal(leaders.size, 1, `members report different leaders: ${[...leaders].join(', ')}`);
  const leader = [...leaders][0] as string;
  assert.ok([...ids.values()].includes(leader), `the leader ${leader} is not a member`);
  return leader;
}

async function memberIds(cluster: Cluster): Promise<Map<Member, string>> {
  return new Map(await Promise.all(cluster.members.map(async (m) => [m, await cluster.idOf(m)] as const)));
}

/** What `endpoint status --cluster` through each member gave in the first test (FOUND_BUGS.md #3). */
let clusterModeOutcome: { error?: unknown } | undefined;

test(`endpoint status, endpoint health and move-leader with etcdctl (${KIND})`, { skip: skipUnlessCluster(), timeout: 120_000 }, async (t) => {
  await withCluster(3, { kind: KIND, extraArgs: FAST_ELECTIONS }, async (cluster) => {
    await cluster.waitForLeader();
    const ids = await memberIds(cluster);
    const leader = await agreedLeader(cluster, ids, 'endpoints');
    // The same through --cluster on each member; its outcome is asserted by the next test.
    clusterModeOutcome = await agreedLeader(cluster, ids, 'cluster').then(
      () => ({}),
      (error: unknown) => ({ error }),
    );

    for (const via of cluster.members) {
      // etcdctl 3.4 prints the health report on stderr, also when everything is healthy.
      const health = await etcdctl(['endpoint', 'health', '--cluster'], { endpoints: via.endpoint });
      assert.equal(health.code, 0, `endpoint health --cluster through ${via.name}: ${health.stderr}`);
      const healthy = [...health.stderr.matchAll(/^(\S+) is healthy: successfully committed proposal: took = \S+$/gm)].map((m) => m[1]);
      assert.deepEqual(healthy.sort(), cluster.members.map((m) => m.clientUrl).sort(), `endpoint health --cluster through ${via.name}:\n${health.stderr}`);
    }

    const target = cluster.members.find((m) => ids.get(m) !== leader) as Member;
    const targetId = ids.get(target) as string;
    const moved = await etcdctlOk(['move-leader', targetId], { endpoints: cluster.endpoints() });
    assert.equal(moved, `Leadership transferred from ${leader} to ${targetId}\n`);
    // Every member learns of the new leader with its next heartbeat, hence the wait.
    const newLeader = await waitFor(`every member reporting ${target.name} as leader`, async () => {
      const agreed = await agreedLeader(cluster, ids, 'endpoints');
      if (agreed !== targetId) throw new Error(`leader is ${agreed}`);
      return agreed;
    });
    t.diagnostic(`leadership moved from ${leader} to ${newLeader} (${target.name})`);
  });
});

test(
  `endpoint status --cluster through every member agrees on the leader (${KIND})`,
  { skip: skipUnlessCluster() },
  () => {
    assert.ok(clusterModeOutcome, 'the test above did not get as far as endpoint status --cluster');
    if (clusterModeOutcome.error !== undefined) throw clusterModeOutcome.error;
  },
);

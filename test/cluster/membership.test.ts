/**
 * Membership with the real etcdctl, as an operator replaces a member: `member remove` (the removed
 * member stops, and stays out when restarted on its old data dir), `member add` and a start with
 * `--initial-cluster-state existing` plus the ETCD_INITIAL_CLUSTER that member add printed (the new
 * member joins and catches up), `member add --learner` then `member promote`, and `member update`
 * of peer URLs, seen by every member.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAST_ELECTIONS, hexOf, waitFor, withCluster, type Cluster } from '../helpers/cluster.js';
import { etcdctl, etcdctlOk, parseEtcdctlJson } from '../helpers/etcdctl.js';
import { isServiceError, grpc } from '../helpers/grpc_client.js';
import type { Member } from '../helpers/members.js';
import { freePorts } from '../helpers/ports.js';
import { KIND, skipUnlessCluster } from './support.js';

interface ListedMember {
  ID: string | number;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

async function memberList(via: Member): Promise<{ id: string; name: string; peerURLs: string[]; isLearner: boolean }[]> {
  const out = await etcdctlOk(['member', 'list', '-w', 'json'], { endpoints: via.endpoint });
  const listed = parseEtcdctlJson<{ members?: ListedMember[] }>(out).members ?? [];
  return listed.map((m) => ({ id: hexOf(m.ID), name: m.name ?? '', peerURLs: m.peerURLs ?? [], isLearner: m.isLearner ?? false }));
}

/** `etcdctl member add`'s report: the new id and the ETCD_* variables to start the member with. */
function parseMemberAdd(out: string): { id: string; env: Record<string, string> } {
  const added = /^Member\s+([0-9a-f]+) added to cluster\s+[0-9a-f]+$/m.exec(out);
  assert.ok(added, `unexpected member add output:\n${out}`);
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/^(ETCD_[A-Z_]+)="(.*)"$/gm)) env[m[1] as string] = m[2] as string;
  return { id: added[1] as string, env };
}

/**
 * A `member ...` command that the cluster may refuse for now: etcd refuses reconfiguration as
 * "unhealthy cluster" until every member has been connected for a few seconds, and promotion until
 * the learner is in sync with the leader. Those refusals are retried; anything else fails.
 */
async function reconfigure(args: string[], via: Member): Promise<string> {
  return waitFor(`etcdctl ${args.join(' ')}`, async () => {
    const res = await etcdctl(args, { endpoints: via.endpoint });
    if (res.code === 0) return res.stdout;
    if (/unhealthy cluster|in sync with leader/.test(res.stderr)) throw new Error(res.stderr.trim());
    assert.fail(`etcdctl ${args.join(' ')} failed: ${res.stderr}`);
  });
}

const KEYS = 20;
const PREFIX = 'membership/';

async function storedKeys(member: Member, serializable: boolean): Promise<string[]> {
  const client = member.client(20_000);
  try {
    const res = await client.range({ key: Buffer.from(PREFIX), range_end: Buffer.from(PREFIX.slice(0, -1) + '0'), serializable });
    return res.kvs.map((kv) => `${kv.key.toString()}=${kv.value.toString()}`);
  } finally {
    client.close();
  }
}

/**
 * Adds a member through `via` and starts it as the operator would: the flags of its own URLs,
 * `--initial-cluster-state existing`, and ETCD_INITIAL_CLUSTER exactly as member add printed it.
 */
async function addAndStart(cluster: Cluster, via: Member, name: string, learner: boolean): Promise<{ member: Member; id: string }> {
  const [client, peer] = (await freePorts(2)) as [number, number];
  const peerUrl = `http://127.0.0.1:${peer}`;
  const out = await reconfigure(['member', 'add', name, `--peer-urls=${peerUrl}`, ...(learner ? ['--learner'] : [])], via);
  const { id, env } = parseMemberAdd(out);
  assert.equal(env.ETCD_NAME, name);
  assert.equal(env.ETCD_INITIAL_ADVERTISE_PEER_URLS, peerUrl);
  assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing');
  assert.match(env.ETCD_INITIAL_CLUSTER ?? '', new RegExp(`(^|,)${name}=${peerUrl}(,|$)`));
  const member = await cluster.startJoiningMember(name, { client, peer }, {
    initialCluster: null,
    env: { ETCD_INITIAL_CLUSTER: env.ETCD_INITIAL_CLUSTER as string },
    // A learner answers no linearizable read; it is ready once it serves a serializable one.
    readiness: learner ? 'serializable' : 'linearizable',
  });
  assert.equal(await cluster.idOf(member), id, `${name} runs with another id than member add reported`);
  return { member, id };
}

test(`member remove, add, add --learner and promote, update (${KIND})`, { skip: skipUnlessCluster(), timeout: 180_000 }, async (t) => {
  await withCluster(3, { kind: KIND, extraArgs: FAST_ELECTIONS }, async (cluster) => {
    await cluster.waitForLeader();
    const [m1, m2, m3] = cluster.members as [Member, Member, Member];
    const [id1, id2, id3] = await Promise.all([m1, m2, m3].map((m) => cluster.idOf(m)));
    const writer = m1.client(20_000);
    try {
      for (let i = 0; i < KEYS; i++) await writer.put({ key: Buffer.from(`${PREFIX}${i}`), value: Buffer.from(`value ${i}`) });
    } finally {
      writer.close();
    }
    const expected = await storedKeys(m1, false);
    assert.equal(expected.length, KEYS);

    // Remove m3: it is told, and stops.
    const removed = await reconfigure(['member', 'remove', id3 as string], m1);
    assert.match(removed, new RegExp(`^Member\\s+${id3} removed from cluster\\s+[0-9a-f]+\\n$`));
    const exit = await Promise.race([m3.process.exited, sleep(30_000, 'still running', { ref: false })]);
    assert.notEqual(exit, 'still running', `${m3.name} still runs 30 s after its removal:\n${m3.process.tail()}`);
    t.diagnostic(`${m3.name} exited after its removal: ${JSON.stringify(exit)}`);
    assert.deepEqual((await memberList(m1)).map((m) => m.id).sort(), [id1, id2].sort());

    // Restarted on its old data dir, the removed member is refused by the others and stops again.
    const relaunch = await m3.launch().then(
      () => 'served',
      (err: Error) => err.message,
    );
    assert.notEqual(relaunch, 'served', `the removed ${m3.name} served again after a restart on its old data dir`);
    assert.equal(m3.process.running, false, `the removed ${m3.name} still runs: ${relaunch}`);

    // Add m4 as a voter; it joins and catches up.
    const { member: m4, id: id4 } = await addAndStart(cluster, m1, 'm4', false);
    assert.deepEqual(await storedKeys(m4, false), expected);

    // Add m5 as a learner: it catches up but refuses linearizable reads until promoted.
    const { member: m5, id: id5 } = await addAndStart(cluster, m1, 'm5', true);
    await waitFor(`learner m5 holding the ${KEYS} keys`, async () => ((await storedKeys(m5, true)).length === KEYS ? true : undefined));
    assert.deepEqual(await storedKeys(m5, true), expected);
    const learnerRead = await storedKeys(m5, false).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(isServiceError(learnerRead), 'a learner answered a linearizable read');
    assert.equal(learnerRead.code, grpc.status.UNAVAILABLE);
    assert.equal(learnerRead.details, 'etcdserver: rpc not supported for learner');
    assert.deepEqual(
      (await memberList(m1)).map((m) => [m.id, m.isLearner]).sort(),
      [[id1, false], [id2, false], [id4, false], [id5, true]].sort(),
    );
    const promoted = await reconfigure(['member', 'promote', id5], m1);
    assert.match(promoted, new RegExp(`^Member\\s+${id5} promoted in cluster\\s+[0-9a-f]+\\n$`));
    assert.equal((await memberList(m1)).find((m) => m.id === id5)?.isLearner, false);
    await waitFor('a linearizable read on the promoted m5', () => storedKeys(m5, false));
    assert.deepEqual(await storedKeys(m5, false), expected);

    // Update m2's peer URLs; every member sees the new list, and the cluster still commits.
    const [spare] = (await freePorts(1)) as [number];
    const updatedUrls = [m2.peerUrl, `http://127.0.0.1:${spare}`];
    for (const urls of [updatedUrls, [m2.peerUrl]]) {
      const updated = await reconfigure(['member', 'update', id2 as string, `--peer-urls=${urls.join(',')}`], m1);
      assert.match(updated, new RegExp(`^Member\\s+${id2} updated in cluster\\s+[0-9a-f]+\\n$`));
      for (const via of cluster.running()) {
        await waitFor(`${via.name} listing m2 with peer URLs ${urls.join(',')}`, async () => {
          const listed = (await memberList(via)).find((m) => m.id === id2);
          if (JSON.stringify(listed?.peerURLs) !== JSON.stringify(urls)) throw new Error(`lists ${listed?.peerURLs.join(',')}`);
          return true;
        });
      }
      const client = m2.client(20_000);
      try {
        await client.put({ key: Buffer.from(`${PREFIX}after-update-${urls.length}`), value: Buffer.from('x') });
      } finally {
        client.close();
      }
    }
    const final = await Promise.all(cluster.running().map((m) => storedKeys(m, false)));
    assert.ok(final.every((keys) => keys.length === KEYS + 2 && JSON.stringify(keys) === JSON.stringify(final[0])), 'members disagree after the updates');
  });
});

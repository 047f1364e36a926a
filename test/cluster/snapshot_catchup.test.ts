/**
 * A follower that is down while the others take several snapshots (and release their log behind
 * them) can only catch up by receiving a snapshot: small --snapshot-count and
 * --experimental-snapshot-catchup-entries force that path. After its restart the follower holds
 * the same data (Range), the same applied index and revision (Status), and its log shows that a
 * snapshot was received.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_ELECTIONS, waitFor, withCluster } from '../helpers/cluster.js';
import { KIND, WriteStream, checkAckedOnMembers, skipUnlessCluster } from './support.js';

const SNAPSHOT_COUNT = 100;
const CATCHUP_ENTRIES = 50;
/**
 * etcd 3.4 has no --experimental-snapshot-catchup-entries (it always keeps 5000 entries), so the
 * oracle run needs more writes than that for the follower to fall behind the leader's log.
 */
const CATCHUP_FLAGS = KIND === 'etcd' ? [] : [`--experimental-snapshot-catchup-entries=${CATCHUP_ENTRIES}`];
const WRITES = KIND === 'etcd' ? 5_500 : 450;

/** The log lines that show the snapshot path, as each daemon words them. */
const LOG = {
  tetcd: { saved: /saved snapshot/g, sent: /sending a snapshot/, received: /received a snapshot/ },
  etcd: { saved: /saved snapshot at index/g, sent: /start to send database snapshot/, received: /successfully received and saved database snapshot/ },
}[KIND];

test(`a follower down across several snapshots catches up by snapshot (${KIND})`, { skip: skipUnlessCluster(), timeout: 180_000 }, async (t) => {
  const extraArgs = [...FAST_ELECTIONS, `--snapshot-count=${SNAPSHOT_COUNT}`, ...CATCHUP_FLAGS];
  await withCluster(3, { kind: KIND, extraArgs }, async (cluster) => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.members.find((m) => m !== leader.member)!;
    await follower.stop();

    const prefix = 'snapshot-catchup/';
    const stream = new WriteStream(cluster.running(), { prefix, clients: 8, target: WRITES }).start();
    try {
      await stream.finished();
    } finally {
      await stream.close();
    }
    assert.ok(stream.acked.size >= WRITES, stream.summary());
    const snapshots = leader.member.process.output.match(LOG.saved)?.length ?? 0;
    t.diagnostic(`${stream.summary()}; the leader saved ${snapshots} snapshots while ${follower.name} was down`);
    assert.ok(snapshots >= 3, `the leader saved only ${snapshots} snapshots during ${WRITES} writes with --snapshot-count=${SNAPSHOT_COUNT}`);

    const leaderOutputBefore = leader.member.process.output.length;
    await follower.launch();
    const statuses = await waitFor(
      `${follower.name} at the same applied index and revision as the others`,
      async () => {
        const all = await Promise.all(cluster.members.map((m) => cluster.status(m)));
        const applied = new Set(all.map((s) => s.raftAppliedIndex));
        const revisions = new Set(all.map((s) => s.header?.revision));
        if (applied.size !== 1 || revisions.size !== 1) {
          throw new Error(`applied ${all.map((s) => s.raftAppliedIndex).join('/')}, revisions ${all.map((s) => s.header?.revision).join('/')}`);
        }
        return all;
      },
      { timeoutMs: 30_000 },
    );
    t.diagnostic(`all members at applied index ${statuses[0]!.raftAppliedIndex}, revision ${statuses[0]!.header?.revision}`);

    assert.match(follower.process.output, LOG.received, `${follower.name} caught up without a snapshot:\n${follower.process.tail(60)}`);
    assert.match(leader.member.process.output.slice(leaderOutputBefore), LOG.sent, `the leader never logged sending a snapshot`);

    const result = await checkAckedOnMembers(cluster.members, prefix, stream.acked, { serializableOnly: true });
    assert.ok(result.clean, result.reports.join('\n'));
    assert.ok(result.identical, `members hold different data under ${prefix}:\n${result.reports.join('\n')}`);
  });
});

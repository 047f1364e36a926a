/**
 * kill -9 of all three members at once, while writes are in flight: after a restart nothing that
 * was acknowledged is lost (an acknowledgement means the write was fsynced by a quorum), and the
 * revision counter continues after the highest acknowledged revision instead of starting over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_ELECTIONS, withCluster } from '../helpers/cluster.js';
import { KIND, WriteStream, checkAckedOnMembers, skipUnlessCluster } from './support.js';

test(`kill -9 of every member and a restart lose no acknowledged write (${KIND})`, { skip: skipUnlessCluster(), timeout: 180_000 }, async (t) => {
  await withCluster(3, { kind: KIND, extraArgs: FAST_ELECTIONS }, async (cluster) => {
    await cluster.waitForLeader();
    const prefix = 'crash-all/';
    const stream = new WriteStream(cluster.members, { prefix, clients: 6, target: Infinity }).start();
    try {
      await stream.whenAcked(300);
      await Promise.all(cluster.members.map((m) => m.kill9()));
    } finally {
      await stream.close();
    }
    t.diagnostic(`writes before the crash: ${stream.summary()}; highest acknowledged revision ${stream.maxAckedRevision}`);

    await cluster.relaunch(cluster.members);
    const result = await checkAckedOnMembers(cluster.members, prefix, stream.acked);
    for (const line of result.reports) t.diagnostic(line);
    assert.ok(result.clean, `acknowledged writes lost in the crash of all members (${stream.summary()}):\n${result.reports.join('\n')}`);
    assert.ok(result.identical, `members hold different data under ${prefix}:\n${result.reports.join('\n')}`);
    for (const { member, check } of result.checks) {
      // Every write is a new key, so the store's revision is 1 + the writes that committed.
      assert.ok(check.revision >= 1 + check.present, `${member.name} is at revision ${check.revision} with ${check.present} keys`);
    }

    const client = cluster.members[0]!.client(20_000);
    try {
      const before = await client.currentRevision();
      const put = await client.put({ key: Buffer.from(`${prefix}after-restart`), value: Buffer.from('x') });
      const revision = Number(put.header?.revision);
      assert.ok(before >= stream.maxAckedRevision, `the store restarted at revision ${before}, below acknowledged revision ${stream.maxAckedRevision}`);
      assert.equal(revision, before + 1, 'the first write after the restart takes the next revision');
    } finally {
      client.close();
    }
  });
});

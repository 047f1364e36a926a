/**
 * kill -9 of all three members at once, while writes are in flight: after a restart nothing that
 * was acknowledged is lost (an acknowledgement means the write was fsynced by a quorum), and the
 * revision counter continues after the highest acknowledged revision instead of starting over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_ELECTIONS, withCluster } from '../helpers/cluster.js';
import { KIND, WriteStream, checkAcked, describeCheck, isClean, skipUnlessCluster } from './support.js';

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
    const reports: string[] = [];
    let clean = true;
    for (const member of cluster.members) {
      const client = member.client(20_000);
      try {
        for (const serializable of [false, true]) {
          const check = await checkAcked(client, prefix, stream.acked, serializable);
          reports.push(describeCheck(`${member.name} ${serializable ? 'serializable' : 'linearizable'}`, check));
          clean &&= isClean(check);
          // Every write is a new key, so the store's revision is 1 + the writes that committed.
          assert.ok(check.revision >= 1 + check.present, `${member.name} is at revision ${check.revision} with ${check.present} keys`);
        }
      } finally {
        client.close();
      }
    }
    for (const line of reports) t.diagnostic(line);
    assert.ok(clean, `acknowledged writes lost in the crash of all members (${stream.summary()}):\n${reports.join('\n')}`);

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

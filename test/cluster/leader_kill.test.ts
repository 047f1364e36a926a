/**
 * Issue 4, "Must show": 1,000 acknowledged writes from concurrent clients spread over the three
 * members, the leader killed -9 midway; a new leader is agreed within a few election timeouts,
 * and after the killed member restarts every acknowledged write is readable from every member,
 * by a linearizable and then a serializable read, with its value and its revision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_ELECTIONS, withCluster } from '../helpers/cluster.js';
import { KIND, WriteStream, checkAckedOnMembers, skipUnlessCluster } from './support.js';

const ELECTION_TIMEOUT_MS = 500;
const TARGET = 1_000;
/** "A few election timeouts", with room for a loaded 2-core machine and the status polling. */
const NEW_LEADER_BOUND_MS = 6 * ELECTION_TIMEOUT_MS;

test(`kill -9 of the leader during 1,000 writes loses no acknowledged write (${KIND})`, { skip: skipUnlessCluster(), timeout: 180_000 }, async (t) => {
  await withCluster(3, { kind: KIND, extraArgs: FAST_ELECTIONS }, async (cluster) => {
    const oldLeader = await cluster.waitForLeader();
    const prefix = 'leader-kill/';
    const stream = new WriteStream(cluster.members, { prefix, clients: 6, target: TARGET }).start();

    let ackedBeforeKill: number;
    let newLeader: { member: { name: string } };
    let electionMs: number;
    try {
      await stream.whenAcked(TARGET / 2);
      ackedBeforeKill = stream.acked.size;
      await oldLeader.member.kill9();
      const killedAt = Date.now();
      const survivors = cluster.running();
      newLeader = await cluster.waitForLeader({ among: survivors, notId: oldLeader.id, timeoutMs: 30_000, intervalMs: 25 });
      electionMs = Date.now() - killedAt;
      await stream.finished();
    } finally {
      await stream.close();
    }
    t.diagnostic(`writes: ${stream.summary()}; leader ${oldLeader.member.name} killed at ${ackedBeforeKill} acknowledged`);
    t.diagnostic(`new leader ${newLeader.member.name} agreed ${electionMs} ms after the kill`);
    assert.ok(stream.acked.size >= TARGET, `only ${stream.summary()}`);
    assert.ok(
      electionMs <= NEW_LEADER_BOUND_MS,
      `the survivors agreed on a new leader only ${electionMs} ms after the kill (bound ${NEW_LEADER_BOUND_MS} ms = 6 election timeouts)`,
    );

    await oldLeader.member.launch();
    const result = await checkAckedOnMembers(cluster.members, prefix, stream.acked);
    const summary = `${stream.acked.size} acknowledged writes (${stream.summary()}), checked on ${cluster.members.length} members:\n${result.reports.join('\n')}`;
    for (const line of summary.split('\n')) t.diagnostic(line);
    assert.ok(result.clean, `acknowledged writes are not all readable:\n${summary}`);
    assert.ok(result.identical, `members returned different contents for ${prefix}:\n${summary}`);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchClusterFromPeers } from '../../src/peer/transport.js';
import { freePort } from '../helpers/ports.js';
import { CLUSTER, RecordingHandler, startNode, stopAll } from './harness.js';

const INFRA1 = 0x8211f1d0f64f3269n;
const INFRA2 = 0x91bc3c398fb3c146n;
const JOINER = 0xfd422379fda50e48n;

test('a joining member learns the cluster id and members from the first peer that answers', async () => {
  const handler = new RecordingHandler();
  handler.members = [
    { id: INFRA1, name: 'infra1', peerURLs: ['http://127.0.0.1:12380'], clientURLs: ['http://127.0.0.1:12379'], isLearner: false },
    { id: JOINER, name: '', peerURLs: ['http://127.0.0.1:32380'], clientURLs: [], isLearner: true },
  ];
  const up = await startNode(INFRA1, undefined, {}, handler);
  const down = `http://127.0.0.1:${await freePort()}`;
  try {
    const cluster = await fetchClusterFromPeers([down, up.url], { timeoutMs: 2000 });
    assert.equal(cluster.clusterId, CLUSTER);
    assert.equal(cluster.answeredBy, INFRA1);
    assert.deepEqual(cluster.members, handler.members);
  } finally {
    await stopAll([up]);
  }
});

test('when no peer answers, the error names every peer and why', async () => {
  const failing = await startNode(INFRA1); // members unset: clusterMembers throws
  const noList = await startNode(INFRA2, undefined, {}, Object.assign(new RecordingHandler(), { clusterMembers: undefined }));
  const down = `http://127.0.0.1:${await freePort()}`;
  try {
    await assert.rejects(fetchClusterFromPeers([down, failing.url, noList.url], { timeoutMs: 2000 }), (err: Error) => {
      assert.match(err.message, /^no peer answered: /);
      assert.ok(err.message.includes(`${down}: UNAVAILABLE`), err.message);
      assert.ok(err.message.includes(`${failing.url}: INTERNAL: member list unavailable: members not set`), err.message);
      assert.ok(err.message.includes(`${noList.url}: UNIMPLEMENTED: member 91bc3c398fb3c146 does not serve its member list`), err.message);
      return true;
    });
    await assert.rejects(fetchClusterFromPeers([], { timeoutMs: 100 }), /no peer URLs to ask/);
  } finally {
    await stopAll([failing, noList]);
  }
});

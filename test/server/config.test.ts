import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, ConfigError } from '../../src/server/config.js';
import { parseFlags } from '../../src/cli/flags.js';
import { hexId } from '../../src/base/ids.js';

const PROCFILE_CLUSTER =
  'infra1=http://127.0.0.1:12380,infra2=http://127.0.0.1:22380,infra3=http://127.0.0.1:32380';

function config(args: string[], env: NodeJS.ProcessEnv = {}) {
  return buildConfig(parseFlags(args, env, 'test').values);
}

test("etcd's defaults for one member", () => {
  const c = config([]);
  assert.equal(c.name, 'default');
  assert.equal(c.dataDir, 'default.etcd');
  assert.deepEqual(c.listenClientUrls, ['http://localhost:2379']);
  assert.deepEqual(c.advertiseClientUrls, ['http://localhost:2379']);
  assert.deepEqual(c.listenPeerUrls, ['http://localhost:2380']);
  assert.equal(c.maxTxnOps, 128);
  assert.equal(c.maxRequestBytes, 1572864);
  assert.equal(c.heartbeatMs, 100);
  assert.equal(c.electionMs, 1000);
  assert.equal(c.snapshotCount, 100000);
});

test('member IDs are the ones etcd derives for the Procfile cluster', () => {
  const ids = ['infra1', 'infra2', 'infra3'].map((name, i) =>
    hexId(
      config([
        '--name', name,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${i + 1}2380`,
        '--initial-cluster-token', 'etcd-cluster-1',
        '--initial-cluster', PROCFILE_CLUSTER,
      ]).memberId,
    ),
  );
  assert.deepEqual(ids, ['8211f1d0f64f3269', '91bc3c398fb3c146', 'fd422379fda50e48']);
});

test('ETCD_* environment variables set flags; a flag and its variable together are refused', () => {
  const c = config([], { ETCD_NAME: 'envname', ETCD_MAX_TXN_OPS: '7' });
  assert.equal(c.name, 'envname');
  assert.equal(c.dataDir, 'envname.etcd');
  assert.equal(c.maxTxnOps, 7);
  assert.throws(() => config(['--name', 'x'], { ETCD_NAME: 'y' }), /shadowed by corresponding command-line flag/);
});

test('unknown and malformed flags are refused', () => {
  assert.throws(() => parseFlags(['--no-such-flag', 'x'], {}, 'test'), /unknown option/);
  assert.throws(() => parseFlags(['--max-txn-ops', 'many'], {}, 'test'), /not an integer/);
  assert.throws(() => parseFlags(['--listen-client-urls', 'localhost:2379'], {}, 'test'), /URL scheme|invalid URL/);
  assert.throws(() => parseFlags(['stray'], {}, 'test'), /too many arguments|unknown command/);
});

test("Go-style single-dash flags and etcd's boolean forms are accepted", () => {
  const p = parseFlags(['-name', 'n1', '--enable-pprof', '--strict-reconfig-check=false'], {}, 'test');
  assert.equal(p.values['name'], 'n1');
  assert.equal(p.values['enable-pprof'], 'true');
  assert.equal(p.values['strict-reconfig-check'], 'false');
});

test('cluster misconfigurations get clear errors', () => {
  assert.throws(
    () => config(['--name', 'infra9', '--initial-cluster', PROCFILE_CLUSTER]),
    (e: unknown) => e instanceof ConfigError && /couldn't find local name "infra9"/.test(e.message),
  );
  assert.throws(
    () =>
      config(['--name', 'infra1', '--initial-cluster', PROCFILE_CLUSTER, '--initial-advertise-peer-urls', 'http://127.0.0.1:9999']),
    /missing from --initial-advertise-peer-urls/,
  );
  assert.throws(() => config(['--initial-cluster-state', 'old']), ConfigError);
  assert.throws(() => config(['--heartbeat-interval', '500']), /at least as 5 times/);
});

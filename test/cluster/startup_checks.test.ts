/**
 * Cluster flags are checked at start, with messages that say what to fix: a name missing from
 * --initial-cluster, advertised peer URLs that disagree with it, and a data dir that belongs to
 * another cluster (the flags describe a different token or membership than the one it was made
 * with).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../helpers/ports.js';
import { runCommand, cleanEnv } from '../helpers/proc.js';
import { startTetcd, skipUnlessTetcd, TETCD_BIN } from '../helpers/members.js';

const skip = skipUnlessTetcd();
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tetcdExits(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const r = await runCommand(process.execPath, [TETCD_BIN, ...args], { env: cleanEnv(), timeoutMs: 20_000 });
  return { code: r.code, stderr: r.stderr };
}

test('a name missing from --initial-cluster and a peer URL mismatch are refused', { skip }, async () => {
  const [a, b] = await freePorts(2);
  const cluster = `infra1=http://127.0.0.1:${a},infra2=http://127.0.0.1:${b}`;
  const missing = await tetcdExits(['--name', 'infra9', '--initial-cluster', cluster]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /couldn't find local name "infra9" in the initial cluster configuration/);

  const mismatch = await tetcdExits([
    '--name', 'infra1', '--initial-cluster', cluster, '--initial-advertise-peer-urls', `http://127.0.0.1:${b}`,
  ]);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /--initial-cluster has infra1=http:\/\/127\.0\.0\.1:\d+ but missing from --initial-advertise-peer-urls/);

  const badUrl = await tetcdExits(['--listen-peer-urls', 'localhost:2380']);
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /--listen-peer-urls/);
});

test("a data dir made for one cluster is refused when the flags describe another", { skip }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tetcd-datadir-'));
  dirs.push(dataDir);
  const [client, peer] = await freePorts(2);
  const member = await startTetcd({
    name: 'infra1',
    dataDir,
    ports: { client: client!, peer: peer! },
    extraArgs: ['--initial-cluster-token', 'cluster-a'],
  });
  await member.stop();

  const other = await tetcdExits([
    '--name', 'infra1',
    '--data-dir', dataDir,
    '--listen-client-urls', `http://127.0.0.1:${client}`,
    '--advertise-client-urls', `http://127.0.0.1:${client}`,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `infra1=http://127.0.0.1:${peer}`,
    '--initial-cluster-token', 'cluster-b',
  ]);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /data dir .* belongs to cluster [0-9a-f]+ .* describe cluster [0-9a-f]+/);

  // The same flags it was made with still start it.
  await member.launch();
  await member.destroy();
});

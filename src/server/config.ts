/**
 * The server's configuration, derived from etcd's flags and checked the way etcd checks them:
 * a bad combination stops the daemon at start with a message that says what to fix.
 */
import { deriveClusterId, deriveMemberId, type MemberId } from '../base/ids.js';

export interface InitialMember {
  name: string;
  peerUrls: string[];
  id: MemberId;
}

export interface ServerConfig {
  name: string;
  dataDir: string;
  walDir: string;
  listenClientUrls: string[];
  advertiseClientUrls: string[];
  listenPeerUrls: string[];
  initialAdvertisePeerUrls: string[];
  initialCluster: InitialMember[];
  initialClusterToken: string;
  initialClusterState: 'new' | 'existing';
  snapshotCount: number;
  /** Entries kept behind a snapshot for followers that are only a little behind. */
  snapshotCatchUpEntries: number;
  maxSnapshots: number;
  heartbeatMs: number;
  electionMs: number;
  maxTxnOps: number;
  maxRequestBytes: number;
  memberId: MemberId;
  clusterId: bigint;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_INITIAL_CLUSTER = 'default=http://localhost:2380';

export function splitUrls(s: string): string[] {
  return s
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
}

/** "a=http://x:1,a=http://y:2,b=http://z:3" → members with their URL lists, in first-seen order. */
export function parseInitialCluster(s: string, token: string): InitialMember[] {
  const byName = new Map<string, string[]>();
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--initial-cluster: "${part}" is not in the form name=url`);
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new ConfigError(`--initial-cluster: invalid URL "${url}" for member ${name}`);
    }
    const urls = byName.get(name) ?? [];
    if (urls.includes(url)) throw new ConfigError(`--initial-cluster: duplicate URL "${url}" for member ${name}`);
    urls.push(url);
    byName.set(name, urls);
  }
  const members = [...byName.entries()].map(([name, peerUrls]) => ({
    name,
    peerUrls,
    id: deriveMemberId(peerUrls, token),
  }));
  const seen = new Map<string, string>();
  for (const m of members) {
    for (const u of m.peerUrls) {
      const other = seen.get(u);
      if (other !== undefined) throw new ConfigError(`--initial-cluster: URL "${u}" is used by both ${other} and ${m.name}`);
      seen.set(u, m.name);
    }
  }
  return members;
}

function int(values: Record<string, string>, flag: string, min: number): number {
  const n = Number(values[flag]);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`--${flag} must be an integer >= ${min}, got "${values[flag]}"`);
  return n;
}

export function buildConfig(values: Record<string, string>): ServerConfig {
  const name = values['name']!;
  if (name.length === 0) throw new ConfigError('--name must not be empty');
  const token = values['initial-cluster-token']!;
  const initialAdvertisePeerUrls = splitUrls(values['initial-advertise-peer-urls']!);
  let initialClusterStr = values['initial-cluster']!;
  // etcd: a member started with a --name but without --initial-cluster forms a cluster of itself.
  if (initialClusterStr === DEFAULT_INITIAL_CLUSTER && name !== 'default') {
    initialClusterStr = initialAdvertisePeerUrls.map((u) => `${name}=${u}`).join(',');
  }
  const initialCluster = parseInitialCluster(initialClusterStr, token);
  const self = initialCluster.find((m) => m.name === name);
  if (!self) {
    throw new ConfigError(`couldn't find local name "${name}" in the initial cluster configuration`);
  }
  const sortedSelf = [...self.peerUrls].sort().join(',');
  const sortedAdvertised = [...initialAdvertisePeerUrls].sort().join(',');
  if (sortedSelf !== sortedAdvertised) {
    throw new ConfigError(
      `--initial-cluster has ${name}=${self.peerUrls.join(',')} but missing from --initial-advertise-peer-urls=${initialAdvertisePeerUrls.join(',')}`,
    );
  }
  const state = values['initial-cluster-state'];
  if (state !== 'new' && state !== 'existing') {
    throw new ConfigError(`invalid value "${state}" for flag -initial-cluster-state: invalid value "${state}"`);
  }
  const heartbeatMs = int(values, 'heartbeat-interval', 1);
  const electionMs = int(values, 'election-timeout', 1);
  if (electionMs < 5 * heartbeatMs) {
    throw new ConfigError(
      `--election-timeout[${electionMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatMs}ms]`,
    );
  }
  const dataDir = values['data-dir'] || `${name}.etcd`;
  return {
    name,
    dataDir,
    walDir: values['wal-dir'] ?? '',
    listenClientUrls: splitUrls(values['listen-client-urls']!),
    advertiseClientUrls: splitUrls(values['advertise-client-urls']!),
    listenPeerUrls: splitUrls(values['listen-peer-urls']!),
    initialAdvertisePeerUrls,
    initialCluster,
    initialClusterToken: token,
    initialClusterState: state,
    snapshotCount: int(values, 'snapshot-count', 1),
    snapshotCatchUpEntries: int(values, 'experimental-snapshot-catchup-entries', 1),
    maxSnapshots: int(values, 'max-snapshots', 0),
    heartbeatMs,
    electionMs,
    maxTxnOps: int(values, 'max-txn-ops', 1),
    maxRequestBytes: int(values, 'max-request-bytes', 1),
    memberId: self.id,
    clusterId: deriveClusterId(initialCluster.map((m) => m.id)),
  };
}

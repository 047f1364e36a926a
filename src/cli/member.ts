/**
 * Assembles one member from its configuration: the storage under the data dir, the raft
 * consensus with its durable log, the peer transport on the peer URLs, the server and the client
 * gRPC listeners. The only place that picks concrete implementations (LevelDB, WAL files, gRPC,
 * the system clock), so that tests can assemble members differently.
 *
 * Boot cases:
 * - first boot of a founding member (`--initial-cluster-state new`, empty data dir): the initial
 *   configuration and members are written before raft starts;
 * - first boot of a joining member (`existing`): the cluster's id and members are asked from the
 *   peers named in --initial-cluster; the state arrives from the leader (usually as a snapshot);
 * - restart: everything comes from the data dir; the cluster flags are not consulted again.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { bootstrapState, type NodeId } from '../raft/index.js';
import { Backend } from '../storage/backend.js';
import { RaftLogStore } from '../storage/raft_log_store.js';
import { SnapshotStore } from '../storage/snapshot_store.js';
import { MvccStore } from '../mvcc/index.js';
import { EtcdServer } from '../server/etcd_server.js';
import { RaftConsensus } from '../server/raft_consensus.js';
import { Membership } from '../server/membership.js';
import { PeerHandler } from '../server/peer_handler.js';
import { decodeBackendDump } from '../server/snapshot_data.js';
import { loadInternalRequestSchema } from '../server/internal_request.js';
import type { ServerConfig } from '../server/config.js';
import { GrpcTransport } from '../peer/transport.js';
import { fetchClusterFromPeers } from '../peer/cluster_info.js';
import { createClientServer } from '../api/grpc_server.js';
import { listenForClients, type ClientListener } from '../api/client_listener.js';
import { hexId, parseHexId } from '../base/ids.js';
import type { Logger } from '../base/logger.js';
import { systemClock } from '../base/clock.js';
import { systemRand } from '../base/rand.js';
import { ETCD_CLUSTER_VERSION } from '../version.js';

/** How long a member that applied its own removal keeps running before it stops. */
const REMOVED_MEMBER_STOP_TICKS = 10;

export class StartupError extends Error {
  override name = 'StartupError';
}

export interface RunningMember {
  server: EtcdServer;
  consensus: RaftConsensus;
  /** Resolves when the member stopped by itself (removed from the cluster). */
  removed: Promise<void>;
  stop(): Promise<void>;
}

/** How long a write may wait for commit and apply: etcd's 5 s plus 2 × election timeout. */
export function requestTimeoutMs(cfg: ServerConfig): number {
  return 5000 + 2 * cfg.electionMs;
}

export async function startMember(cfg: ServerConfig, logger: Logger): Promise<RunningMember> {
  const memberDir = join(cfg.dataDir, 'member');
  await mkdir(memberDir, { recursive: true, mode: 0o700 });
  loadInternalRequestSchema();

  const walDir = cfg.walDir || join(memberDir, 'wal');
  const { store: log, state: logState, fresh } = await RaftLogStore.open(walDir, { logger });
  const snapshots = await SnapshotStore.open(join(memberDir, 'snap'), { logger });
  const backend = await Backend.open(join(memberDir, 'kv'), { logger });
  const membership = await Membership.load(backend);
  let store = await MvccStore.open(backend, { logger });

  let memberId: NodeId;
  let bootstrap: ConstructorParameters<typeof RaftConsensus>[0]['bootstrap'];
  if (fresh) {
    if (cfg.initialClusterState === 'new') {
      memberId = cfg.memberId;
      const voters = cfg.initialCluster.map((m) => m.id);
      bootstrap = bootstrapState(voters);
      // The founding configuration is the state at the bootstrap snapshot's index.
      membership.setClusterId(cfg.clusterId);
      for (const m of cfg.initialCluster) {
        // As etcd: founding members carry their --initial-cluster names from the start.
        membership.add({ id: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: [], isLearner: false });
      }
      store.setConsistentIndex(bootstrap.snapshot.metadata.index, bootstrap.snapshot.metadata.term);
      await backend.commit({ sync: true });
      await writeIdentity(memberDir, { memberId, clusterId: cfg.clusterId });
    } else {
      const peers = cfg.initialCluster.filter((m) => m.name !== cfg.name).flatMap((m) => m.peerUrls);
      const remote = await fetchClusterFromPeers(peers, { timeoutMs: 5000 }).catch((err: unknown) => {
        throw new StartupError(`could not fetch cluster information from peers ${peers.join(',')}: ${(err as Error).message}`);
      });
      const self = remote.members.find((m) => m.peerURLs.some((u) => cfg.initialAdvertisePeerUrls.includes(u)));
      if (!self) {
        throw new StartupError(
          `couldn't find local member with peer URLs ${cfg.initialAdvertisePeerUrls.join(',')} in the existing cluster (add it with "member add" first)`,
        );
      }
      memberId = self.id;
      membership.setClusterId(remote.clusterId);
      for (const m of remote.members) membership.add(m);
      await backend.commit({ sync: true });
      await writeIdentity(memberDir, { memberId, clusterId: remote.clusterId });
    }
  } else {
    const identity = await readIdentity(memberDir);
    if (!identity) throw new StartupError(`data dir ${cfg.dataDir} has a raft log but no member identity; it is not a complete tetcd data dir`);
    memberId = identity.memberId;
    if (cfg.initialClusterState === 'new' && identity.clusterId !== cfg.clusterId) {
      throw new StartupError(
        `data dir ${cfg.dataDir} belongs to cluster ${hexId(identity.clusterId)} (member ${hexId(identity.memberId)}), ` +
          `but --initial-cluster and --initial-cluster-token describe cluster ${hexId(cfg.clusterId)}; ` +
          'start with that cluster\'s flags, or with an empty --data-dir to create a new member',
      );
    }
    // A snapshot received just before a crash may not have reached the backend yet.
    const marker = logState.snapshot;
    if (marker && marker.index > store.consistentIndex().index) {
      logger.info({ index: marker.index }, 'finishing the restore of a received snapshot');
      const loaded = await snapshots.load(marker.index, marker.term);
      await store.close();
      await backend.replaceAll(decodeBackendDump(loaded.readData()));
      store = await MvccStore.open(backend, { logger });
      await membership.reload();
    }
  }

  const self = membership.get(memberId);
  const consensus = new RaftConsensus({
    id: memberId,
    log,
    logState,
    bootstrap,
    tickMs: cfg.heartbeatMs,
    electionTicks: Math.max(2, Math.round(cfg.electionMs / cfg.heartbeatMs)),
    snapshotCount: cfg.snapshotCount,
    snapshotCatchUpEntries: cfg.snapshotCatchUpEntries,
    clock: systemClock,
    rand: systemRand(),
    logger: logger.child({ component: 'raft' }),
  });
  const server = new EtcdServer(
    {
      name: cfg.name,
      memberId,
      peerUrls: self?.peerURLs ?? cfg.initialAdvertisePeerUrls,
      clientUrls: cfg.advertiseClientUrls,
    },
    backend,
    store,
    membership,
    consensus,
    { maxRequestBytes: cfg.maxRequestBytes, requestTimeoutMs: requestTimeoutMs(cfg), electionTimeoutMs: cfg.electionMs },
    logger,
  );
  const handler = new PeerHandler(consensus, membership, backend, snapshots, logger, cfg.maxSnapshots);
  server.snapshotInstaller = (snap) => handler.installSnapshotData(snap);
  const transport = new GrpcTransport({ localId: memberId, clusterId: membership.clusterId, handler, logger });
  consensus.setTransport(transport);
  server.setPeerDirectory(transport);

  let removedResolve!: () => void;
  const removed = new Promise<void>((resolve) => (removedResolve = resolve));
  let removing = false;
  const onRemoved = (): void => {
    if (removing) return;
    removing = true;
    logger.warn({ 'local-member-id': hexId(memberId) }, 'the member has been permanently removed from the cluster; stopping');
    // As etcd (10 ticks): keep answering raft for a moment, so that the others learn the removal
    // is committed (a removed leader hands off first) before this member goes away.
    setTimeout(removedResolve, REMOVED_MEMBER_STOP_TICKS * cfg.heartbeatMs);
  };
  server.onRemoved = onRemoved;
  handler.onRemoved = onRemoved;

  try {
    await transport.listen(cfg.listenPeerUrls);
  } catch (err) {
    throw new StartupError(`listen peer URLs ${cfg.listenPeerUrls.join(',')}: ${(err as Error).message}`);
  }
  logger.info({ 'listen-peer-urls': cfg.listenPeerUrls }, 'serving peer traffic');
  await server.start();
  logger.info(
    {
      'local-member-id': hexId(memberId),
      'cluster-id': hexId(membership.clusterId),
      'consistent-index': server.appliedIndex(),
      revision: store.currentRevision(),
    },
    'started member',
  );

  const clientListeners: ClientListener[] = [];
  for (const url of cfg.listenClientUrls) {
    const grpcServer = createClientServer(
      server,
      { maxRequestBytes: cfg.maxRequestBytes, maxTxnOps: cfg.maxTxnOps, clusterToken: cfg.initialClusterToken },
      logger,
    );
    let listener: ClientListener;
    try {
      listener = await listenForClients(url, grpcServer, logger);
    } catch (err) {
      throw new StartupError(`listen client URL ${url}: ${(err as Error).message}`);
    }
    clientListeners.push(listener);
    logger.info({ address: listener.address }, 'serving insecure client requests, this is strongly discouraged!');
  }

  void server.publish().then(() => {
    logger.info({ 'cluster-version': ETCD_CLUSTER_VERSION }, 'enabled capabilities for version');
    logger.info(
      {
        'local-member-id': hexId(memberId),
        'local-member-attributes': { name: cfg.name, clientURLs: cfg.advertiseClientUrls },
        'cluster-id': hexId(membership.clusterId),
      },
      'published local member to cluster through raft',
    );
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(clientListeners.map((l) => l.close()));
      await server.stop();
      await transport.stop();
      await backend.close();
      await log.close();
    })();
    return stopping;
  };
  return { server, consensus, removed, stop };
}

/**
 * The member's own id and its cluster's, written once at first boot (before the raft log exists)
 * and read at every restart. Not in the backend: a snapshot from the leader replaces the backend.
 */
interface Identity {
  memberId: bigint;
  clusterId: bigint;
}

const IDENTITY_FILE = 'identity.json';

async function writeIdentity(memberDir: string, id: Identity): Promise<void> {
  const path = join(memberDir, IDENTITY_FILE);
  const tmp = `${path}.tmp`;
  const body = JSON.stringify({ memberId: hexId(id.memberId), clusterId: hexId(id.clusterId) }) + '\n';
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(memberDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function readIdentity(memberDir: string): Promise<Identity | undefined> {
  let text: string;
  try {
    text = await readFile(join(memberDir, IDENTITY_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as { memberId: string; clusterId: string };
  return { memberId: parseHexId(parsed.memberId), clusterId: parseHexId(parsed.clusterId) };
}

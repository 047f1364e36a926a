/**
 * The tetcd daemon: etcd's flags → configuration → storage → server → client (and later peer)
 * listeners. Prints etcd's readiness lines ("enabled capabilities for version", "published") so
 * tools that wait for etcd wait for us the same way.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { CommanderError, InvalidArgumentError } from 'commander';
import { parseFlags } from './flags.js';
import { createDaemonLogger } from './log.js';
import { buildConfig, ConfigError, type ServerConfig } from '../server/config.js';
import { Backend } from '../storage/backend.js';
import { MvccStore } from '../mvcc/index.js';
import { EtcdServer } from '../server/etcd_server.js';
import { SoloConsensus } from '../server/consensus.js';
import { loadInternalRequestSchema } from '../server/internal_request.js';
import { bindAddressOf, bindServer, createClientServer } from '../api/grpc_server.js';
import { hexId } from '../base/ids.js';
import type { Logger } from '../base/logger.js';
import { ETCD_CLUSTER_VERSION, ETCD_VERSION, TETCD_VERSION } from '../version.js';

/** How long a write may wait for commit and apply: etcd's 5 s plus 2 × election timeout. */
function requestTimeoutMs(cfg: ServerConfig): number {
  return 5000 + 2 * cfg.electionMs;
}

async function run(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseFlags(argv, process.env, TETCD_VERSION);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    if (err instanceof InvalidArgumentError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let logger: Logger;
  try {
    logger = createDaemonLogger(parsed.values['log-level']!);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(2);
  }
  for (const k of parsed.unknownEnv) logger.warn({ 'environment-variable': k }, 'unrecognized environment variable');
  for (const f of parsed.ignored) logger.warn({ flag: `--${f}` }, 'flag accepted for etcd compatibility but not supported by tetcd; ignoring it');

  let cfg: ServerConfig;
  try {
    cfg = buildConfig(parsed.values);
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error({ error: err.message }, 'failed to start tetcd: invalid configuration');
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  logger.info(
    {
      'tetcd-version': TETCD_VERSION,
      'etcd-api-version': ETCD_VERSION,
      'node-version': process.version,
      name: cfg.name,
      'data-dir': cfg.dataDir,
      'member-id': hexId(cfg.memberId),
      'cluster-id': hexId(cfg.clusterId),
    },
    'starting tetcd',
  );

  const memberDir = join(cfg.dataDir, 'member');
  await mkdir(memberDir, { recursive: true, mode: 0o700 });
  loadInternalRequestSchema();
  const backend = await Backend.open(join(memberDir, 'kv'), { logger });
  const store = await MvccStore.open(backend, { logger });
  const consensus = new SoloConsensus(cfg.memberId);
  const server = new EtcdServer(
    {
      name: cfg.name,
      memberId: cfg.memberId,
      clusterId: cfg.clusterId,
      peerUrls: cfg.initialAdvertisePeerUrls,
      clientUrls: cfg.advertiseClientUrls,
    },
    backend,
    store,
    consensus,
    { maxRequestBytes: cfg.maxRequestBytes, requestTimeoutMs: requestTimeoutMs(cfg) },
    logger,
  );
  await server.start();
  logger.info(
    { 'consistent-index': server.appliedIndex(), revision: store.currentRevision() },
    'restored the key-value store',
  );

  const grpcServers: grpc.Server[] = [];
  for (const url of cfg.listenClientUrls) {
    const grpcServer = createClientServer(server, { maxRequestBytes: cfg.maxRequestBytes, maxTxnOps: cfg.maxTxnOps }, logger);
    const address = bindAddressOf(url);
    try {
      await bindServer(grpcServer, address);
    } catch (err) {
      logger.error({ address, error: (err as Error).message }, 'failed to listen on client URL');
      process.stderr.write(`error: listen ${address}: ${(err as Error).message}\n`);
      process.exit(1);
    }
    grpcServers.push(grpcServer);
    logger.info({ address }, 'serving insecure client requests, this is strongly discouraged!');
  }

  logger.info({ 'cluster-version': ETCD_CLUSTER_VERSION }, 'enabled capabilities for version');
  logger.info(
    {
      'local-member-id': hexId(cfg.memberId),
      'local-member-attributes': { name: cfg.name, clientURLs: cfg.advertiseClientUrls },
      'cluster-id': hexId(cfg.clusterId),
    },
    'published local member to cluster through raft',
  );
  logger.info({}, 'ready to serve client requests');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'received signal; shutting down');
    await Promise.all(
      grpcServers.map(
        (s) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => {
              s.forceShutdown();
              resolve();
            }, 2000);
            s.tryShutdown(() => {
              clearTimeout(force);
              resolve();
            });
          }),
      ),
    );
    await server.stop();
    await backend.close();
    logger.info({}, 'stopped tetcd');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

run(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

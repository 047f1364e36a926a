/**
 * The tetcd daemon: etcd's flags → configuration → storage → server → client (and later peer)
 * listeners. Prints etcd's readiness lines ("enabled capabilities for version", "published") so
 * tools that wait for etcd wait for us the same way.
 */
import { CommanderError, InvalidArgumentError } from 'commander';
import { parseFlags } from './flags.js';
import { createDaemonLogger } from './log.js';
import { buildConfig, ConfigError, type ServerConfig } from '../server/config.js';
import { startMember, StartupError, type RunningMember } from './member.js';
import { hexId } from '../base/ids.js';
import type { Logger } from '../base/logger.js';
import { ETCD_VERSION, TETCD_VERSION } from '../version.js';

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

  let member: RunningMember;
  try {
    member = await startMember(cfg, logger);
  } catch (err) {
    if (err instanceof StartupError) {
      logger.error({ error: err.message }, 'failed to start tetcd');
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  let stopping = false;
  const shutdown = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    await member.stop();
    logger.info({}, 'stopped tetcd');
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  void member.removed.then(() => shutdown('removed from the cluster', 0));
}

run(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

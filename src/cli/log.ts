/**
 * Daemon logging: pino writing JSON lines to stderr in the shape of etcd's zap logs
 * ({"level":"info","ts":"…","msg":"…",…}), so tools that read etcd's output read ours; when stderr
 * is a terminal the same records are pretty-printed for people.
 */
import pino from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../base/logger.js';

const LEVELS = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'] as const;

export function createDaemonLogger(level: string): Logger {
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new Error(`unknown log level "${level}" (want one of ${LEVELS.join(', ')})`);
  }
  const pinoLevel = level === 'panic' ? 'fatal' : level;
  const options: pino.LoggerOptions = {
    level: pinoLevel,
    base: null,
    messageKey: 'msg',
    timestamp: () => `,"ts":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
  const stream = process.stderr.isTTY
    ? pretty({ destination: 2, sync: true, messageKey: 'msg', timestampKey: 'ts', translateTime: 'SYS:standard' })
    : pino.destination({ dest: 2, sync: true });
  return pino(options, stream) as unknown as Logger;
}

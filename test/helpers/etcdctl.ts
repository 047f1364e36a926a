/**
 * Runs an etcdctl-compatible command line tool against an endpoint, as a user would from a shell:
 * the real etcdctl (v3 API) or our bin/tetcdctl, with the same arguments and environment.
 */
import { join } from 'node:path';
import { cleanEnv, runCommand, type CommandResult } from './proc.js';
import { PROJECT_ROOT } from './paths.js';

export const TETCDCTL_BIN = join(PROJECT_ROOT, 'bin', 'tetcdctl');

export interface CtlOptions {
  /** host:port or URL list, passed as --endpoints. */
  endpoints?: string;
  stdin?: string | Buffer;
  /** Extra environment on top of a clean one (ETCDCTL_* of the caller never leaks in). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs `command` (a path or a name on PATH) with etcdctl's conventions; never throws on failure. */
export function runCtl(command: string, args: readonly string[], options: CtlOptions = {}): Promise<CommandResult> {
  const endpointArgs = options.endpoints ? [`--endpoints=${options.endpoints}`] : [];
  return runCommand(command, [...endpointArgs, ...args], {
    stdin: options.stdin,
    env: { ...cleanEnv(), ETCDCTL_API: '3', ...options.env },
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}

export function etcdctl(args: readonly string[], options: CtlOptions = {}): Promise<CommandResult> {
  return runCtl('etcdctl', args, options);
}

export function tetcdctl(args: readonly string[], options: CtlOptions = {}): Promise<CommandResult> {
  return runCtl(TETCDCTL_BIN, args, options);
}

/** Like etcdctl() but throws, with everything etcdctl said, unless it exits 0. Returns stdout. */
export async function etcdctlOk(args: readonly string[], options: CtlOptions = {}): Promise<string> {
  const result = await etcdctl(args, options);
  if (result.code !== 0) {
    throw new Error(
      `etcdctl ${args.join(' ')} exited ${result.code ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result.stdout;
}

/**
 * Parses etcdctl's `-w json` output. etcdctl prints uint64 ids as bare JSON numbers, which
 * JSON.parse would round; integers of 16 digits or more become decimal strings instead.
 */
export function parseEtcdctlJson<T = unknown>(text: string): T {
  return JSON.parse(text.replace(/([:\[,]\s*)(\d{16,})(?=\s*[,}\]])/g, '$1"$2"')) as T;
}

/** Runs the real etcdctl (v3 API) against an endpoint, as a user would from a shell. */
import { cleanEnv, runCommand, type CommandResult } from './proc.js';

export interface CtlOptions {
  /** host:port or URL list, passed as --endpoints. */
  endpoints?: string;
  stdin?: string | Buffer;
  /** Extra environment on top of a clean one (ETCDCTL_* of the caller never leaks in). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function etcdctl(args: readonly string[], options: CtlOptions = {}): Promise<CommandResult> {
  const endpointArgs = options.endpoints ? [`--endpoints=${options.endpoints}`] : [];
  return runCommand('etcdctl', [...endpointArgs, ...args], {
    stdin: options.stdin,
    env: { ...cleanEnv(), ETCDCTL_API: '3', ...options.env },
    timeoutMs: options.timeoutMs ?? 30_000,
  });
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

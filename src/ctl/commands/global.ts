/**
 * What every networked command does with etcdctl's global flags (syntax.ts) before its request
 * (etcdctl's clientConfigFromCmd): ETCDCTL_* environment variables fill unset global flags (and a
 * variable shadowed by a flag is fatal), `--debug` dumps them, the output format is checked, and
 * a client over `--endpoints` is made.
 */
import type { FlagSet } from '../cli/flags.js';
import type { Invocation } from '../cli/command.js';
import { CtlClient, RpcError, type RetryPolicy } from '../client.js';
import type { UnaryMethod } from '../methods.js';
import { capnslogTimestamp, durationToMs } from '../gocompat/time.js';
import { CtlExit, ExitCode, exitWithError, type CtlIO } from '../io.js';
import type { Printer } from '../printer/printer.js';
import { newPrinter } from '../printer/select.js';

function envName(flag: string): string {
  return 'ETCDCTL_' + flag.replace(/-/g, '_').toUpperCase();
}

/**
 * pkg/flags.SetPflagsFromEnv over the inherited flags: a non-empty ETCDCTL_<FLAG> sets a flag not
 * given on the command line (a bad value is silently ignored, as etcdctl ignores it); a variable
 * for a flag that was given is fatal; other ETCDCTL_* variables get a warning.
 */
export function applyEnvironment(inv: Invocation): void {
  const { flags, io } = inv;
  const alreadySet = new Set<string>();
  const used = new Set<string>();
  for (const name of [...inv.inheritedFlagNames].sort()) {
    const key = envName(name);
    if (flags.changed(name)) {
      alreadySet.add(key);
      continue;
    }
    const value = io.env[key];
    if (value === undefined || value === '') continue;
    used.add(key);
    try {
      flags.set(name, value);
    } catch {
      // etcdctl drops SetPflagsFromEnv's error and goes on with the default.
    }
  }
  for (const [key, value] of Object.entries(io.env)) {
    if (value === undefined || used.has(key)) continue;
    const stamp = capnslogTimestamp(io.now());
    if (alreadySet.has(key)) {
      io.stderr.write(
        `${stamp} C | pkg/flags: conflicting environment variable "${key}" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)\n`,
      );
      throw new CtlExit(ExitCode.Error);
    }
    if (key.startsWith('ETCDCTL_')) io.stderr.write(`${stamp} W | pkg/flags: unrecognized environment variable ${key}=${value}\n`);
  }
}

/** initDisplayFromCmd: the printer for -w, or exit 4 for an unknown format. */
export function printerFor(flags: FlagSet, io: CtlIO): Printer {
  return (
    newPrinter(flags.string('write-out'), flags.bool('hex'), io) ??
    exitWithError(io, ExitCode.BadFeature, 'unsupported output format')
  );
}

/** Everything a command needs to talk to etcd, resolved from flags and environment. */
export interface ClientSettings {
  endpoints: string[];
  dialTimeoutMs: number;
  commandTimeoutMs: number;
  keepAliveTimeMs: number;
  keepAliveTimeoutMs: number;
  auth?: { user: string; password: string };
  printer: Printer;
}

/** The parts of clientConfigFromCmd after the environment: TLS, discovery and auth checks. */
export function settingsFromFlags(inv: Invocation, endpoints: string[]): ClientSettings {
  const { flags, io } = inv;
  for (const name of ['cert', 'key', 'cacert']) {
    if (flags.changed(name) && flags.string(name) === '') {
      exitWithError(io, ExitCode.BadArgs, `empty string is passed to --${name} option`);
    }
  }
  const wantsTls =
    ['cert', 'key', 'cacert'].some((n) => flags.string(n) !== '') ||
    !flags.bool('insecure-transport') ||
    endpoints.some((ep) => /^(https|unixs):\/\//.test(ep));
  if (wantsTls) exitWithError(io, ExitCode.BadArgs, 'tetcdctl does not support TLS connections yet');
  if (flags.string('discovery-srv') !== '' && !flags.bool('insecure-discovery')) {
    exitWithError(io, ExitCode.BadArgs, 'tetcdctl does not support DNS discovery yet');
  }
  let auth: ClientSettings['auth'];
  const user = flags.string('user');
  if (user !== '') {
    const password = flags.string('password');
    if (password !== '') {
      auth = { user, password };
    } else {
      const colon = user.indexOf(':');
      if (colon < 0) exitWithError(io, ExitCode.Error, 'tetcdctl cannot prompt for a password: use --user=<name>:<password> or --password');
      auth = { user: user.slice(0, colon), password: user.slice(colon + 1) };
    }
  }
  return {
    endpoints,
    dialTimeoutMs: durationToMs(flags.duration('dial-timeout')),
    commandTimeoutMs: durationToMs(flags.duration('command-timeout')),
    keepAliveTimeMs: durationToMs(flags.duration('keepalive-time')),
    keepAliveTimeoutMs: durationToMs(flags.duration('keepalive-timeout')),
    auth,
    printer: printerFor(flags, io),
  };
}

/** clientConfigFromCmd. */
export function clientSettings(inv: Invocation): ClientSettings {
  const { flags, io } = inv;
  applyEnvironment(inv);
  if (flags.bool('debug')) {
    for (const name of [...inv.inheritedFlagNames].sort()) io.stderr.write(`${envName(name)}=${flags.text(name)}\n`);
  }
  return settingsFromFlags(
    inv,
    flags.strings('endpoints').map((ep) => ep.trim()),
  );
}

export function newClient(settings: ClientSettings, io: CtlIO, endpoints = settings.endpoints, mode: 'balanced' | 'direct' = 'balanced'): CtlClient {
  return new CtlClient({
    endpoints,
    keepAliveTimeMs: settings.keepAliveTimeMs,
    keepAliveTimeoutMs: settings.keepAliveTimeoutMs,
    mode,
    auth: settings.auth,
    log: io.stderr,
    now: () => io.now(),
  });
}

/** A deadline `command-timeout` from now (etcdctl's commandCtx). */
export function commandDeadline(settings: ClientSettings): number {
  return Date.now() + settings.commandTimeoutMs;
}

/**
 * One RPC as etcdctl makes it: logs in first when --user is given (clientv3.New fails with exit 2
 * then), and turns a failure into "Error: <text>" with exit 1.
 */
export async function rpc<Req, Res>(
  io: CtlIO,
  client: CtlClient,
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadline: number | undefined,
  retry: RetryPolicy,
): Promise<Res> {
  try {
    await client.authenticate(deadline);
  } catch (err) {
    if (err instanceof RpcError) exitWithError(io, ExitCode.BadConnection, err.etcdctlText);
    throw err;
  }
  try {
    return await client.call(method, request, { deadline, retry });
  } catch (err) {
    if (err instanceof RpcError) exitWithError(io, ExitCode.Error, err.etcdctlText);
    throw err;
  }
}

/** Closes clients when a command is done, however it ends. */
export async function withClient<T>(client: CtlClient, body: (client: CtlClient) => Promise<T>): Promise<T> {
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

/**
 * One read-only RPC on a connection to `endpoint` alone, as clientv3's Maintenance.Status and
 * HashKV(endpoint) make it; rejects with RpcError.
 */
export async function directCall<Req, Res>(
  io: CtlIO,
  settings: ClientSettings,
  endpoint: string,
  method: UnaryMethod<Req, Res>,
  request: Req,
): Promise<Res> {
  const client = newClient(settings, io, [endpoint], 'direct');
  try {
    const deadline = commandDeadline(settings);
    await client.authenticate(deadline);
    return await client.call(method, request, { deadline, retry: 'repeatable' });
  } finally {
    client.close();
  }
}

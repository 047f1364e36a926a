/** `endpoint health|status|hashkv` (with `--cluster`), as etcdctl runs and prints them. */
import type { Invocation } from '../cli/command.js';
import { RpcError } from '../client.js';
import { etcdMethod } from '../methods.js';
import { etcdErrorMessage } from '../../base/errors.js';
import { formatDuration } from '../gocompat/time.js';
import { CtlExit, ExitCode, exitWithError } from '../io.js';
import type { EndpointHashKV, EndpointHealth, EndpointStatus } from '../printer/printer.js';
import {
  applyEnvironment,
  clientSettings,
  commandDeadline,
  directCall,
  newClient,
  settingsFromFlags,
  type ClientSettings,
} from './global.js';

/**
 * The endpoints to visit: `--endpoints` as given, or with `--cluster` every client URL in the
 * member list.
 */
async function endpointsFromCluster(inv: Invocation, settings: ClientSettings): Promise<string[]> {
  if (!inv.flags.bool('cluster')) return inv.flags.strings('endpoints');
  const eps = inv.flags.strings('endpoints').map((ep) => ep.trim());
  // etcdctl asks for the member list without logging in.
  const client = newClient({ ...settings, auth: undefined }, inv.io, eps);
  try {
    const members = await client.call(etcdMethod('Cluster', 'MemberList'), {}, { deadline: commandDeadline(settings), retry: 'repeatable' });
    return members.members.flatMap((m) => m.clientURLs);
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    return exitWithError(inv.io, ExitCode.Error, `failed to fetch endpoints from etcd cluster member list: ${err.etcdctlText}`);
  } finally {
    client.close();
  }
}

async function probeHealth(inv: Invocation, settings: ClientSettings, endpoint: string): Promise<EndpointHealth> {
  const client = newClient(settings, inv.io, [endpoint]);
  try {
    try {
      await client.authenticate(commandDeadline(settings));
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      return { endpoint, health: false, took: '', error: err.etcdctlText };
    }
    await client.connect(Date.now() + settings.dialTimeoutMs);
    const request = { key: Buffer.from('health') };
    client.warm(etcdMethod('KV', 'Range'), request);
    const started = process.hrtime.bigint();
    const deadline = commandDeadline(settings);
    let error = '';
    try {
      await client.call(etcdMethod('KV', 'Range'), request, { deadline, retry: 'repeatable' });
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      // Permission denied still went through consensus: the member is healthy.
      if (err.etcdctlText !== etcdErrorMessage('PermissionDenied')) error = err.etcdctlText;
    }
    const took = formatDuration(process.hrtime.bigint() - started);
    return { endpoint, health: error === '', took, error };
  } finally {
    client.close();
  }
}

export async function endpointHealth(inv: Invocation): Promise<void> {
  applyEnvironment(inv);
  const settings = settingsFromFlags(inv, inv.flags.strings('endpoints').map((ep) => ep.trim()));
  const endpoints = await endpointsFromCluster(inv, settings);
  // Results are listed in the order the probes finish, as etcdctl collects them from a channel.
  const results: EndpointHealth[] = [];
  await Promise.all(endpoints.map((ep) => probeHealth(inv, settings, ep).then((h) => results.push(h))));
  settings.printer.endpointHealth(results);
  if (results.some((h) => h.error !== '')) exitWithError(inv.io, ExitCode.Error, 'unhealthy cluster');
}

/** Asks each endpoint directly (clientv3's Maintenance.Status/HashKV(endpoint) dial it alone). */
async function perEndpoint<T>(
  inv: Invocation,
  settings: ClientSettings,
  failure: string,
  ask: (endpoint: string) => Promise<T>,
): Promise<{ results: T[]; lastError: RpcError | undefined }> {
  const results: T[] = [];
  let lastError: RpcError | undefined;
  for (const endpoint of await endpointsFromCluster(inv, settings)) {
    try {
      results.push(await ask(endpoint));
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      lastError = err;
      inv.io.stderr.write(`Failed to get the ${failure} of endpoint ${endpoint} (${err.etcdctlText})\n`);
    }
  }
  return { results, lastError };
}

export async function endpointStatus(inv: Invocation): Promise<void> {
  const settings = clientSettings(inv);
  const { results, lastError } = await perEndpoint<EndpointStatus>(inv, settings, 'status', async (endpoint) => ({
    endpoint,
    status: await directCall(inv.io, settings, endpoint, etcdMethod('Maintenance', 'Status'), {}),
  }));
  settings.printer.endpointStatus(results);
  if (lastError) throw new CtlExit(ExitCode.Error);
}

export async function endpointHashKV(inv: Invocation): Promise<void> {
  const settings = clientSettings(inv);
  const revision = inv.flags.int64('rev').toString();
  const { results, lastError } = await perEndpoint<EndpointHashKV>(inv, settings, 'hash', async (endpoint) => ({
    endpoint,
    hashKV: await directCall(inv.io, settings, endpoint, etcdMethod('Maintenance', 'HashKV'), { revision }),
  }));
  settings.printer.endpointHashKV(results);
  if (lastError) exitWithError(inv.io, ExitCode.Error, lastError.etcdctlText);
}

/** `member add|remove|update|list|promote`, as etcdctl checks, sends and prints them. */
import type { Invocation } from '../cli/command.js';
import { etcdMethod, type UnaryMethod } from '../methods.js';
import { parseUint, quote } from '../gocompat/strconv.js';
import { ExitCode, exitWithError, type CtlIO } from '../io.js';
import { SimplePrinter } from '../printer/simple.js';
import type { Printer } from '../printer/printer.js';
import { clientSettings, commandDeadline, newClient, rpc, withClient } from './global.js';

/** pkg/types.NewURLs, which clientv3 runs on peer URLs before sending them. */
function peerUrlsError(urls: readonly string[]): string | undefined {
  if (urls.length === 0) return 'no valid URLs given';
  for (const raw of urls) {
    const url = raw.trim();
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/.exec(url);
    const scheme = m?.[1] ?? '';
    if (!['http', 'https', 'unix', 'unixs'].includes(scheme)) return `URL scheme must be http, https, unix, or unixs: ${url}`;
    const rest = m![2]!;
    const authority = rest.startsWith('//') ? /^\/\/([^/?#]*)/.exec(rest)![1]! : '';
    const path = (rest.startsWith('//') ? rest.slice(2 + authority.length) : rest).replace(/[?#].*$/, '');
    const host = authority.replace(/^.*@/, '');
    const hostPort = /^(\[[^\]]*\]|[^:]*):([^:]*)$/.test(host);
    if (!hostPort) return `URL address does not have the form "host:port": ${url}`;
    if (path !== '') return `URL must not contain a path: ${url}`;
  }
  return undefined;
}

function memberId(io: CtlIO, args: readonly string[]): bigint {
  if (args.length !== 1) exitWithError(io, ExitCode.BadArgs, 'member ID is not provided');
  try {
    return parseUint(args[0]!, 16);
  } catch (err) {
    return exitWithError(io, ExitCode.BadArgs, `bad member ID arg (${(err as Error).message}), expecting ID in Hex`);
  }
}

function peerUrls(inv: Invocation): string[] {
  const text = inv.flags.string('peer-urls');
  if (text.length === 0) exitWithError(inv.io, ExitCode.BadArgs, 'member peer urls not provided');
  return text.split(',');
}

function checkPeerUrls(io: CtlIO, urls: readonly string[]): void {
  const error = peerUrlsError(urls);
  if (error !== undefined) exitWithError(io, ExitCode.Error, error);
}

export async function memberAdd(inv: Invocation): Promise<void> {
  const { io, args } = inv;
  if (args.length < 1) exitWithError(io, ExitCode.BadArgs, 'member name not provided');
  if (args.length > 1) {
    let message = 'too many arguments';
    for (const a of args) if (a.toLowerCase().startsWith('http')) message += `, did you mean --peer-urls=${a}`;
    exitWithError(io, ExitCode.BadArgs, message);
  }
  const name = args[0]!;
  const urls = peerUrls(inv);
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, io), async (client) => {
    checkPeerUrls(io, urls);
    const request = { peerURLs: urls, isLearner: inv.flags.bool('learner') };
    const response = await rpc(io, client, etcdMethod('Cluster', 'MemberAdd'), request, deadline, 'nonRepeatable');
    const newId = response.member?.ID;
    settings.printer.memberAdd(response);
    if (!(settings.printer instanceof SimplePrinter)) return;
    const initialCluster: string[] = [];
    for (const m of response.members) {
      for (const u of m.peerURLs) initialCluster.push(`${m.ID === newId ? name : m.name}=${u}`);
    }
    io.stdout.write('\n');
    io.stdout.write(`ETCD_NAME=${quote(name)}\n`);
    io.stdout.write(`ETCD_INITIAL_CLUSTER=${quote(initialCluster.join(','))}\n`);
    io.stdout.write(`ETCD_INITIAL_ADVERTISE_PEER_URLS=${quote(inv.flags.string('peer-urls'))}\n`);
    io.stdout.write('ETCD_INITIAL_CLUSTER_STATE="existing"\n');
  });
}

/** A member command whose only argument is the member ID (remove, promote). */
async function byMemberId<Res>(
  inv: Invocation,
  method: UnaryMethod<{ ID: string }, Res>,
  print: (printer: Printer, id: bigint, response: Res) => void,
): Promise<void> {
  const id = memberId(inv.io, inv.args);
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    print(settings.printer, id, await rpc(inv.io, client, method, { ID: id.toString() }, deadline, 'nonRepeatable'));
  });
}

export function memberRemove(inv: Invocation): Promise<void> {
  return byMemberId(inv, etcdMethod('Cluster', 'MemberRemove'), (p, id, r) => p.memberRemove(id, r));
}

export function memberPromote(inv: Invocation): Promise<void> {
  return byMemberId(inv, etcdMethod('Cluster', 'MemberPromote'), (p, id, r) => p.memberPromote(id, r));
}

export async function memberUpdate(inv: Invocation): Promise<void> {
  const id = memberId(inv.io, inv.args);
  const urls = peerUrls(inv);
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    checkPeerUrls(inv.io, urls);
    const request = { ID: id.toString(), peerURLs: urls };
    const response = await rpc(inv.io, client, etcdMethod('Cluster', 'MemberUpdate'), request, deadline, 'nonRepeatable');
    settings.printer.memberUpdate(id, response);
  });
}

export async function memberList(inv: Invocation): Promise<void> {
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    settings.printer.memberList(await rpc(inv.io, client, etcdMethod('Cluster', 'MemberList'), {}, deadline, 'repeatable'));
  });
}

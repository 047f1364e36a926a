/** `move-leader`, `alarm list|disarm` and `version`. */
import type { CommandSpec, Invocation } from '../cli/command.js';
import { API_VERSION, ETCDCTL_VERSION } from '../cli/usage.js';
import { RpcError } from '../client.js';
import type { AlarmMember__Output } from '../../gen/etcdserverpb/AlarmMember.js';
import { loadEtcdProtos } from '../../etcdpb/load.js';
import { parseUint } from '../gocompat/strconv.js';
import { ExitCode, exitWithError } from '../io.js';
import { clientSettings, commandDeadline, directCall, newClient, rpc, withClient } from './global.js';

const maintenance = () => loadEtcdProtos().etcdserverpb.Maintenance.service;

async function moveLeader(inv: Invocation): Promise<void> {
  const { io, args } = inv;
  if (args.length !== 1) exitWithError(io, ExitCode.BadArgs, 'move-leader command needs 1 argument');
  let target: bigint;
  try {
    target = parseUint(args[0]!, 16);
  } catch (err) {
    exitWithError(io, ExitCode.BadArgs, (err as Error).message);
  }
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  let leader: { endpoint: string; id: bigint } | undefined;
  for (const endpoint of settings.endpoints) {
    let status;
    try {
      status = await directCall(io, { ...settings, commandTimeoutMs: Math.max(0, deadline - Date.now()) }, endpoint, maintenance().Status, {});
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      exitWithError(io, ExitCode.Error, err.etcdctlText);
    }
    if (status.header?.member_id === status.leader) {
      leader = { endpoint, id: BigInt(status.leader) };
      break;
    }
  }
  if (!leader) exitWithError(io, ExitCode.BadArgs, `no leader endpoint given at [${settings.endpoints.join(' ')}]`);
  const found = leader;
  await withClient(newClient(settings, io, [found.endpoint]), async (client) => {
    const response = await rpc(io, client, maintenance().MoveLeader, { targetID: target.toString() }, deadline, 'repeatable');
    settings.printer.moveLeader(found.id, target, response);
  });
}

async function alarmList(inv: Invocation): Promise<void> {
  if (inv.args.length !== 0) exitWithError(inv.io, ExitCode.BadArgs, 'alarm list command accepts no arguments');
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    const request = { action: 'GET' as const, memberID: '0', alarm: 'NONE' as const };
    settings.printer.alarm(await rpc(inv.io, client, maintenance().Alarm, request, deadline, 'repeatable'));
  });
}

/** clientv3's AlarmDisarm with no member: deactivates every listed alarm, one request each. */
async function alarmDisarm(inv: Invocation): Promise<void> {
  if (inv.args.length !== 0) exitWithError(inv.io, ExitCode.BadArgs, 'alarm disarm command accepts no arguments');
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    const listed = await rpc(inv.io, client, maintenance().Alarm, { action: 'GET', memberID: '0', alarm: 'NONE' }, deadline, 'repeatable');
    const disarmed: AlarmMember__Output[] = [];
    for (const a of listed.alarms) {
      const request = { action: 'DEACTIVATE' as const, memberID: a.memberID, alarm: a.alarm };
      disarmed.push(...(await rpc(inv.io, client, maintenance().Alarm, request, deadline, 'repeatable')).alarms);
    }
    settings.printer.alarm({ header: null, alarms: disarmed });
  });
}

export const MOVE_LEADER_COMMAND: CommandSpec = {
  use: 'move-leader <transferee-member-id>',
  short: 'Make another member the raft leader',
  run: moveLeader,
};

export const ALARM_COMMAND: CommandSpec = {
  use: 'alarm <subcommand>',
  short: 'List or clear the alarms of the cluster',
  children: [
    { use: 'disarm', short: 'Clear every raised alarm', run: alarmDisarm },
    { use: 'list', short: 'Show the raised alarms', run: alarmList },
  ],
};

export const VERSION_COMMAND: CommandSpec = {
  use: 'version',
  short: 'Show the client version and its API version',
  run: async ({ io }) => {
    io.stdout.write(`etcdctl version: ${ETCDCTL_VERSION}\nAPI version: ${API_VERSION}\n`);
  },
};

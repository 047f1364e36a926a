/** `move-leader` and `alarm list|disarm`. */
import type { Invocation } from '../cli/command.js';
import { RpcError } from '../client.js';
import type { AlarmMember__Output } from '../../gen/etcdserverpb/AlarmMember.js';
import { etcdMethod } from '../methods.js';
import { parseUint } from '../gocompat/strconv.js';
import { ExitCode, exitWithError } from '../io.js';
import { clientSettings, commandDeadline, directCall, newClient, rpc, withClient } from './global.js';

export async function moveLeader(inv: Invocation): Promise<void> {
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
      status = await directCall(io, { ...settings, commandTimeoutMs: Math.max(0, deadline - Date.now()) }, endpoint, etcdMethod('Maintenance', 'Status'), {});
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
    const response = await rpc(io, client, etcdMethod('Maintenance', 'MoveLeader'), { targetID: target.toString() }, deadline, 'repeatable');
    settings.printer.moveLeader(found.id, target, response);
  });
}

export async function alarmList(inv: Invocation): Promise<void> {
  if (inv.args.length !== 0) exitWithError(inv.io, ExitCode.BadArgs, 'alarm list command accepts no arguments');
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    const request = { action: 'GET' as const, memberID: '0', alarm: 'NONE' as const };
    settings.printer.alarm(await rpc(inv.io, client, etcdMethod('Maintenance', 'Alarm'), request, deadline, 'repeatable'));
  });
}

/** clientv3's AlarmDisarm with no member: deactivates every listed alarm, one request each. */
export async function alarmDisarm(inv: Invocation): Promise<void> {
  if (inv.args.length !== 0) exitWithError(inv.io, ExitCode.BadArgs, 'alarm disarm command accepts no arguments');
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    const listed = await rpc(inv.io, client, etcdMethod('Maintenance', 'Alarm'), { action: 'GET', memberID: '0', alarm: 'NONE' }, deadline, 'repeatable');
    const disarmed: AlarmMember__Output[] = [];
    for (const a of listed.alarms) {
      const request = { action: 'DEACTIVATE' as const, memberID: a.memberID, alarm: a.alarm };
      disarmed.push(...(await rpc(inv.io, client, etcdMethod('Maintenance', 'Alarm'), request, deadline, 'repeatable')).alarms);
    }
    settings.printer.alarm({ header: null, alarms: disarmed });
  });
}

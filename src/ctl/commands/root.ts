/**
 * The command tree of tetcdctl, in etcdctl's order (which its "did you mean" suggestions follow).
 * etcdctl commands tetcdctl does not have yet stay in the tree, hidden, so that abbreviations and
 * suggestions resolve exactly as with etcdctl; running one says it is not implemented.
 */
import { Command, HELP_COMMAND, type CommandSpec } from '../cli/command.js';
import { ExitCode, exitWithError } from '../io.js';
import { ENDPOINT_COMMAND } from './endpoint.js';
import { GLOBAL_FLAGS } from './global.js';
import { COMPACTION_COMMAND, KV_COMMANDS } from './kv.js';
import { ALARM_COMMAND, MOVE_LEADER_COMMAND, VERSION_COMMAND } from './maintenance.js';
import { MEMBER_COMMAND } from './member.js';
import { TXN_COMMAND } from './txn.js';

function notImplemented(name: string): CommandSpec {
  return {
    use: name,
    short: '',
    hidden: true,
    run: async ({ io }) => exitWithError(io, ExitCode.Error, `tetcdctl does not implement "${name}" yet; use etcdctl`),
  };
}

export function rootCommand(): Command {
  const [get, put, del] = KV_COMMANDS;
  return new Command(
    {
      use: 'etcdctl',
      short: 'Command line client for the etcd v3 API',
      persistentFlags: GLOBAL_FLAGS,
      children: [
        get!,
        put!,
        del!,
        TXN_COMMAND,
        COMPACTION_COMMAND,
        ALARM_COMMAND,
        notImplemented('defrag'),
        ENDPOINT_COMMAND,
        MOVE_LEADER_COMMAND,
        notImplemented('watch'),
        VERSION_COMMAND,
        notImplemented('lease'),
        MEMBER_COMMAND,
        notImplemented('snapshot'),
        notImplemented('make-mirror'),
        notImplemented('migrate'),
        notImplemented('lock'),
        notImplemented('elect'),
        notImplemented('auth'),
        notImplemented('user'),
        notImplemented('role'),
        notImplemented('check'),
        HELP_COMMAND,
        notImplemented('completion'),
      ],
    },
    undefined,
  );
}

/**
 * The command tree of tetcdctl, in etcdctl's order (which its "did you mean" suggestions follow):
 * names, usage lines, flags and help text. etcdctl commands tetcdctl does not have yet stay in
 * the tree, hidden, so that abbreviations and suggestions resolve exactly as with etcdctl;
 * running one says it is not implemented.
 *
 * What a command does lives in the module its run loads when the command runs (runFrom), so
 * that help, version and argument errors start without loading the client, the printers, gRPC
 * and protobuf.
 */
import { Command, HELP_COMMAND, runFrom, type CommandSpec } from '../cli/command.js';
import { boolFlag, int64Flag, stringFlag, type FlagDef } from '../cli/flags.js';
import { API_VERSION, ETCDCTL_VERSION } from '../cli/usage.js';
import { ExitCode, exitWithError } from '../io.js';
import { DEL_FLAGS, DEL_USE, GET_FLAGS, GET_USE, GLOBAL_FLAGS, PUT_FLAGS, PUT_USE } from './syntax.js';

const kv = () => import('./kv.js');
const txn = () => import('./txn.js');
const maintenance = () => import('./maintenance.js');
const endpoint = () => import('./endpoint.js');
const member = () => import('./member.js');

const GET_COMMAND: CommandSpec = {
  use: GET_USE,
  short: 'Read a key or a range of keys',
  flags: GET_FLAGS,
  run: runFrom(kv, (m) => m.getCommand),
};

const PUT_COMMAND: CommandSpec = {
  use: PUT_USE,
  short: 'Write a value under a key',
  long: `
Stores <value> under <key>, replacing any value the key had.

A <value> that starts with '-' is taken for a flag; '--' ends the flags:

$ put <key> -- <value>
$ put -- <key> <value>

Without a <value> argument (and without --ignore-value), the value is
everything read from standard input:

$ cat file | put <key>
`,
  flags: PUT_FLAGS,
  run: runFrom(kv, (m) => m.putCommand),
};

const DEL_COMMAND: CommandSpec = {
  use: DEL_USE,
  short: 'Delete a key or the keys in [key, range_end)',
  flags: DEL_FLAGS,
  run: runFrom(kv, (m) => m.delCommand),
};

const TXN_COMMAND: CommandSpec = {
  use: 'txn [options]',
  short: 'Run a transaction read from standard input',
  flags: [boolFlag('interactive', 'prompt for the compares, the success requests and the failure requests', false, 'i')],
  run: runFrom(txn, (m) => m.txnCommand),
};

const COMPACTION_COMMAND: CommandSpec = {
  use: 'compaction [options] <revision>',
  short: 'Drop the key history older than a revision',
  flags: [boolFlag('physical', 'return only once the old revisions are gone from the backend')],
  run: runFrom(kv, (m) => m.compactionCommand),
};

const ALARM_COMMAND: CommandSpec = {
  use: 'alarm <subcommand>',
  short: 'List or clear the alarms of the cluster',
  children: [
    { use: 'disarm', short: 'Clear every raised alarm', run: runFrom(maintenance, (m) => m.alarmDisarm) },
    { use: 'list', short: 'Show the raised alarms', run: runFrom(maintenance, (m) => m.alarmList) },
  ],
};

const ENDPOINT_COMMAND: CommandSpec = {
  use: 'endpoint <subcommand>',
  short: 'Check the servers named by --endpoints',
  persistentFlags: [boolFlag('cluster', 'check every client URL of the member list instead')],
  children: [
    { use: 'health', short: 'Tell whether each endpoint answers a quorum read', run: runFrom(endpoint, (m) => m.endpointHealth) },
    {
      use: 'status',
      short: 'Show version, database size and raft state of each endpoint',
      long: `With -w simple, each endpoint gets one line of comma-separated fields: endpoint,
member ID, server version, database size, whether it leads, whether it is a learner,
raft term, raft index, raft applied index and errors.
`,
      run: runFrom(endpoint, (m) => m.endpointStatus),
    },
    {
      use: 'hashkv',
      short: 'Show a hash of the key history of each endpoint',
      persistentFlags: [int64Flag('rev', 'hash the history up to this revision (0: up to the newest)')],
      run: runFrom(endpoint, (m) => m.endpointHashKV),
    },
  ],
};

const MOVE_LEADER_COMMAND: CommandSpec = {
  use: 'move-leader <transferee-member-id>',
  short: 'Make another member the raft leader',
  run: runFrom(maintenance, (m) => m.moveLeader),
};

const VERSION_COMMAND: CommandSpec = {
  use: 'version',
  short: 'Show the client version and its API version',
  run: async ({ io }) => {
    io.stdout.write(`etcdctl version: ${ETCDCTL_VERSION}\nAPI version: ${API_VERSION}\n`);
  },
};

function peerUrlsFlag(usage: string): FlagDef {
  return stringFlag('peer-urls', '', usage);
}

const MEMBER_COMMAND: CommandSpec = {
  use: 'member <subcommand>',
  short: 'Add, list, change or remove cluster members',
  children: [
    {
      use: 'add <memberName> [options]',
      short: 'Tell the cluster about a new member',
      flags: [
        peerUrlsFlag('peer URLs of the new member, comma separated'),
        boolFlag('learner', 'add the member as a non-voting learner'),
      ],
      run: runFrom(member, (m) => m.memberAdd),
    },
    {
      use: 'remove <memberID>',
      short: 'Take a member out of the cluster',
      run: runFrom(member, (m) => m.memberRemove),
    },
    {
      use: 'update <memberID> [options]',
      short: 'Change the peer URLs of a member',
      flags: [peerUrlsFlag('new peer URLs of the member, comma separated')],
      run: runFrom(member, (m) => m.memberUpdate),
    },
    {
      use: 'list',
      short: 'Show every member of the cluster',
      long: `With -w simple, each member gets one line of comma-separated fields: member ID,
status, name, peer URLs, client URLs and whether it is a learner.
`,
      run: runFrom(member, (m) => m.memberList),
    },
    {
      use: 'promote <memberID>',
      short: 'Give a learner a vote',
      long: `Turns a learner into a voting member. The cluster refuses while the learner
has not caught up with the leader's log.
`,
      run: runFrom(member, (m) => m.memberPromote),
    },
  ],
};

function notImplemented(name: string): CommandSpec {
  return {
    use: name,
    short: '',
    hidden: true,
    run: async ({ io }) => exitWithError(io, ExitCode.Error, `tetcdctl does not implement "${name}" yet; use etcdctl`),
  };
}

export function rootCommand(): Command {
  return new Command(
    {
      use: 'etcdctl',
      short: 'Command line client for the etcd v3 API',
      persistentFlags: GLOBAL_FLAGS,
      children: [
        GET_COMMAND,
        PUT_COMMAND,
        DEL_COMMAND,
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

/**
 * put, get, del and compaction: etcdctl's argument checks (same order, texts and exit codes), the
 * requests clientv3 builds from them, and the output. The request builders are shared with txn,
 * whose request lines use the same syntax.
 */
import { type FlagDef, type FlagSet, boolFlag, stringFlag, int64Flag } from '../cli/flags.js';
import type { CommandSpec, Invocation } from '../cli/command.js';
import type { PutRequest } from '../../gen/etcdserverpb/PutRequest.js';
import type { RangeRequest } from '../../gen/etcdserverpb/RangeRequest.js';
import type { DeleteRangeRequest } from '../../gen/etcdserverpb/DeleteRangeRequest.js';
import type {
  _etcdserverpb_RangeRequest_SortOrder__Output as SortOrder,
  _etcdserverpb_RangeRequest_SortTarget__Output as SortTarget,
} from '../../gen/etcdserverpb/RangeRequest.js';
import { loadEtcdProtos } from '../../etcdpb/load.js';
import { prefixEnd, ZERO_BYTE } from '../../base/bytes.js';
import { parseInt64, quote } from '../gocompat/strconv.js';
import { ExitCode, exitWithError, type CtlIO } from '../io.js';
import { SimplePrinter } from '../printer/simple.js';
import { clientSettings, commandDeadline, newClient, rpc, withClient } from './global.js';

/** How positional arguments become bytes: argv is UTF-8; txn request lines are raw bytes. */
export type ArgEncoding = 'utf8' | 'latin1';

export const PUT_FLAGS: readonly FlagDef[] = [
  stringFlag('lease', '0', 'bind the key to this lease (ID in hex)'),
  boolFlag('prev-kv', 'also print the key-value pair this put replaced'),
  boolFlag('ignore-value', 'keep the current value (e.g. to change only the lease)'),
  boolFlag('ignore-lease', 'keep the current lease (change only the value)'),
];

export const GET_FLAGS: readonly FlagDef[] = [
  stringFlag('consistency', 'l', 'l: linearizable read through the leader; s: serializable read of the local member'),
  stringFlag('order', '', 'sort direction, ASCEND or DESCEND (ascending if left out)'),
  stringFlag('sort-by', '', 'sort by CREATE, KEY, MODIFY, VALUE or VERSION'),
  int64Flag('limit', 'return at most this many keys (0: all of them)'),
  boolFlag('prefix', 'read every key that starts with <key>'),
  boolFlag('from-key', 'read every key from <key> on, in byte order'),
  int64Flag('rev', 'read the keys as they were at this revision'),
  boolFlag('keys-only', 'leave the values out'),
  boolFlag('print-value-only', 'print the values without their keys (simple output only)'),
];

export const DEL_FLAGS: readonly FlagDef[] = [
  boolFlag('prefix', 'delete every key that starts with <key>'),
  boolFlag('prev-kv', 'also print the deleted key-value pairs'),
  boolFlag('from-key', 'delete every key from <key> on, in byte order'),
];

const PUT_ARGS_ERROR = 'put command needs 1 argument and input from stdin or 2 arguments';

/** etcdctl's getPutOp. `stdinValue` gives what is left on stdin when the value is not an argument. */
export async function putRequest(
  io: CtlIO,
  args: readonly string[],
  flags: FlagSet,
  encoding: ArgEncoding,
  stdinValue: () => Promise<Buffer>,
): Promise<PutRequest> {
  if (args.length === 0) exitWithError(io, ExitCode.BadArgs, PUT_ARGS_ERROR);
  const ignoreValue = flags.bool('ignore-value');
  if (ignoreValue && args.length > 1) {
    exitWithError(io, ExitCode.BadArgs, "put command needs only 1 argument when 'ignore-value' is set");
  }
  let value: Buffer = Buffer.alloc(0);
  if (!ignoreValue) {
    if (args.length > 1) value = Buffer.from(args[1]!, encoding);
    else {
      value = await stdinValue();
      if (value.length === 0) exitWithError(io, ExitCode.BadArgs, PUT_ARGS_ERROR);
    }
  }
  let lease: bigint;
  try {
    lease = parseInt64(flags.string('lease'), 16);
  } catch (err) {
    exitWithError(io, ExitCode.BadArgs, `bad lease ID (${(err as Error).message}), expecting ID in Hex`);
  }
  return {
    key: Buffer.from(args[0]!, encoding),
    value,
    lease: lease.toString(),
    prev_kv: flags.bool('prev-kv'),
    ignore_value: ignoreValue,
    ignore_lease: flags.bool('ignore-lease'),
  };
}

const SORT_TARGETS: Record<string, SortTarget> = {
  CREATE: 'CREATE',
  KEY: 'KEY',
  MODIFY: 'MOD',
  VALUE: 'VALUE',
  VERSION: 'VERSION',
  '': 'KEY',
};

const PREFIX_AND_FROM_KEY = '`--prefix` and `--from-key` cannot be set at the same time, choose one';
const TOO_MANY_WITH_RANGE_FLAG = 'too many arguments, only accept one argument when `--prefix` or `--from-key` is set';

/** A key/range_end pair for `--prefix` / `--from-key` / an explicit end (clientv3's options). */
function keyRange(key: Buffer, end: Buffer | undefined, prefix: boolean, fromKey: boolean): { key: Buffer; range_end: Buffer } {
  let rangeEnd = end ?? Buffer.alloc(0);
  if (prefix) {
    if (key.length === 0) {
      key = Buffer.from(ZERO_BYTE);
      rangeEnd = Buffer.from(ZERO_BYTE);
    } else {
      rangeEnd = prefixEnd(key);
    }
  }
  if (fromKey) {
    if (key.length === 0) key = Buffer.from(ZERO_BYTE);
    rangeEnd = Buffer.from(ZERO_BYTE);
  }
  return { key, range_end: rangeEnd };
}

/** etcdctl's getGetOp. */
export function rangeRequest(io: CtlIO, args: readonly string[], flags: FlagSet, encoding: ArgEncoding): RangeRequest {
  if (args.length === 0) {
    exitWithError(io, ExitCode.BadArgs, 'get command needs one argument as key and an optional argument as range_end');
  }
  const prefix = flags.bool('prefix');
  const fromKey = flags.bool('from-key');
  if (prefix && fromKey) exitWithError(io, ExitCode.BadArgs, PREFIX_AND_FROM_KEY);
  const consistency = flags.string('consistency');
  if (consistency !== 's' && consistency !== 'l') {
    exitWithError(io, ExitCode.BadFeature, `unknown consistency flag ${quote(consistency)}`);
  }
  if (args.length > 1 && (prefix || fromKey)) exitWithError(io, ExitCode.BadArgs, TOO_MANY_WITH_RANGE_FLAG);
  const rev = flags.int64('rev');
  const orderText = flags.string('order');
  let order: SortOrder;
  switch (orderText.toUpperCase()) {
    case 'ASCEND':
      order = 'ASCEND';
      break;
    case 'DESCEND':
      order = 'DESCEND';
      break;
    case '':
      order = 'NONE';
      break;
    default:
      exitWithError(io, ExitCode.BadFeature, `bad sort order ${orderText}`);
  }
  const targetText = flags.string('sort-by');
  const target = SORT_TARGETS[targetText.toUpperCase()] ?? exitWithError(io, ExitCode.BadFeature, `bad sort target ${targetText}`);
  // clientv3 drops ASCEND for KEY: the server's natural order already is that.
  if (target === 'KEY' && order === 'ASCEND') order = 'NONE';
  const end = args.length > 1 ? Buffer.from(args[1]!, encoding) : undefined;
  return {
    ...keyRange(Buffer.from(args[0]!, encoding), end, prefix, fromKey),
    limit: flags.int64('limit').toString(),
    revision: rev > 0n ? rev.toString() : '0',
    sort_order: order,
    sort_target: target,
    serializable: consistency === 's',
    keys_only: flags.bool('keys-only'),
  };
}

/** etcdctl's getDelOp. */
export function deleteRequest(io: CtlIO, args: readonly string[], flags: FlagSet, encoding: ArgEncoding): DeleteRangeRequest {
  if (args.length === 0 || args.length > 2) {
    exitWithError(io, ExitCode.BadArgs, 'del command needs one argument as key and an optional argument as range_end');
  }
  const prefix = flags.bool('prefix');
  const fromKey = flags.bool('from-key');
  if (prefix && fromKey) exitWithError(io, ExitCode.BadArgs, PREFIX_AND_FROM_KEY);
  if (args.length > 1 && (prefix || fromKey)) exitWithError(io, ExitCode.BadArgs, TOO_MANY_WITH_RANGE_FLAG);
  const end = args.length > 1 ? Buffer.from(args[1]!, encoding) : undefined;
  return { ...keyRange(Buffer.from(args[0]!, encoding), end, prefix, fromKey), prev_kv: flags.bool('prev-kv') };
}

const kvService = () => loadEtcdProtos().etcdserverpb.KV.service;

async function putCommand(inv: Invocation): Promise<void> {
  const request = await putRequest(inv.io, inv.args, inv.flags, 'utf8', () => inv.io.stdin.readAll());
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    settings.printer.put(await rpc(inv.io, client, kvService().Put, request, deadline, 'nonRepeatable'));
  });
}

async function getCommand(inv: Invocation): Promise<void> {
  const request = rangeRequest(inv.io, inv.args, inv.flags, 'utf8');
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    const response = await rpc(inv.io, client, kvService().Range, request, deadline, 'repeatable');
    if (inv.flags.bool('print-value-only')) {
      if (!(settings.printer instanceof SimplePrinter)) {
        exitWithError(inv.io, ExitCode.BadArgs, 'print-value-only is only for `--write-out=simple`');
      }
      settings.printer.valueOnly = true;
    }
    settings.printer.get(response);
  });
}

async function delCommand(inv: Invocation): Promise<void> {
  const request = deleteRequest(inv.io, inv.args, inv.flags, 'utf8');
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    settings.printer.del(await rpc(inv.io, client, kvService().DeleteRange, request, deadline, 'nonRepeatable'));
  });
}

async function compactionCommand(inv: Invocation): Promise<void> {
  const { io, args, flags } = inv;
  if (args.length !== 1) exitWithError(io, ExitCode.BadArgs, 'compaction command needs 1 argument');
  let revision: bigint;
  try {
    revision = parseInt64(args[0]!, 10);
  } catch (err) {
    exitWithError(io, ExitCode.Error, (err as Error).message);
  }
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, io), async (client) => {
    const request = { revision: revision.toString(), physical: flags.bool('physical') };
    await rpc(io, client, kvService().Compact, request, deadline, 'nonRepeatable');
    io.stdout.write(`compacted revision ${revision}\n`);
  });
}

export const PUT_USE = 'put [options] <key> <value> (<value> can also be given from stdin)';
export const GET_USE = 'get [options] <key> [range_end]';
export const DEL_USE = 'del [options] <key> [range_end]';

export const KV_COMMANDS: readonly CommandSpec[] = [
  {
    use: GET_USE,
    short: 'Read a key or a range of keys',
    flags: GET_FLAGS,
    run: getCommand,
  },
  {
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
    run: putCommand,
  },
  {
    use: DEL_USE,
    short: 'Delete a key or the keys in [key, range_end)',
    flags: DEL_FLAGS,
    run: delCommand,
  },
];

export const COMPACTION_COMMAND: CommandSpec = {
  use: 'compaction [options] <revision>',
  short: 'Drop the key history older than a revision',
  flags: [
    boolFlag('physical', 'return only once the old revisions are gone from the backend'),
  ],
  run: compactionCommand,
};

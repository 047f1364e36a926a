/**
 * put, get, del and compaction: etcdctl's argument checks (same order, texts and exit codes), the
 * requests clientv3 builds from them, and the output. The request builders are shared with txn,
 * whose request lines use the same syntax.
 */
import type { FlagSet } from '../cli/flags.js';
import type { Invocation } from '../cli/command.js';
import type { PutRequest } from '../../gen/etcdserverpb/PutRequest.js';
import type { RangeRequest } from '../../gen/etcdserverpb/RangeRequest.js';
import type { DeleteRangeRequest } from '../../gen/etcdserverpb/DeleteRangeRequest.js';
import type {
  _etcdserverpb_RangeRequest_SortOrder__Output as SortOrder,
  _etcdserverpb_RangeRequest_SortTarget__Output as SortTarget,
} from '../../gen/etcdserverpb/RangeRequest.js';
import { etcdMethod } from '../methods.js';
import { prefixEnd, ZERO_BYTE } from '../../base/bytes.js';
import { parseInt64, quote } from '../gocompat/strconv.js';
import { ExitCode, exitWithError, type CtlIO } from '../io.js';
import { SimplePrinter } from '../printer/simple.js';
import { clientSettings, commandDeadline, newClient, rpc, withClient } from './global.js';

/** How positional arguments become bytes: argv is UTF-8; txn request lines are raw bytes. */
export type ArgEncoding = 'utf8' | 'latin1';

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

export async function putCommand(inv: Invocation): Promise<void> {
  const request = await putRequest(inv.io, inv.args, inv.flags, 'utf8', () => inv.io.stdin.readAll());
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    settings.printer.put(await rpc(inv.io, client, etcdMethod('KV', 'Put'), request, deadline, 'nonRepeatable'));
  });
}

export async function getCommand(inv: Invocation): Promise<void> {
  const request = rangeRequest(inv.io, inv.args, inv.flags, 'utf8');
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    const response = await rpc(inv.io, client, etcdMethod('KV', 'Range'), request, deadline, 'repeatable');
    if (inv.flags.bool('print-value-only')) {
      if (!(settings.printer instanceof SimplePrinter)) {
        exitWithError(inv.io, ExitCode.BadArgs, 'print-value-only is only for `--write-out=simple`');
      }
      settings.printer.valueOnly = true;
    }
    settings.printer.get(response);
  });
}

export async function delCommand(inv: Invocation): Promise<void> {
  const request = deleteRequest(inv.io, inv.args, inv.flags, 'utf8');
  const settings = clientSettings(inv);
  const deadline = commandDeadline(settings);
  await withClient(newClient(settings, inv.io), async (client) => {
    settings.printer.del(await rpc(inv.io, client, etcdMethod('KV', 'DeleteRange'), request, deadline, 'nonRepeatable'));
  });
}

export async function compactionCommand(inv: Invocation): Promise<void> {
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
    await rpc(io, client, etcdMethod('KV', 'Compact'), request, deadline, 'nonRepeatable');
    io.stdout.write(`compacted revision ${revision}\n`);
  });
}

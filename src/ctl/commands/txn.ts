/**
 * `txn`: reads compares, success requests and failure requests from stdin, each section ended by
 * an empty line (with `-i` after a prompt each), in etcdctl's syntax:
 *
 *   mod("k") > "0"          val("k") = "v"          ver("k") != "2"     create("k") < "5"
 *   put k v --lease=1a      get --prefix k          del k1 k2
 *
 * Compares are parsed as Go's fmt.Sscanf(`%q) %s %q`) parses them; request lines are split with
 * etcdctl's argument regexp (quotes and Go escapes) and parsed with the put/get/del flags.
 * Input is bytes: keys and values may hold any byte through \x escapes.
 */
import { Command, findCommand, type Invocation } from '../cli/command.js';
import { FlagError } from '../cli/flags.js';
import { renderCobraUsage } from '../cli/usage.js';
import type { Compare } from '../../gen/etcdserverpb/Compare.js';
import type { RequestOp } from '../../gen/etcdserverpb/RequestOp.js';
import { etcdMethod } from '../methods.js';
import { decodeRune, parseInt64, quote, unquote } from '../gocompat/strconv.js';
import { ExitCode, exitWithError, goPanic, type CtlIO } from '../io.js';
import { clientSettings, newClient, rpc, withClient } from './global.js';
import { deleteRequest, putRequest, rangeRequest } from './kv.js';
import { DEL_FLAGS, DEL_USE, GET_FLAGS, GET_USE, PUT_FLAGS, PUT_USE } from './syntax.js';

/** Go's unicode.IsSpace, which fmt's scanner and strings.TrimSpace use. */
function isGoSpace(rune: number): boolean {
  return (
    (rune >= 0x09 && rune <= 0x0d) ||
    rune === 0x20 ||
    rune === 0x85 ||
    rune === 0xa0 ||
    rune === 0x1680 ||
    (rune >= 0x2000 && rune <= 0x200a) ||
    rune === 0x2028 ||
    rune === 0x2029 ||
    rune === 0x202f ||
    rune === 0x205f ||
    rune === 0x3000
  );
}

function runes(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length; ) {
    const r = decodeRune(b, i);
    out.push(r.rune);
    i += r.width;
  }
  return out;
}

function runesToBuffer(rs: readonly number[]): Buffer {
  return Buffer.from(String.fromCodePoint(...rs), 'utf8');
}

/** strings.TrimSpace on bytes. */
export function trimSpace(b: Buffer): Buffer {
  let start = 0;
  let end = b.length;
  while (start < end) {
    const r = decodeRune(b, start);
    if (r.invalid || !isGoSpace(r.rune)) break;
    start += r.width;
  }
  while (end > start) {
    let i = end - 1;
    while (i > start && (b[i]! & 0xc0) === 0x80) i--;
    const r = decodeRune(b, i);
    if (r.invalid || i + r.width !== end || !isGoSpace(r.rune)) break;
    end = i;
  }
  return b.subarray(start, end);
}

class ScanError extends Error {}

/** The bits of Go's fmt scanner that Sscanf(line, "%q) %s %q", ...) exercises. */
class GoScanner {
  private pos = 0;
  constructor(private readonly input: readonly number[]) {}

  private peek(): number | undefined {
    return this.input[this.pos];
  }

  /** What verbs do first: skip spaces; a newline is an error for Sscanf. */
  private skipSpace(): void {
    for (;;) {
      const r = this.peek();
      if (r === undefined) return;
      if (r === 0x0a) throw new ScanError('unexpected newline');
      if (!isGoSpace(r)) return;
      this.pos++;
    }
  }

  private mustRead(): number {
    const r = this.input[this.pos++];
    if (r === undefined) throw new ScanError('unexpected EOF');
    return r;
  }

  /** %q into a string. */
  quoted(): Buffer {
    this.skipSpace();
    if (this.peek() === undefined) throw new ScanError('unexpected EOF');
    const quoteRune = this.mustRead();
    if (quoteRune === 0x60) {
      const body: number[] = [];
      for (let r = this.mustRead(); r !== 0x60; r = this.mustRead()) body.push(r);
      return runesToBuffer(body);
    }
    if (quoteRune !== 0x22) throw new ScanError('expected quoted string');
    const literal = [0x22];
    for (;;) {
      const r = this.mustRead();
      literal.push(r);
      if (r === 0x5c) literal.push(this.mustRead());
      else if (r === 0x22) break;
    }
    try {
      return unquote(runesToBuffer(literal));
    } catch (err) {
      throw new ScanError((err as Error).message);
    }
  }

  /** %s into a string: the next space-delimited word. */
  word(): Buffer {
    this.skipSpace();
    if (this.peek() === undefined) throw new ScanError('unexpected EOF');
    const start = this.pos;
    while (this.peek() !== undefined && !isGoSpace(this.peek()!)) this.pos++;
    return runesToBuffer(this.input.slice(start, this.pos));
  }

  /** A literal character of the format. */
  literal(c: number): void {
    if (this.mustRead() !== c) throw new ScanError('input does not match format');
  }

  /** A space in the format: at least one space in the input, or its end. */
  space(): void {
    const r = this.peek();
    if (r === undefined) return;
    if (r === 0x0a) throw new ScanError('newline in input does not match format');
    if (!isGoSpace(r)) throw new ScanError('expected space in input to match format');
    while (this.peek() !== undefined && this.peek() !== 0x0a && isGoSpace(this.peek()!)) this.pos++;
  }
}

const COMPARE_RESULTS: Record<string, Compare['result']> = { '=': 'EQUAL', '!=': 'NOT_EQUAL', '>': 'GREATER', '<': 'LESS' };

/** etcdctl's parseCompare; errors are its messages (exit 3), bad operators panic as clientv3 does. */
function parseCompare(io: CtlIO, line: Buffer): Compare {
  const malformed = (...parts: (string | Buffer)[]): never =>
    exitWithError(io, ExitCode.InvalidInput, Buffer.concat([Buffer.from('malformed comparison: '), line, ...parts.map((p) => Buffer.from(p))]));
  const paren = line.indexOf(0x28);
  if (paren < 0) malformed();
  const target = line.subarray(0, paren);
  const scanner = new GoScanner(runes(line.subarray(paren + 1)));
  let key: Buffer = Buffer.alloc(0);
  let op: Buffer = Buffer.alloc(0);
  let value: Buffer = Buffer.alloc(0);
  let scanned = 0;
  try {
    key = scanner.quoted();
    scanned++;
    scanner.literal(0x29);
    scanner.space();
    op = scanner.word();
    scanned++;
    scanner.space();
    value = scanner.quoted();
    scanned++;
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
  }
  if (scanned !== 3) malformed('; got ', target, '(', quote(key), ') ', op, ' ', quote(value));

  const result = COMPARE_RESULTS[op.toString('latin1')];
  const targetName = target.toString('latin1');
  const invalid = (): never =>
    exitWithError(io, ExitCode.InvalidInput, Buffer.concat([Buffer.from('invalid txn compare request: '), line]));
  const number = (): string => {
    try {
      return parseInt64(value.toString('latin1'), 10).toString();
    } catch {
      return invalid();
    }
  };
  const build = (compare: Compare): Compare => {
    if (result === undefined) goPanic(io, 'Unknown result op');
    return { ...compare, result };
  };
  switch (targetName) {
    case 'ver':
    case 'version':
      return build({ target: 'VERSION', key, version: number() });
    case 'c':
    case 'create':
      return build({ target: 'CREATE', key, create_revision: number() });
    case 'm':
    case 'mod':
      return build({ target: 'MOD', key, mod_revision: number() });
    case 'val':
    case 'value':
      return build({ target: 'VALUE', key, value });
    case 'lease':
      // etcdctl 3.4 hands the quoted string to clientv3, which only takes numbers here.
      if (result === undefined) goPanic(io, 'Unknown result op');
      return goPanic(io, 'bad value');
    default:
      return malformed(' (unknown target ', target, ')');
  }
}

/** etcdctl's argify: its regexp split, Go unquoting of "..." and its slicing of '...'. */
function argify(io: CtlIO, line: string): string[] {
  // Go's regexp: \s is [\t\n\f\r ] and '.' is anything but '\n'.
  const pattern = /"(?:[^"\\]|\\[^\n])*"|'[^']*'|[^'"\t\n\f\r ][^\t\n\f\r ]*[^'"\t\n\f\r ]?/g;
  const args = line.match(pattern) ?? [];
  return args.map((arg) => {
    if (arg.startsWith("'")) {
      // etcdctl slices with the number of arguments instead of the argument's length.
      const end = args.length - 1;
      if (end > arg.length) goPanic(io, `runtime error: slice bounds out of range [:${end}] with length ${arg.length}`);
      if (end < 1) goPanic(io, `runtime error: slice bounds out of range [1:${end}]`);
      return arg.slice(1, end);
    }
    if (arg.startsWith('"')) {
      try {
        return new GoScanner(runes(Buffer.from(arg, 'latin1'))).quoted().toString('latin1');
      } catch (err) {
        return exitWithError(io, ExitCode.InvalidInput, (err as Error).message);
      }
    }
    return arg;
  });
}

/** The nameless parser etcdctl builds per request line: put, get and del with their flags only. */
const REQUEST_PARSER = new Command(
  {
    use: '',
    short: '',
    children: [
      { use: PUT_USE, short: '', flags: PUT_FLAGS },
      { use: GET_USE, short: '', flags: GET_FLAGS },
      { use: DEL_USE, short: '', flags: DEL_FLAGS },
    ],
  },
  undefined,
);

/** etcdctl's parseRequestUnion. */
async function parseRequest(io: CtlIO, line: Buffer): Promise<RequestOp> {
  const invalid = (what: string): never =>
    exitWithError(io, ExitCode.InvalidInput, Buffer.concat([Buffer.from(`invalid txn ${what}: `), line]));
  const args = argify(io, line.toString('latin1'));
  if (args.length < 2) invalid('compare request');
  const found = findCommand(REQUEST_PARSER, args);
  if (found.error !== undefined || found.command === REQUEST_PARSER) invalid('request');
  const flags = found.command.flagSet();
  let positional: string[];
  try {
    positional = flags.parse(found.rest);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    io.stderr.write(renderCobraUsage(found.command) + '\n');
    return invalid('request');
  }
  switch (found.command.name) {
    case 'put':
      // The value cannot come from stdin here: etcdctl's reader has already buffered it all.
      return { request_put: await putRequest(io, positional, flags, 'latin1', async () => Buffer.alloc(0)) };
    case 'get':
      return { request_range: rangeRequest(io, positional, flags, 'latin1') };
    default:
      return { request_delete_range: deleteRequest(io, positional, flags, 'latin1') };
  }
}

/** One line as bufio.Reader.ReadString('\n') gives it: a missing final newline is an EOF error. */
async function readLine(io: CtlIO): Promise<Buffer> {
  const { line, eof } = await io.stdin.readLine();
  if (eof) exitWithError(io, ExitCode.InvalidInput, 'EOF');
  return trimSpace(line);
}

async function readSection<T>(io: CtlIO, parse: (line: Buffer) => Promise<T> | T): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const line = await readLine(io);
    if (line.length === 0) return out;
    out.push(await parse(line));
  }
}

export async function txnCommand(inv: Invocation): Promise<void> {
  const { io } = inv;
  if (inv.args.length !== 0) exitWithError(io, ExitCode.BadArgs, 'txn command does not accept argument');
  const interactive = inv.flags.bool('interactive');
  const settings = clientSettings(inv);
  await withClient(newClient(settings, io), async (client) => {
    const prompt = (text: string): void => {
      if (interactive) io.stdout.write(text + '\n');
    };
    prompt('compares:');
    const compare = await readSection(io, (line) => parseCompare(io, line));
    prompt('success requests (get, put, del):');
    const success = await readSection(io, (line) => parseRequest(io, line));
    prompt('failure requests (get, put, del):');
    const failure = await readSection(io, (line) => parseRequest(io, line));
    // etcdctl gives txn no deadline at all.
    const method = etcdMethod('KV', 'Txn');
    settings.printer.txn(await rpc(io, client, method, { compare, success, failure }, undefined, 'nonRepeatable'));
  });
}

/**
 * tetcdctl's command line, in process and without a server: pflag's parsing rules, cobra's command
 * lookup, and the local errors of etcdctl (argument checks, txn syntax) with the exact texts and
 * exit codes etcdctl 3.4.23 printed for the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, FlagSet, boolFlag, durationFlag, int64Flag, stringFlag } from '../../src/ctl/cli/flags.js';
import { findCommand } from '../../src/ctl/cli/command.js';
import { rootCommand } from '../../src/ctl/commands/root.js';
import { runCtl } from '../../src/ctl/run.js';
import { BufferInput } from '../../src/ctl/io.js';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs tetcdctl in process; the endpoint is a closed port, so nothing here may reach a server. */
async function ctl(args: string[], stdin = '', env: Record<string, string> = {}): Promise<RunResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const code = await runCtl(['--endpoints=127.0.0.1:1', '--command-timeout=200ms', ...args], {
    stdout: { write: (c) => out.push(Buffer.from(c)) },
    stderr: { write: (c) => err.push(Buffer.from(c)) },
    stdin: new BufferInput(stdin),
    env,
    now: () => new Date(0),
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function flagSet(): FlagSet {
  return new FlagSet([
    boolFlag('prefix', 'p'),
    boolFlag('insecure', 'i', true),
    stringFlag('write-out', 'simple', 'w', 'w'),
    int64Flag('limit', 'l'),
    durationFlag('timeout', '5s', 't'),
    { name: 'endpoints', type: 'stringSlice', defValue: '[127.0.0.1:2379]', usage: 'e' },
  ]);
}

test('pflag: flags anywhere, --bool=false, -w=json, -wjson, "--" ends flags', () => {
  const f = flagSet();
  const args = f.parse(['a', '--prefix', 'b', '--insecure=false', '-w=json', '--limit', '0x10', '--', '--limit', '-x']);
  assert.deepEqual(args, ['a', 'b', '--limit', '-x']);
  assert.equal(f.bool('prefix'), true);
  assert.equal(f.bool('insecure'), false);
  assert.equal(f.string('write-out'), 'json');
  assert.equal(f.int64('limit'), 16n);
  const g = flagSet();
  g.parse(['-wjson', '--timeout=1m30s', '-']);
  assert.equal(g.string('write-out'), 'json');
  assert.equal(g.text('timeout'), '1m30s');
});

test('pflag: a string slice is replaced by its first value and appended to after', () => {
  const f = flagSet();
  assert.deepEqual(f.strings('endpoints'), ['127.0.0.1:2379']);
  f.parse(['--endpoints=a:1,b:2', '--endpoints', 'c:3']);
  assert.deepEqual(f.strings('endpoints'), ['a:1', 'b:2', 'c:3']);
  assert.equal(f.text('endpoints'), '[a:1,b:2,c:3]');
});

test("pflag's error texts", () => {
  const cases: [string[], string][] = [
    [['--nope'], 'unknown flag: --nope'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['--limit'], 'flag needs an argument: --limit'],
    [['-w'], "flag needs an argument: 'w' in -w"],
    [['---x'], 'bad flag syntax: ---x'],
    [['--=x'], 'bad flag syntax: --=x'],
    [['--limit', 'abc'], 'invalid argument "abc" for "--limit" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['--prefix=x'], 'invalid argument "x" for "--prefix" flag: strconv.ParseBool: parsing "x": invalid syntax'],
    [['--timeout', 'abc'], 'invalid argument "abc" for "--timeout" flag: time: invalid duration "abc"'],
  ];
  for (const [args, message] of cases) assert.throws(() => flagSet().parse(args), new FlagError(message), args.join(' '));
});

test('cobra: commands are found past flags and by unique prefix', () => {
  const root = rootCommand();
  assert.equal(findCommand(root, ['mem', 'li']).command.path, 'etcdctl member list');
  assert.equal(findCommand(root, ['-w', 'json', 'endpoint', '--cluster', 'st']).command.path, 'etcdctl endpoint status');
  assert.deepEqual(findCommand(root, ['get', '--limit', '1', 'k']).rest, ['--limit', '1', 'k']);
  const unknown = findCommand(root, ['e', 'status']);
  assert.equal(unknown.error, 'unknown command "e" for "etcdctl"\n\nDid you mean this?\n\tget\n\tdel\n\tendpoint\n\telect\n');
});

test('bad flags: the error twice on stderr around etcdctl usage on stdout, exit 1', async () => {
  const r = await ctl(['get', '--limit', 'abc', 'x']);
  const message = 'Error: invalid argument "abc" for "--limit" flag: strconv.ParseInt: parsing "abc": invalid syntax\n';
  assert.equal(r.code, 1);
  assert.equal(r.stderr, message + '\n' + message);
  assert.ok(r.stdout.startsWith('NAME:\n\tget - Read a key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n'));
  assert.ok(r.stdout.includes('\n      --limit=0\t\t\t\treturn at most this many keys (0: all of them)\n'));
  assert.ok(r.stdout.includes('\nGLOBAL OPTIONS:\n'));
});

test('unknown command: cobra and etcdctl both report it, exit 1', async () => {
  const r = await ctl(['nosuch']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'Error: unknown command "nosuch" for "etcdctl"\nRun \'etcdctl --help\' for usage.\nError: unknown command "nosuch" for "etcdctl"\n',
  );
});

test("etcdctl's local argument errors and exit codes", async () => {
  const cases: [string[], number, string][] = [
    [['put'], 128, 'put command needs 1 argument and input from stdin or 2 arguments'],
    [['put', 'k', '--ignore-value', 'v'], 128, "put command needs only 1 argument when 'ignore-value' is set"],
    [['put', 'k', 'v', '--lease', 'zz'], 128, 'bad lease ID (strconv.ParseInt: parsing "zz": invalid syntax), expecting ID in Hex'],
    [['get'], 128, 'get command needs one argument as key and an optional argument as range_end'],
    [['get', 'k', '--prefix', '--from-key'], 128, '`--prefix` and `--from-key` cannot be set at the same time, choose one'],
    [['get', 'k', 'z', '--prefix'], 128, 'too many arguments, only accept one argument when `--prefix` or `--from-key` is set'],
    [['get', 'k', '--consistency', 'x'], 4, 'unknown consistency flag "x"'],
    [['get', 'k', '--order', 'up'], 4, 'bad sort order up'],
    [['get', 'k', '--sort-by', 'size'], 4, 'bad sort target size'],
    [['del', 'a', 'b', 'c'], 128, 'del command needs one argument as key and an optional argument as range_end'],
    [['compaction'], 128, 'compaction command needs 1 argument'],
    [['compaction', 'abc'], 1, 'strconv.ParseInt: parsing "abc": invalid syntax'],
    [['member', 'add'], 128, 'member name not provided'],
    [['member', 'add', 'a', 'http://b', 'c'], 128, 'too many arguments, did you mean --peer-urls=http://b'],
    [['member', 'add', 'a'], 128, 'member peer urls not provided'],
    [['member', 'remove'], 128, 'member ID is not provided'],
    [['member', 'update', 'zz'], 128, 'bad member ID arg (strconv.ParseUint: parsing "zz": invalid syntax), expecting ID in Hex'],
    [['move-leader'], 128, 'move-leader command needs 1 argument'],
    [['move-leader', 'zz'], 128, 'strconv.ParseUint: parsing "zz": invalid syntax'],
    [['alarm', 'list', 'x'], 128, 'alarm list command accepts no arguments'],
    [['txn', 'x'], 128, 'txn command does not accept argument'],
    [['-w', 'yaml', 'get', 'k'], 4, 'unsupported output format'],
  ];
  for (const [args, code, message] of cases) {
    const r = await ctl(args);
    assert.equal(r.stderr, `Error: ${message}\n`, args.join(' '));
    assert.equal(r.code, code, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});

test('txn: compare syntax errors, as fmt.Sscanf("%q) %s %q") sees them, exit 3', async () => {
  const cases: [string, string][] = [
    ['val( "a" )  =   "1"', 'malformed comparison: val( "a" )  =   "1"; got val("a")  ""'],
    ['val("a")= "1"', 'malformed comparison: val("a")= "1"; got val("a")  ""'],
    ['val("a") ="1"', 'malformed comparison: val("a") ="1"; got val("a") ="1" ""'],
    ['val(a) = "1"', 'malformed comparison: val(a) = "1"; got val("")  ""'],
    ['val("a) = "1"', 'malformed comparison: val("a) = "1"; got val("a) = ")  ""'],
    ['val("a")', 'malformed comparison: val("a"); got val("a")  ""'],
    ['val"a") = "1"', 'malformed comparison: val"a") = "1"'],
    ['foo("a") = "1"', 'malformed comparison: foo("a") = "1" (unknown target foo)'],
    ['ver("a") = "x"', 'invalid txn compare request: ver("a") = "x"'],
  ];
  for (const [line, message] of cases) {
    const r = await ctl(['txn'], `${line}\n\n\n\n`);
    assert.equal(r.stderr, `Error: ${message}\n`, line);
    assert.equal(r.code, 3, line);
  }
});

test('txn: request line errors, a missing final newline, and the interactive prompts', async () => {
  let r = await ctl(['txn'], '\nfoo a b\n\n\n');
  assert.deepEqual([r.code, r.stderr], [3, 'Error: invalid txn request: foo a b\n']);
  r = await ctl(['txn'], '\nget\n\n\n');
  assert.deepEqual([r.code, r.stderr], [3, 'Error: invalid txn compare request: get\n']);
  r = await ctl(['txn'], '\nput a\n\n\n');
  assert.deepEqual([r.code, r.stderr], [128, 'Error: put command needs 1 argument and input from stdin or 2 arguments\n']);
  r = await ctl(['txn'], '\nget a --limit x\n\n\n');
  assert.equal(r.code, 3);
  assert.ok(
    r.stderr.startsWith(
      'Usage:\n   get [options] <key> [range_end] [flags]\n\nFlags:\n' +
        '      --consistency string   l: linearizable read through the leader; s: serializable read of the local member (default "l")\n',
    ),
  );
  assert.ok(r.stderr.endsWith('VERSION\n\nError: invalid txn request: get a --limit x\n'));
  r = await ctl(['txn', '-i'], 'val("a") = "1"\n\nput a b');
  assert.equal(r.stdout, 'compares:\nsuccess requests (get, put, del):\n');
  assert.deepEqual([r.code, r.stderr], [3, 'Error: EOF\n']);
});

test('ETCDCTL_* variables: unknown ones warned about, one shadowed by a flag is fatal', async () => {
  let r = await ctl(['version'], '', { ETCDCTL_FOO: 'bar' });
  assert.equal(r.stdout, 'etcdctl version: 3.4.23\nAPI version: 3.4\n');
  r = await ctl(['-w', 'yaml', 'get', 'k'], '', { ETCDCTL_FOO: 'bar' });
  assert.match(r.stderr, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} W \| pkg\/flags: unrecognized environment variable ETCDCTL_FOO=bar\n/);
  r = await ctl(['get', 'k'], '', { ETCDCTL_ENDPOINTS: '127.0.0.1:1' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, / C \| pkg\/flags: conflicting environment variable "ETCDCTL_ENDPOINTS" is shadowed by corresponding command-line flag/);
  r = await ctl(['get', 'k'], '', { ETCDCTL_WRITE_OUT: 'yaml' });
  assert.deepEqual([r.code, r.stderr], [4, 'Error: unsupported output format\n']);
});

test('a dead endpoint: clientv3-like warning, then "context deadline exceeded" at the command timeout', async () => {
  const r = await ctl(['get', 'k']);
  assert.equal(r.code, 1);
  const [warning, error] = r.stderr.split('\n');
  const logged = JSON.parse(warning!) as Record<string, unknown>;
  assert.equal(logged.msg, 'retrying of unary invoker failed');
  assert.match(String(logged.target), /^endpoint:\/\/client-[0-9a-f-]{36}\/127\.0\.0\.1:1$/);
  assert.equal(logged.error, 'rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure');
  assert.equal(error, 'Error: context deadline exceeded');
});

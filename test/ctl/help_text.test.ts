/**
 * The reduction of help text to its facts that the differential tests compare tetcdctl's help
 * with: descriptions go, names, defaults, usage lines and the layout stay, other text is untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCtl } from '../../src/ctl/run.js';
import { BufferInput } from '../../src/ctl/io.js';
import { GET_FLAGS, GLOBAL_FLAGS } from '../../src/ctl/commands/syntax.js';
import { PROSE, helpFacts, helpProse } from './help_text.js';

async function ctl(args: string[], stdin = ''): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  await runCtl(args, {
    stdout: { write: (c) => (stdout += Buffer.from(c).toString('utf8')) },
    stderr: { write: (c) => (stderr += Buffer.from(c).toString('utf8')) },
    stdin: new BufferInput(stdin),
    env: {},
    now: () => new Date(0),
  });
  return { stdout, stderr };
}

test("etcdctl's layout: the command path, usage line, flags and defaults stay; descriptions go", async () => {
  const { stdout } = await ctl(['get', '--help']);
  const facts = helpFacts(stdout);
  assert.ok(facts.startsWith(`NAME:\n\tget - ${PROSE}\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n`), facts);
  assert.ok(facts.includes(`\n      --consistency="l"\t\t\t${PROSE}\n`), facts);
  assert.ok(facts.includes(`\n  -w, --write-out="simple"\t\t\t${PROSE}\n`), facts);
  assert.equal(facts.split('\n').length, stdout.split('\n').length);
  for (const def of [...GET_FLAGS, ...GLOBAL_FLAGS]) assert.ok(!facts.includes(def.usage), def.usage);
});

test('the descriptions taken out are the ones of the command tree, in order', async () => {
  const { stdout } = await ctl(['get', '--help']);
  const prose = helpProse(stdout);
  const byName = (defs: readonly { name: string; usage: string }[]) =>
    [...defs].sort((a, b) => (a.name < b.name ? -1 : 1)).map((d) => d.usage);
  assert.deepEqual(prose, [
    'Read a key or a range of keys',
    ...byName([...GET_FLAGS, { name: 'help', usage: 'show how to use get' }]),
    ...byName(GLOBAL_FLAGS),
  ]);
});

test('a DESCRIPTION section is one description, however many lines it has', async () => {
  const { stdout } = await ctl(['put', '--help']);
  assert.ok(helpFacts(stdout).includes(`\nDESCRIPTION:\n\t${PROSE}\n\nOPTIONS:\n`));
  const description = helpProse(stdout)[1]!;
  assert.ok(description.startsWith('Stores <value> under <key>') && description.endsWith('$ cat file | put <key>'), description);
});

test("cobra's layout (txn's request lines): flag and default stay, the error after it is untouched", async () => {
  const { stderr } = await ctl(['--endpoints=127.0.0.1:1', 'txn'], '\nget a --limit x\n\n\n');
  const facts = helpFacts(stderr);
  assert.ok(facts.startsWith(`Usage:\n   get [options] <key> [range_end] [flags]\n\nFlags:\n      --consistency string   ${PROSE} (default "l")\n`), facts);
  assert.ok(facts.includes(`\n      --limit int            ${PROSE}\n`), facts);
  assert.ok(facts.endsWith('\n\nError: invalid txn request: get a --limit x\n'), facts);
});

test('text without a help block is left as it is', () => {
  const texts = [
    'Error: unknown command "nosuch" for "etcdctl"\nRun \'etcdctl --help\' for usage.\n',
    '{"header":{"revision":3},"kvs":[{"key":"Zm9v","value":"YmFy"}]}\n',
    'foo\nbar\tbaz - qux\n',
  ];
  for (const text of texts) assert.equal(helpFacts(text), text);
});

/**
 * The Go text formats tetcdctl reproduces. Every expected value here was printed by Go 1.19 (the
 * toolchain etcdctl 3.4.23 is built with here) or by etcdctl itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBool, parseInt64, parseUint, quote, quoteChar, unquote } from '../../src/ctl/gocompat/strconv.js';
import { formatDuration, parseDuration } from '../../src/ctl/gocompat/time.js';
import { humanizeBytes } from '../../src/ctl/gocompat/humanize.js';
import { goJsonString, goFieldName } from '../../src/ctl/gocompat/json.js';
import { renderTable } from '../../src/ctl/gocompat/tablewriter.js';
import { tabwrite } from '../../src/ctl/gocompat/tabwriter.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

test('strconv.Quote, byte for byte', () => {
  const cases: [Buffer, string][] = [
    [bytes('abc'), '"abc"'],
    [bytes('a"b\\c'), '"a\\"b\\\\c"'],
    [bytes('\x00\x01\x7f'), '"\\x00\\x01\\x7f"'],
    [Buffer.from('é'), '"é"'],
    [bytes('\xff\xfe'), '"\\xff\\xfe"'],
    [Buffer.from('\u2028'), '"\\u2028"'],
    [Buffer.from('😀'), '"😀"'],
    [Buffer.from('\u00ad'), '"\\u00ad"'],
    [bytes('tab\tnl\n'), '"tab\\tnl\\n"'],
    [bytes('a\xc3'), '"a\\xc3"'],
  ];
  for (const [input, want] of cases) assert.equal(quote(input), want, `quote(${input.toString('hex')})`);
  assert.equal(quoteChar('x'.charCodeAt(0)), "'x'");
});

test('strconv.Unquote, including the literals Go rejects', () => {
  assert.deepEqual(unquote(bytes('"\\x41\\101\\u00e9\\a"')), Buffer.from('AAé\x07'));
  assert.deepEqual(unquote(bytes('`raw\\n`')), Buffer.from('raw\\n'));
  assert.deepEqual(unquote(bytes('"\\xff"')), Buffer.from([0xff]));
  for (const bad of ['"bad\\q"', '"\\\'"', '"a"b"', '"\\400"', '"\\ud800"', '"unterminated', '"a\nb"']) {
    assert.throws(() => unquote(bytes(bad)), /invalid syntax/, bad);
  }
});

test('strconv.ParseInt/ParseUint with Go base-0 prefixes, underscores and error texts', () => {
  const ok: [string, bigint][] = [
    ['0x1f', 31n],
    ['0o17', 15n],
    ['017', 15n],
    ['0b101', 5n],
    ['1_000', 1000n],
    ['-9223372036854775808', -9223372036854775808n],
    ['+5', 5n],
    ['0x_1f', 31n],
  ];
  for (const [s, v] of ok) assert.equal(parseInt64(s, 0), v, s);
  const syntax = ['_1', '1__0', '', '0x', 'abc', '1_'];
  for (const s of syntax) assert.throws(() => parseInt64(s, 0), { message: `strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax` });
  assert.throws(() => parseInt64('9223372036854775808', 0), {
    message: 'strconv.ParseInt: parsing "9223372036854775808": value out of range',
  });
  assert.equal(parseInt64('1a', 16), 26n);
  assert.equal(parseInt64('-ff', 16), -255n);
  assert.throws(() => parseInt64('0x1a', 16), { message: 'strconv.ParseInt: parsing "0x1a": invalid syntax' });
  assert.throws(() => parseInt64('ffffffffffffffff', 16), { message: 'strconv.ParseInt: parsing "ffffffffffffffff": value out of range' });
  assert.equal(parseUint('ffffffffffffffff', 16), 18446744073709551615n);
  assert.throws(() => parseUint('-ff', 16), { message: 'strconv.ParseUint: parsing "-ff": invalid syntax' });
  assert.equal(parseBool('True'), true);
  assert.equal(parseBool('0'), false);
  assert.throws(() => parseBool('yes'), { message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
});

test('time.ParseDuration and Duration.String', () => {
  const parsed: [string, bigint][] = [
    ['1h2m3.5s', 3723500000000n],
    ['1.5µs', 1500n],
    ['.5s', 500000000n],
    ['-1.5h', -5400000000000n],
    ['300ms', 300000000n],
    ['0', 0n],
    ['+0s', 0n],
    ['1.s', 1000000000n],
    ['2h45m', 9900000000000n],
    ['1us', 1000n],
    ['9223372036854775807ns', 9223372036854775807n],
  ];
  for (const [s, ns] of parsed) assert.equal(parseDuration(s), ns, s);
  assert.throws(() => parseDuration('1'), { message: 'time: missing unit in duration "1"' });
  assert.throws(() => parseDuration('1x'), { message: 'time: unknown unit "x" in duration "1x"' });
  assert.throws(() => parseDuration('9223372036854775808ns'), { message: 'time: invalid duration "9223372036854775808ns"' });
  assert.throws(() => parseDuration('abc'), { message: 'time: invalid duration "abc"' });

  const printed: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [999n, '999ns'],
    [1000n, '1µs'],
    [1500n, '1.5µs'],
    [999999n, '999.999µs'],
    [1000000n, '1ms'],
    [1234567n, '1.234567ms'],
    [999999999n, '999.999999ms'],
    [1000000000n, '1s'],
    [61000000000n, '1m1s'],
    [3661000000001n, '1h1m1.000000001s'],
    [-1500n, '-1.5µs'],
    [5000857012n, '5.000857012s'],
  ];
  for (const [ns, s] of printed) assert.equal(formatDuration(ns), s, String(ns));
});

test('go-humanize Bytes, with Go rounding half to even', () => {
  const cases: [bigint, string][] = [
    [0n, '0 B'],
    [9n, '9 B'],
    [10n, '10 B'],
    [999n, '999 B'],
    [1000n, '1.0 kB'],
    [1500n, '1.5 kB'],
    [20480n, '20 kB'],
    [20500n, '20 kB'],
    [25500n, '26 kB'],
    [999999n, '1000 kB'],
    [1000000n, '1.0 MB'],
    [123456789n, '124 MB'],
    [1n << 40n, '1.1 TB'],
  ];
  for (const [n, s] of cases) assert.equal(humanizeBytes(n), s, String(n));
});

test('encoding/json strings and generated Go field names', () => {
  assert.equal(goJsonString(Buffer.concat([Buffer.from('<>&\u2028\x01"\\\t'), Buffer.from([0xff])])), '"\\u003c\\u003e\\u0026\\u2028\\u0001\\"\\\\\\t\\ufffd"');
  assert.equal(goJsonString('<a>', false), '"<a>"');
  assert.equal(goFieldName('response_delete_range'), 'ResponseDeleteRange');
  assert.equal(goFieldName('ID'), 'ID');
});

test('tablewriter: centred upper-case headers, right-aligned cells, wrapping at 30 columns', () => {
  const got = renderTable(
    ['endpoint', 'a_b', 'x.y', 'errors'],
    [
      ['e1', '1', '2', 'memberID:5307316740902874807 alarm:NOSPACE '],
      ['endpoint-two', '', 'x', 'short'],
      ['e3', 'a b c d e f g h i j k l m n o p q r s t u v w x y z', 'y', ''],
    ],
  );
  const want = [
    '+--------------+--------------------------------+-----+--------------------------------+',
    '|   ENDPOINT   |              A B               | X Y |             ERRORS             |',
    '+--------------+--------------------------------+-----+--------------------------------+',
    '|           e1 |                              1 |   2 |   memberID:5307316740902874807 |',
    '|              |                                |     |                 alarm:NOSPACE  |',
    '| endpoint-two |                                |   x |                          short |',
    '|           e3 |  a b c d e f g h i j k l m n o |   y |                                |',
    '|              |          p q r s t u v w x y z |     |                                |',
    '+--------------+--------------------------------+-----+--------------------------------+',
    '',
  ].join('\n');
  assert.equal(got, want);
});

test('tabwriter: tab-padded columns per block of lines', () => {
  const text = 'NAME:\n\tget - Gets\n\nOPTIONS:\n      --consistency="l"\tL\n      --from-key[=false]\tF\n      --print-value-only[=false]\tP\n';
  const want =
    'NAME:\n\tget - Gets\n\nOPTIONS:\n      --consistency="l"\t\t\tL\n      --from-key[=false]\t\tF\n      --print-value-only[=false]\tP\n';
  assert.equal(tabwrite(text), want);
});

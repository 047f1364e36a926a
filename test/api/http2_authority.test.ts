/**
 * The `:authority` rewriter on byte level: the Huffman code against RFC 7541's facts; header
 * blocks with every kind of field, raw and Huffman values, with and without '/'; HEADERS frames
 * with padding and priority; the connection stream cut at every byte; and input it does not
 * understand, which must pass unchanged. Blocks are built here by a small HPACK encoder, and
 * also captured from node:http2's own client (nghttp2's encoder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import {
  AuthorityRewriter,
  HTTP2_CLIENT_PREFACE,
  huffmanCodeOf,
  huffmanDecode,
  huffmanEncode,
  rewriteAuthorityInHeaderBlock,
  rewriteAuthorityInHeadersFrame,
} from '../../src/api/http2_authority.js';
import { SeededRand } from '../../src/base/rand.js';

// ---- a small HPACK encoder (RFC 7541 §5, §6) ----

function hpackInteger(value: number, prefixBits: number, firstByteHighBits: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByteHighBits | value]);
  const out = [firstByteHighBits | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Buffer.from(out);
}

function hpackString(text: string, huffman: boolean): Buffer {
  const octets = huffman ? huffmanEncode(Buffer.from(text, 'latin1')) : Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(octets.length, 7, huffman ? 0x80 : 0), octets]);
}

type Indexing = 'incremental' | 'without' | 'never';
const LITERAL_PREFIX: Record<Indexing, { bits: number; high: number }> = {
  incremental: { bits: 6, high: 0x40 },
  without: { bits: 4, high: 0x00 },
  never: { bits: 4, high: 0x10 },
};

/** A literal field whose name is a table index (1 is :authority). */
function literalIndexedName(nameIndex: number, value: string, opts: { huffman?: boolean; indexing?: Indexing } = {}): Buffer {
  const { bits, high } = LITERAL_PREFIX[opts.indexing ?? 'incremental'];
  return Buffer.concat([hpackInteger(nameIndex, bits, high), hpackString(value, opts.huffman ?? false)]);
}

/** A literal field with a literal name. */
function literalNewName(name: string, value: string, opts: { huffman?: boolean; nameHuffman?: boolean; indexing?: Indexing } = {}): Buffer {
  const { bits, high } = LITERAL_PREFIX[opts.indexing ?? 'incremental'];
  return Buffer.concat([hpackInteger(0, bits, high), hpackString(name, opts.nameHuffman ?? false), hpackString(value, opts.huffman ?? false)]);
}

const indexed = (index: number): Buffer => hpackInteger(index, 7, 0x80);
const tableSizeUpdate = (size: number): Buffer => hpackInteger(size, 5, 0x20);

/** A request header block in the shape gRPC clients send, with `authority` as given. */
function grpcRequestBlock(authority: Buffer): Buffer {
  return Buffer.concat([
    indexed(3), // :method POST
    indexed(6), // :scheme http
    literalIndexedName(4, '/etcdserverpb.Maintenance/Status', { huffman: true }), // :path
    authority,
    literalIndexedName(31, 'application/grpc', { huffman: true }), // content-type
    literalNewName('te', 'trailers'),
    literalNewName('user-agent', 'grpc-go/1.26.0', { huffman: true, nameHuffman: true, indexing: 'without' }),
  ]);
}

const URL_AUTHORITY = 'http://127.0.0.1:42379';
const FIXED_AUTHORITY = 'http:--127.0.0.1:42379';

// ---- frames ----

const HEADERS = 0x1;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

function headersFrame(block: Buffer, opts: { streamId?: number; padding?: number; priority?: boolean; endHeaders?: boolean } = {}): Buffer {
  let flags = END_STREAM | (opts.endHeaders === false ? 0 : END_HEADERS);
  const parts: Buffer[] = [];
  if (opts.padding !== undefined) {
    flags |= PADDED;
    parts.push(Buffer.from([opts.padding]));
  }
  if (opts.priority) {
    flags |= PRIORITY;
    parts.push(Buffer.from([0x80, 0, 0, 3, 200])); // exclusive dependency on stream 3, weight 201
  }
  parts.push(block);
  if (opts.padding !== undefined) parts.push(Buffer.alloc(opts.padding, 0x2f)); // padding of '/' bytes must stay
  return frame(HEADERS, flags, opts.streamId ?? 1, Buffer.concat(parts));
}

const SETTINGS_FRAME = frame(0x4, 0, 0, Buffer.from([0, 3, 0, 0, 0, 100, 0, 4, 0, 0x40, 0, 0]));
const WINDOW_UPDATE_FRAME = frame(0x8, 0, 0, Buffer.from([0, 0x0f, 0, 0x01]));
const SETTINGS_ACK = frame(0x4, 0x1, 0, Buffer.alloc(0));
const dataFrame = (streamId: number, payload: Buffer): Buffer => frame(0x0, 0x1, streamId, payload);

// ---- the Huffman code ----

test('the Huffman code has RFC 7541 codes, and decodes what it encodes', () => {
  assert.deepEqual(huffmanCodeOf(0x2f), { code: 0x18, bits: 6 }); // '/'
  assert.deepEqual(huffmanCodeOf(0x2d), { code: 0x16, bits: 6 }); // '-'
  assert.deepEqual(huffmanCodeOf(0x30), { code: 0x0, bits: 5 }); // '0'
  assert.deepEqual(huffmanCodeOf(0x3a), { code: 0x5c, bits: 7 }); // ':'
  assert.deepEqual(huffmanCodeOf(0x00), { code: 0x1ff8, bits: 13 });
  assert.deepEqual(huffmanCodeOf(0xff), { code: 0x3ffffee, bits: 26 });
  assert.deepEqual(huffmanCodeOf(256), { code: 0x3fffffff, bits: 30 }); // EOS
  // RFC 7541 C.4.1: "www.example.com".
  assert.equal(huffmanEncode(Buffer.from('www.example.com')).toString('hex'), 'f1e3c2e5f23a6ba0ab90f4ff');
  const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual(huffmanDecode(huffmanEncode(everyByte)), everyByte);
  assert.deepEqual(huffmanDecode(huffmanEncode(Buffer.from(URL_AUTHORITY))), Buffer.from(URL_AUTHORITY));
});

test('invalid Huffman input is recognised: EOS inside, padding of zeros or longer than 7 bits', () => {
  assert.equal(huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff])), undefined); // EOS (30 ones)
  assert.equal(huffmanDecode(Buffer.from([0x00])), undefined); // '0' (00000) then 000 padding
  const a = huffmanEncode(Buffer.from('a')); // 00011 + 111 padding
  assert.deepEqual(huffmanDecode(a), Buffer.from('a'));
  assert.equal(huffmanDecode(Buffer.concat([a, Buffer.from([0xff])])), undefined); // 11 bits of padding
});

// ---- header blocks ----

test('a raw :authority value that is a URL gets its slashes replaced, and nothing else changes', () => {
  const block = grpcRequestBlock(literalIndexedName(1, URL_AUTHORITY));
  const rewritten = rewriteAuthorityInHeaderBlock(block);
  assert.ok(rewritten);
  assert.equal(rewritten.fields, 1);
  assert.deepEqual(rewritten.block, grpcRequestBlock(literalIndexedName(1, FIXED_AUTHORITY)));
  assert.equal(block.toString('latin1').includes(URL_AUTHORITY), true, 'the input is not modified');
});

test('a Huffman-coded :authority value is rewritten code for code, keeping its length', () => {
  const block = grpcRequestBlock(literalIndexedName(1, URL_AUTHORITY, { huffman: true }));
  const expected = grpcRequestBlock(literalIndexedName(1, FIXED_AUTHORITY, { huffman: true }));
  assert.equal(expected.length, block.length);
  assert.deepEqual(rewriteAuthorityInHeaderBlock(block)?.block, expected);
  // Slashes at every bit alignment: a prefix of 0..7 one-bit-shifting symbols before them.
  for (let shift = 0; shift < 8; shift++) {
    const value = `${'0'.repeat(shift)}a/b//c/${'x'.repeat(shift)}/`;
    const out = rewriteAuthorityInHeaderBlock(literalIndexedName(1, value, { huffman: true }));
    assert.deepEqual(out?.block, literalIndexedName(1, value.replaceAll('/', '-'), { huffman: true }), value);
  }
});

test('every literal representation of :authority is rewritten: by static index or by name, raw or Huffman name, any indexing', () => {
  for (const indexing of ['incremental', 'without', 'never'] as const) {
    for (const huffman of [false, true]) {
      const byIndex = rewriteAuthorityInHeaderBlock(literalIndexedName(1, URL_AUTHORITY, { huffman, indexing }));
      assert.deepEqual(byIndex?.block, literalIndexedName(1, FIXED_AUTHORITY, { huffman, indexing }), `${indexing} huffman=${huffman}`);
      for (const nameHuffman of [false, true]) {
        const byName = rewriteAuthorityInHeaderBlock(literalNewName(':authority', URL_AUTHORITY, { huffman, nameHuffman, indexing }));
        assert.deepEqual(byName?.block, literalNewName(':authority', FIXED_AUTHORITY, { huffman, nameHuffman, indexing }));
      }
    }
  }
});

test('authorities without a slash, and other fields with slashes, are left alone', () => {
  for (const huffman of [false, true]) {
    assert.equal(rewriteAuthorityInHeaderBlock(grpcRequestBlock(literalIndexedName(1, '127.0.0.1:42379', { huffman }))), undefined);
  }
  const others = Buffer.concat([
    literalIndexedName(4, '/etcdserverpb.KV/Range'), // :path
    literalIndexedName(4, '/etcdserverpb.KV/Put', { huffman: true }),
    literalNewName('x-origin', 'http://example.com/a/b', { huffman: true }),
    literalNewName(':authorit', 'http://x/'), // a name that only starts like :authority
    literalNewName(':authorityx', 'http://x/', { nameHuffman: true }),
    literalIndexedName(2, 'http://x/'), // :method, static index 2
    indexed(1), // an indexed :authority (the table's value, nothing to rewrite here)
  ]);
  assert.equal(rewriteAuthorityInHeaderBlock(others), undefined);
  // The same fields around a URL authority: only the authority's bytes change.
  const mixed = Buffer.concat([others, literalIndexedName(1, URL_AUTHORITY), others]);
  const out = rewriteAuthorityInHeaderBlock(mixed);
  assert.deepEqual(out?.block, Buffer.concat([others, literalIndexedName(1, FIXED_AUTHORITY), others]));
});

test('multi-byte integers, table size updates and indexed fields are walked over', () => {
  const long = `http://${'h'.repeat(300)}:2379/`; // a length needing two continuation bytes
  const block = Buffer.concat([
    tableSizeUpdate(0),
    tableSizeUpdate(4096), // 4096 ≥ 31: a multi-byte integer
    indexed(62), // a dynamic-table entry (index ≥ 127 would be multi-byte too)
    indexed(200),
    literalIndexedName(58, 'grpc-go/1.26.0', { indexing: 'without' }), // user-agent: 58 ≥ 15, multi-byte index
    literalIndexedName(1, long, { huffman: true }),
    literalIndexedName(1, long),
  ]);
  const out = rewriteAuthorityInHeaderBlock(block);
  assert.equal(out?.fields, 2);
  const fixed = long.replaceAll('/', '-');
  assert.deepEqual(
    out?.block,
    Buffer.concat([
      tableSizeUpdate(0),
      tableSizeUpdate(4096),
      indexed(62),
      indexed(200),
      literalIndexedName(58, 'grpc-go/1.26.0', { indexing: 'without' }),
      literalIndexedName(1, fixed, { huffman: true }),
      literalIndexedName(1, fixed),
    ]),
  );
});

test('a block it does not understand is left alone entirely', () => {
  const authority = literalIndexedName(1, URL_AUTHORITY);
  const cases: Record<string, Buffer> = {
    'indexed field 0': Buffer.concat([authority, indexed(0)]),
    'string longer than the block': Buffer.concat([authority, Buffer.from([0x40, 0x7f, 0x61])]),
    'integer that never ends': Buffer.concat([authority, Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]),
    'block cut inside a field': Buffer.concat([authority, literalNewName('te', 'trailers').subarray(0, 3)]),
    'invalid Huffman in the authority': Buffer.from([0x41, 0x82, 0xff, 0xff]),
  };
  for (const [what, block] of Object.entries(cases)) assert.equal(rewriteAuthorityInHeaderBlock(block), undefined, what);
  // The first fragment of a block continued in CONTINUATION frames may end inside a field.
  const fragment = Buffer.concat([authority, literalNewName('te', 'trailers').subarray(0, 3)]);
  assert.deepEqual(
    rewriteAuthorityInHeaderBlock(fragment, false)?.block,
    Buffer.concat([literalIndexedName(1, FIXED_AUTHORITY), literalNewName('te', 'trailers').subarray(0, 3)]),
  );
  assert.equal(rewriteAuthorityInHeaderBlock(Buffer.concat([authority.subarray(0, 5)]), false), undefined, 'the authority itself cut');
});

// ---- frames ----

test('HEADERS frames with padding and priority: only the header block is rewritten', () => {
  const block = grpcRequestBlock(literalIndexedName(1, URL_AUTHORITY, { huffman: true }));
  const fixedBlock = grpcRequestBlock(literalIndexedName(1, FIXED_AUTHORITY, { huffman: true }));
  const shapes = [{}, { padding: 0 }, { padding: 7 }, { priority: true }, { padding: 3, priority: true }, { endHeaders: false }];
  for (const shape of shapes) {
    const out = rewriteAuthorityInHeadersFrame(headersFrame(block, shape));
    assert.deepEqual(out?.frame, headersFrame(fixedBlock, shape), JSON.stringify(shape));
  }
  const noSlash = headersFrame(grpcRequestBlock(literalIndexedName(1, '127.0.0.1:42379')), { padding: 4, priority: true });
  assert.equal(rewriteAuthorityInHeadersFrame(noSlash), undefined);

  const inconsistent = headersFrame(block, { padding: 2 });
  inconsistent[9] = 255; // more padding than payload
  assert.equal(rewriteAuthorityInHeadersFrame(inconsistent), undefined);
  const wrongLength = headersFrame(block);
  wrongLength[2] = (wrongLength[2] as number) + 1;
  assert.equal(rewriteAuthorityInHeadersFrame(wrongLength), undefined);
  assert.equal(rewriteAuthorityInHeadersFrame(dataFrame(1, block)), undefined, 'not a HEADERS frame');
});

// ---- the connection stream ----

/** What a client sends on a connection: preface, settings, two requests and some other frames. */
function clientStream(authority: string, dataBytes = 3000): { input: Buffer; expected: Buffer } {
  const fixed = authority.replaceAll('/', '-');
  const parts = (value: string): Buffer[] => [
    HTTP2_CLIENT_PREFACE,
    SETTINGS_FRAME,
    WINDOW_UPDATE_FRAME,
    headersFrame(grpcRequestBlock(literalIndexedName(1, value, { huffman: true })), { streamId: 1, padding: 5 }),
    dataFrame(1, Buffer.alloc(dataBytes, 0x2f)),
    SETTINGS_ACK,
    headersFrame(grpcRequestBlock(literalIndexedName(1, value)), { streamId: 3, priority: true }),
    dataFrame(3, Buffer.from([0, 0, 0, 0, 0])),
    headersFrame(grpcRequestBlock(indexed(62)), { streamId: 5 }), // later requests name the entry
  ];
  return { input: Buffer.concat(parts(authority)), expected: Buffer.concat(parts(fixed)) };
}

function feed(rewriter: AuthorityRewriter, chunks: Buffer[]): Buffer {
  return Buffer.concat([...chunks.map((c) => rewriter.push(c)), rewriter.end()]);
}

test('the stream is rewritten the same however it is cut: at every byte boundary, byte by byte, at random', () => {
  const { input, expected } = clientStream(URL_AUTHORITY);
  const whole = new AuthorityRewriter();
  assert.deepEqual(feed(whole, [input]), expected);
  assert.equal(whole.rewrittenFields, 2);
  for (let cut = 1; cut < input.length; cut++) {
    const out = feed(new AuthorityRewriter(), [input.subarray(0, cut), input.subarray(cut)]);
    if (!out.equals(expected)) assert.fail(`cut at ${cut}: output differs`);
  }
  const small = clientStream('http://a:1'); // byte by byte: keep it short
  assert.deepEqual(feed(new AuthorityRewriter(), [...small.input].map((b) => Buffer.from([b]))), small.expected);
  const rand = new SeededRand(20240607);
  const large = clientStream(URL_AUTHORITY, 100_000); // a DATA frame larger than anything held
  for (let round = 0; round < 200; round++) {
    const { input, expected } = large;
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length; ) {
      const size = 1 + rand.int(rand.int(4) === 0 ? 20_000 : 64);
      chunks.push(input.subarray(at, at + size));
      at += size;
    }
    const out = feed(new AuthorityRewriter(), chunks);
    if (!out.equals(expected)) assert.fail(`random cut round ${round}: output differs`);
  }
});

test('only a cut frame header or a HEADERS frame not yet whole is held back', () => {
  const rewriter = new AuthorityRewriter();
  const data = dataFrame(1, Buffer.alloc(100_000, 7));
  const start = Buffer.concat([HTTP2_CLIENT_PREFACE, SETTINGS_FRAME, data.subarray(0, 5000)]);
  assert.equal(rewriter.push(start).length, start.length, 'the DATA payload passes as it comes');
  assert.equal(rewriter.push(data.subarray(5000, 6000)).length, 1000);
  assert.equal(rewriter.push(data.subarray(6000)).length, data.length - 6000);
  const headers = headersFrame(grpcRequestBlock(literalIndexedName(1, URL_AUTHORITY)));
  assert.equal(rewriter.push(headers.subarray(0, 4)).length, 0, 'a frame header cut short is held');
  assert.equal(rewriter.push(headers.subarray(4, 20)).length, 0, 'a HEADERS frame is held until whole');
  assert.equal(rewriter.end().length, 20, 'what is held passes unchanged at the end');

  // The smallest HEADERS frame with an authority to rewrite (5 bytes of payload) is held too.
  const tiny = (value: string): Buffer => Buffer.concat([HTTP2_CLIENT_PREFACE, headersFrame(literalIndexedName(1, value, { huffman: true }))]);
  assert.deepEqual(feed(new AuthorityRewriter(), [tiny('a/b')]), tiny('a-b'));

  // A HEADERS frame larger than the default maximum frame size is not held: the server rejects it.
  const big = headersFrame(Buffer.concat([literalIndexedName(1, URL_AUTHORITY), literalNewName('x-big', 'v'.repeat(17_000))]));
  const bigRewriter = new AuthorityRewriter();
  const prefix = Buffer.concat([HTTP2_CLIENT_PREFACE, big.subarray(0, 100)]);
  assert.deepEqual(bigRewriter.push(prefix), prefix);
  assert.deepEqual(bigRewriter.push(big.subarray(100)), big.subarray(100));
});

test('a connection that does not start with the HTTP/2 preface, and garbage frames, pass unchanged', () => {
  const http1 = Buffer.from(`GET /health HTTP/1.1\r\nHost: ${URL_AUTHORITY}\r\n\r\n`);
  const r1 = new AuthorityRewriter();
  assert.deepEqual(feed(r1, [http1.subarray(0, 3), http1.subarray(3)]), http1);
  assert.equal(r1.isHttp2, false);
  // A preface cut off and continued wrongly.
  const wrongPreface = Buffer.concat([HTTP2_CLIENT_PREFACE.subarray(0, 10), headersFrame(literalIndexedName(1, URL_AUTHORITY))]);
  assert.deepEqual(feed(new AuthorityRewriter(), [wrongPreface]), wrongPreface);

  const rand = new SeededRand(7);
  for (let round = 0; round < 50; round++) {
    const garbage = Buffer.from(Array.from({ length: 2000 }, () => rand.int(256)));
    const input = Buffer.concat([HTTP2_CLIENT_PREFACE, garbage]);
    const rewriter = new AuthorityRewriter();
    assert.deepEqual(feed(rewriter, [input.subarray(0, 700), input.subarray(700)]), input);
    assert.equal(rewriter.isHttp2, true);
  }
  // HEADERS frames of garbage: every byte value at the start of the block.
  for (let b = 0; b < 256; b++) {
    const f = headersFrame(Buffer.from([b, 0xff, 0xff, 0xff, 0x2f, 0x2f]));
    assert.deepEqual(feed(new AuthorityRewriter(), [Buffer.concat([HTTP2_CLIENT_PREFACE, f])]), Buffer.concat([HTTP2_CLIENT_PREFACE, f]));
  }
});

test("nghttp2's encoder (node:http2's client): the URL authorities of a whole connection are found and rewritten", async () => {
  // A TCP server that records what the client sends and answers nothing.
  const received: Buffer[] = [];
  const server = net.createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const authority = `http://127.0.0.1:${port}`;
  for (const path of ['/a', '/b/c', '/d']) {
    const req = session.request({ ':method': 'POST', ':path': path, ':authority': authority, 'x-url': 'http://example.com/x' });
    req.on('error', () => {});
    req.end('body/with/slashes');
  }
  const expectedRequests = 3;
  const bodiesSent = (): number => (Buffer.concat(received).toString('latin1').match(/body\/with\/slashes/g) ?? []).length;
  for (const deadline = Date.now() + 5000; bodiesSent() < expectedRequests && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  session.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.equal(bodiesSent(), expectedRequests);
  const rewriter = new AuthorityRewriter();
  const input = Buffer.concat(received);
  const output = feed(rewriter, received);
  assert.equal(output.length, input.length);
  // nghttp2 adds the authority to its dynamic table once; later requests refer to it by index.
  assert.equal(rewriter.rewrittenFields, 1);
  const diff = [...input.keys()].filter((i) => input[i] !== output[i]);
  assert.ok(diff.length > 0 && diff.length <= 4, `changed bytes: ${diff.join(',')}`);
  // The request bodies (DATA frames) and the other headers are untouched.
  assert.equal((output.toString('latin1').match(/body\/with\/slashes/g) ?? []).length, expectedRequests);
});

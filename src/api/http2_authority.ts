/**
 * Makes requests whose `:authority` is a URL acceptable to Node's HTTP/2 server.
 *
 * etcdctl 3.4 with `--cluster` dials each member's client URL as the gRPC target
 * `passthrough:///http://host:port`, so its requests carry `:authority: http://host:port`. nghttp2
 * (under node:http2, under grpc-js) resets such a stream with PROTOCOL_ERROR before grpc-js sees
 * it, because '/' may not appear in an authority; Go's server, and so etcd, accepts it, and Node
 * has no switch for that check. So the client→server byte stream is rewritten on its way to the
 * HTTP/2 server: every '/' in an `:authority` value becomes '-'. That keeps every length: in a raw
 * string literal it is one byte for another, and in a Huffman-coded one '/' and '-' both have
 * 6-bit codes. Nothing else changes, and nothing in tetcd reads the authority.
 *
 * The rewrite is best effort and never makes things worse: whatever this parser does not follow
 * passes through unchanged, and the server then judges it as it would have. Not rewritten:
 * - an `:authority` field in a CONTINUATION frame: pseudo-header fields come first in a header
 *   block, so in practice the field is in the HEADERS frame, whose part of the block is rewritten;
 * - a literal field whose name refers to a dynamic-table entry named `:authority`: encoders (Go's,
 *   nghttp2's) name it by its static index, and following the dynamic table would mean mirroring
 *   the server's HPACK decoder. A field that refers to a whole dynamic entry needs nothing: the
 *   entry was added by a literal this rewriter already fixed, so the server's copy is fixed too;
 * - a HEADERS frame longer than HTTP/2's default maximum frame size (the server rejects it anyway).
 */
import { invariant } from '../base/assert.js';

/** What every HTTP/2 client sends first (RFC 9113 §3.4). */
export const HTTP2_CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FRAME_HEADER_LENGTH = 9;
const FRAME_TYPE_HEADERS = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** SETTINGS_MAX_FRAME_SIZE's initial value, which the server (grpc-js's defaults) keeps. */
const MAX_HELD_FRAME_PAYLOAD = 16_384;

const SLASH = 0x2f;
const DASH = 0x2d;
const AUTHORITY_NAME = Buffer.from(':authority', 'latin1');
/** `:authority`'s index in HPACK's static table (RFC 7541 Appendix A). */
const AUTHORITY_STATIC_INDEX = 1;

// ---- HPACK Huffman code (RFC 7541 Appendix B) ----

/**
 * The code length in bits of each symbol, 0..255 and EOS (256). The code is canonical (codes are
 * consecutive in order of length, then symbol), so the lengths determine the codes.
 */
const HUFFMAN_CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 32-47
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 48-63
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 64-79
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 80-95
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 96-111
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 112-127
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
  30, // EOS
];
const EOS = 256;
const MAX_CODE_LENGTH = 30;

interface HuffmanCode {
  /** code[symbol], right-aligned. */
  codes: Uint32Array;
  /** Canonical decoding: for each length, the first code, how many codes, and where their symbols start in `symbols`. */
  firstCode: Uint32Array;
  count: Uint32Array;
  firstSymbolAt: Uint32Array;
  /** Symbols ordered by (code length, symbol), which is code order. */
  symbols: Uint16Array;
}

function buildHuffmanCode(): HuffmanCode {
  invariant(HUFFMAN_CODE_LENGTHS.length === EOS + 1, 'the Huffman table has a length for every symbol and EOS');
  const symbols = Uint16Array.from(HUFFMAN_CODE_LENGTHS.keys()).sort(
    (a, b) => HUFFMAN_CODE_LENGTHS[a] - HUFFMAN_CODE_LENGTHS[b] || a - b,
  );
  const codes = new Uint32Array(EOS + 1);
  const firstCode = new Uint32Array(MAX_CODE_LENGTH + 1);
  const count = new Uint32Array(MAX_CODE_LENGTH + 1);
  const firstSymbolAt = new Uint32Array(MAX_CODE_LENGTH + 1);
  let code = 0;
  let length = 0;
  symbols.forEach((symbol, i) => {
    const symbolLength = HUFFMAN_CODE_LENGTHS[symbol];
    if (i > 0) code = (code + 1) * 2 ** (symbolLength - length);
    if (symbolLength !== length || i === 0) {
      firstCode[symbolLength] = code;
      firstSymbolAt[symbolLength] = i;
    }
    length = symbolLength;
    codes[symbol] = code;
    count[symbolLength]++;
  });
  // A complete prefix code ends on the all-ones code of the longest length (EOS's).
  invariant(code === 2 ** MAX_CODE_LENGTH - 1 && codes[EOS] === code, 'the Huffman code lengths form a complete canonical code');
  return { codes, firstCode, count, firstSymbolAt, symbols };
}

const HUFFMAN = buildHuffmanCode();
invariant(
  HUFFMAN_CODE_LENGTHS[SLASH] === HUFFMAN_CODE_LENGTHS[DASH],
  "'/' and '-' have Huffman codes of one length, so replacing one by the other keeps every length",
);

/** The code of `symbol` and its length in bits (exported for tests). */
export function huffmanCodeOf(symbol: number): { code: number; bits: number } {
  invariant(Number.isInteger(symbol) && symbol >= 0 && symbol <= EOS, () => `no Huffman symbol ${symbol}`);
  return { code: HUFFMAN.codes[symbol], bits: HUFFMAN_CODE_LENGTHS[symbol] };
}

/** HPACK's Huffman encoding of `bytes`, padded with the most significant bits of EOS (all ones). */
export function huffmanEncode(bytes: Uint8Array): Buffer {
  let bits = 0;
  for (const b of bytes) bits += HUFFMAN_CODE_LENGTHS[b];
  const out = Buffer.alloc(Math.ceil(bits / 8), 0xff);
  let at = 0;
  for (const b of bytes) {
    writeBits(out, at, HUFFMAN.codes[b], HUFFMAN_CODE_LENGTHS[b]);
    at += HUFFMAN_CODE_LENGTHS[b];
  }
  return out;
}

function writeBits(out: Uint8Array, bitOffset: number, code: number, bits: number): void {
  for (let i = 0; i < bits; i++) {
    const bit = Math.floor(code / 2 ** (bits - 1 - i)) & 1;
    const at = bitOffset + i;
    const mask = 0x80 >> (at & 7);
    out[at >> 3] = bit ? out[at >> 3] | mask : out[at >> 3] & ~mask;
  }
}

/**
 * Walks the Huffman-coded bytes `data[start, end)`, calling `visit` with each symbol and the bit
 * offset (from `start`) where its code begins. Returns false when the data is not valid HPACK
 * Huffman: an EOS symbol, or padding longer than 7 bits or not all ones (RFC 7541 §5.2).
 */
function walkHuffman(data: Uint8Array, start: number, end: number, visit: (symbol: number, bitOffset: number) => void): boolean {
  let code = 0;
  let length = 0;
  let codeStart = 0;
  const totalBits = (end - start) * 8;
  for (let at = 0; at < totalBits; at++) {
    const bit = (data[start + (at >> 3)] >> (7 - (at & 7))) & 1;
    code = code * 2 + bit;
    length++;
    const index = code - HUFFMAN.firstCode[length];
    if (index >= 0 && index < HUFFMAN.count[length]) {
      const symbol = HUFFMAN.symbols[HUFFMAN.firstSymbolAt[length] + index];
      if (symbol === EOS) return false;
      visit(symbol, codeStart);
      code = 0;
      length = 0;
      codeStart = at + 1;
    } else if (length === MAX_CODE_LENGTH) {
      return false;
    }
  }
  return length < 8 && code === 2 ** length - 1;
}

/** The bytes that Huffman-coded `data[start, end)` stands for, or undefined if it is invalid. */
export function huffmanDecode(data: Uint8Array, start = 0, end = data.length): Buffer | undefined {
  const out: number[] = [];
  return walkHuffman(data, start, end, (symbol) => out.push(symbol)) ? Buffer.from(out) : undefined;
}

const AUTHORITY_NAME_HUFFMAN = huffmanEncode(AUTHORITY_NAME);

// ---- HPACK header block ----

/** Where a string literal's octets are in the block, and whether they are Huffman-coded. */
interface StringLiteral {
  start: number;
  end: number;
  huffman: boolean;
}

/**
 * How far a header block was understood: all of it; up to a field cut off by the end of the
 * fragment (the block continues in CONTINUATION frames); or not (malformed or unknown).
 */
type BlockOutcome = 'complete' | 'truncated' | 'invalid';

/** Reads HPACK primitives (RFC 7541 §5) from `buf[pos, end)`; the first failure sticks. */
class BlockReader {
  outcome: BlockOutcome = 'complete';

  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  peek(): number {
    return this.buf[this.pos];
  }

  /** An integer whose first byte holds it in its low `prefixBits` bits; -1 if it cannot be read. */
  integer(prefixBits: number): number {
    if (this.pos >= this.end) return this.fail('truncated');
    const max = (1 << prefixBits) - 1;
    const value = this.buf[this.pos++] & max;
    if (value < max) return value;
    let extra = 0;
    // Four continuation bytes reach 2^28: more than any header block can hold or index.
    for (let shift = 0; shift <= 21; shift += 7) {
      if (this.pos >= this.end) return this.fail('truncated');
      const b = this.buf[this.pos++];
      extra += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return max + extra;
    }
    return this.fail('invalid');
  }

  /** A string literal (H bit, 7-bit-prefix length, octets); undefined if it cannot be read. */
  string(): StringLiteral | undefined {
    if (this.pos >= this.end) {
      this.fail('truncated');
      return undefined;
    }
    const huffman = (this.peek() & 0x80) !== 0;
    const length = this.integer(7);
    if (length < 0) return undefined;
    if (this.end - this.pos < length) {
      this.fail('truncated');
      return undefined;
    }
    const literal = { start: this.pos, end: this.pos + length, huffman };
    this.pos += length;
    return literal;
  }

  private fail(outcome: Exclude<BlockOutcome, 'complete'>): -1 {
    if (this.outcome === 'complete') this.outcome = outcome;
    return -1;
  }
}

function isAuthorityName(buf: Uint8Array, name: StringLiteral): boolean {
  const expected = name.huffman ? AUTHORITY_NAME_HUFFMAN : AUTHORITY_NAME;
  return name.end - name.start === expected.length && Buffer.from(buf.buffer, buf.byteOffset + name.start, expected.length).equals(expected);
}

/**
 * The value literals of the `:authority` fields in the header block `buf[start, end)`, in order,
 * with how far the block was understood. Only fields read in full are listed.
 */
function authorityValues(buf: Uint8Array, start: number, end: number): { values: StringLiteral[]; outcome: BlockOutcome } {
  const values: StringLiteral[] = [];
  const reader = new BlockReader(buf, start, end);
  while (!reader.atEnd && reader.outcome === 'complete') {
    const first = reader.peek();
    if (first & 0x80) {
      // Indexed field: a table entry, name and value, no literal to rewrite.
      if (reader.integer(7) === 0) return { values, outcome: 'invalid' };
      continue;
    }
    if ((first & 0xe0) === 0x20) {
      reader.integer(5); // dynamic table size update
      continue;
    }
    // Literal field: with incremental indexing (01, 6-bit name index), without indexing (0000)
    // or never indexed (0001), both with a 4-bit name index; index 0 means a literal name.
    const nameIndex = reader.integer((first & 0xc0) === 0x40 ? 6 : 4);
    if (nameIndex < 0) break;
    let authority = nameIndex === AUTHORITY_STATIC_INDEX;
    if (nameIndex === 0) {
      const name = reader.string();
      if (!name) break;
      authority = isAuthorityName(buf, name);
    }
    const value = reader.string();
    if (!value) break;
    if (authority) values.push(value);
  }
  return { values, outcome: reader.outcome };
}

/** Where the octets (raw) or codes (Huffman) of the '/' in a literal begin, as bit offsets in `buf`. */
function slashBitOffsets(buf: Uint8Array, literal: StringLiteral): number[] | undefined {
  const offsets: number[] = [];
  if (!literal.huffman) {
    for (let i = literal.start; i < literal.end; i++) if (buf[i] === SLASH) offsets.push(i * 8);
    return offsets;
  }
  const valid = walkHuffman(buf, literal.start, literal.end, (symbol, bitOffset) => {
    if (symbol === SLASH) offsets.push(literal.start * 8 + bitOffset);
  });
  return valid ? offsets : undefined;
}

/**
 * Rewrites the `:authority` values of a header block (or of its first fragment, when `complete`
 * is false): returns a copy of `block` with each '/' in them replaced by '-', and how many fields
 * changed; or undefined when nothing changes, including when the block is not understood.
 */
export function rewriteAuthorityInHeaderBlock(block: Uint8Array, complete = true): { block: Buffer; fields: number } | undefined {
  const rewritten = rewriteRange(block, 0, block.length, complete);
  return rewritten && { block: rewritten.bytes, fields: rewritten.fields };
}

/** rewriteAuthorityInHeaderBlock for the block at `bytes[start, end)`; the copy is of all `bytes`. */
function rewriteRange(bytes: Uint8Array, start: number, end: number, complete: boolean): { bytes: Buffer; fields: number } | undefined {
  const { values, outcome } = authorityValues(bytes, start, end);
  if (outcome === 'invalid' || (outcome === 'truncated' && complete)) return undefined;
  let copy: Buffer | undefined;
  let fields = 0;
  const dash = huffmanCodeOf(DASH);
  for (const value of values) {
    const slashes = slashBitOffsets(bytes, value);
    if (!slashes || slashes.length === 0) continue;
    copy ??= Buffer.from(bytes);
    for (const at of slashes) {
      if (value.huffman) writeBits(copy, at, dash.code, dash.bits);
      else copy[at / 8] = DASH;
    }
    fields++;
  }
  return copy && { bytes: copy, fields };
}

// ---- HTTP/2 frames ----

function framePayloadLength(buf: Uint8Array, at: number): number {
  return (buf[at] << 16) | (buf[at + 1] << 8) | buf[at + 2];
}

/** Whether the frame whose header starts at `at` is a HEADERS frame small enough to hold back. */
function isHeldFrame(buf: Uint8Array, at: number): boolean {
  const length = framePayloadLength(buf, at);
  return buf[at + 3] === FRAME_TYPE_HEADERS && length > 0 && length <= MAX_HELD_FRAME_PAYLOAD;
}

/**
 * Rewrites the `:authority` values in one whole HEADERS frame (9-byte header and payload): a
 * rewritten copy of the frame and how many fields changed, or undefined when nothing changes
 * (not a HEADERS frame, inconsistent padding or priority fields, no '/' in an authority, ...).
 */
export function rewriteAuthorityInHeadersFrame(frame: Uint8Array): { frame: Buffer; fields: number } | undefined {
  if (frame.length < FRAME_HEADER_LENGTH || frame[3] !== FRAME_TYPE_HEADERS) return undefined;
  if (framePayloadLength(frame, 0) !== frame.length - FRAME_HEADER_LENGTH) return undefined;
  const flags = frame[4];
  let blockStart = FRAME_HEADER_LENGTH;
  let blockEnd = frame.length;
  if (flags & FLAG_PADDED) {
    if (blockStart >= blockEnd) return undefined;
    blockEnd -= frame[blockStart];
    blockStart += 1;
  }
  if (flags & FLAG_PRIORITY) blockStart += 5; // stream dependency (4 bytes) and weight
  if (blockStart > blockEnd) return undefined;
  const rewritten = rewriteRange(frame, blockStart, blockEnd, (flags & FLAG_END_HEADERS) !== 0);
  return rewritten && { frame: rewritten.bytes, fields: rewritten.fields };
}

type StreamMode =
  /** Checking the connection preface; it passes as it comes. */
  | 'preface'
  /** At or in the header of a frame (or in a HEADERS frame being held back whole). */
  | 'frame'
  /** Passing the rest of a frame's payload. */
  | 'payload'
  /** Not an HTTP/2 connection as this parser understands it: everything passes unchanged. */
  | 'opaque';

/**
 * Rewrites the client→server bytes of one HTTP/2 connection as they arrive: HEADERS frames are
 * held back until whole and then rewritten (see rewriteAuthorityInHeadersFrame); every other byte
 * passes at once, in order. Only the bytes of a frame header cut by a chunk boundary, or of a
 * HEADERS frame not yet whole, are ever held.
 */
export class AuthorityRewriter {
  private mode: StreamMode = 'preface';
  private prefaceMatched = 0;
  private payloadLeft = 0;
  /** Bytes of the current frame held back (its header, or the HEADERS frame so far). */
  private held: Buffer[] = [];
  private heldLength = 0;
  /** How many bytes of the frame to hold: its header, or for a held HEADERS frame all of it. */
  private holdUntil = FRAME_HEADER_LENGTH;
  /** How many `:authority` fields were rewritten so far. */
  rewrittenFields = 0;

  /** Whether the connection began with the HTTP/2 preface; undefined until that is known. */
  get isHttp2(): boolean | undefined {
    if (this.mode === 'opaque') return false;
    return this.mode === 'preface' ? undefined : true;
  }

  /** Takes the next bytes the client sent; returns the bytes to hand on (possibly none). */
  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let pos = 0;
    /** Start of the bytes that pass unchanged and are not in `out` yet. */
    let passFrom = 0;
    const passUntil = (end: number): void => {
      if (end > passFrom) out.push(chunk.subarray(passFrom, end));
      passFrom = end;
    };
    while (pos < chunk.length) {
      switch (this.mode) {
        case 'opaque':
          pos = chunk.length;
          break;
        case 'preface':
          pos = this.matchPreface(chunk, pos);
          break;
        case 'payload': {
          const n = Math.min(this.payloadLeft, chunk.length - pos);
          pos += n;
          this.payloadLeft -= n;
          if (this.payloadLeft === 0) this.mode = 'frame';
          break;
        }
        case 'frame': {
          if (this.heldLength === 0 && chunk.length - pos >= FRAME_HEADER_LENGTH) {
            // The usual case: the header, and a HEADERS frame whole, are in this chunk.
            const frameLength = FRAME_HEADER_LENGTH + framePayloadLength(chunk, pos);
            if (!isHeldFrame(chunk, pos)) {
              this.startPayload(frameLength - FRAME_HEADER_LENGTH);
              pos += FRAME_HEADER_LENGTH;
              break;
            }
            if (chunk.length - pos >= frameLength) {
              const rewritten = this.rewriteFrame(chunk.subarray(pos, pos + frameLength));
              if (rewritten) {
                passUntil(pos);
                out.push(rewritten);
                passFrom = pos + frameLength;
              }
              pos += frameLength;
              break;
            }
          }
          if (this.heldLength === 0) {
            passUntil(pos);
            this.holdUntil = FRAME_HEADER_LENGTH;
          }
          const n = Math.min(this.holdUntil - this.heldLength, chunk.length - pos);
          this.held.push(chunk.subarray(pos, pos + n));
          this.heldLength += n;
          pos += n;
          passFrom = pos;
          if (this.heldLength < this.holdUntil) break;
          const held = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldLength);
          if (this.holdUntil === FRAME_HEADER_LENGTH && isHeldFrame(held, 0)) {
            this.held = [held];
            this.holdUntil = FRAME_HEADER_LENGTH + framePayloadLength(held, 0);
            break;
          }
          this.held = [];
          this.heldLength = 0;
          if (this.holdUntil === FRAME_HEADER_LENGTH) {
            out.push(held);
            this.startPayload(framePayloadLength(held, 0));
          } else {
            out.push(this.rewriteFrame(held) ?? held);
          }
          break;
        }
      }
    }
    passUntil(chunk.length);
    if (out.length === 1) return out[0];
    return Buffer.concat(out);
  }

  /** The client finished sending: whatever is held back passes unchanged. Nothing may follow. */
  end(): Buffer {
    const rest = Buffer.concat(this.held, this.heldLength);
    this.held = [];
    this.heldLength = 0;
    return rest;
  }

  private matchPreface(chunk: Buffer, pos: number): number {
    while (pos < chunk.length && this.prefaceMatched < HTTP2_CLIENT_PREFACE.length) {
      if (chunk[pos] !== HTTP2_CLIENT_PREFACE[this.prefaceMatched]) {
        this.mode = 'opaque';
        return pos;
      }
      pos++;
      this.prefaceMatched++;
    }
    if (this.prefaceMatched === HTTP2_CLIENT_PREFACE.length) this.mode = 'frame';
    return pos;
  }

  private startPayload(length: number): void {
    this.payloadLeft = length;
    this.mode = length > 0 ? 'payload' : 'frame';
  }

  private rewriteFrame(frame: Buffer): Buffer | undefined {
    const rewritten = rewriteAuthorityInHeadersFrame(frame);
    if (!rewritten) return undefined;
    this.rewrittenFields += rewritten.fields;
    return rewritten.frame;
  }
}

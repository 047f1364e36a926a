/**
 * Go's strconv as etcdctl's output and error messages show it: Quote (the `%q` verb), Unquote,
 * ParseInt/ParseUint/ParseBool with Go's exact error texts. Go strings are byte strings, so
 * everything here takes and returns Buffers where the bytes matter (keys and values are arbitrary
 * bytes; only printable UTF-8 is shown as is).
 */

/** A rune decoded the way Go's utf8.DecodeRune does: invalid input is U+FFFD of width 1. */
export interface DecodedRune {
  rune: number;
  width: number;
  /** True when the byte at this position does not start valid UTF-8. */
  invalid: boolean;
}

export const RUNE_ERROR = 0xfffd;

export function decodeRune(b: Uint8Array, i: number): DecodedRune {
  const bad: DecodedRune = { rune: RUNE_ERROR, width: 1, invalid: true };
  const c0 = b[i]!;
  if (c0 < 0x80) return { rune: c0, width: 1, invalid: false };
  const cont = (k: number): number => {
    const c = b[i + k];
    return c !== undefined && (c & 0xc0) === 0x80 ? c & 0x3f : -1;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? bad : { rune: ((c0 & 0x1f) << 6) | c1, width: 2, invalid: false };
  }
  if (c0 >= 0xe0 && c0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return bad;
    const r = ((c0 & 0x0f) << 12) | (c1 << 6) | c2;
    if (r < 0x800 || (r >= 0xd800 && r <= 0xdfff)) return bad;
    return { rune: r, width: 3, invalid: false };
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return bad;
    const r = ((c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    if (r < 0x10000 || r > 0x10ffff) return bad;
    return { rune: r, width: 4, invalid: false };
  }
  return bad;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(rune: number): boolean {
  if (rune < 0x80) return rune >= 0x20 && rune < 0x7f;
  return PRINTABLE.test(String.fromCodePoint(rune));
}

const SHORT_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** strconv.Quote: a double-quoted Go string literal (the `%q` verb on a string). */
export function quote(s: Uint8Array | string): string {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  let out = '"';
  for (let i = 0; i < b.length; ) {
    const { rune, width, invalid } = decodeRune(b, i);
    i += width;
    if (invalid) out += '\\x' + hex(b[i - 1]!, 2);
    else if (rune === 0x22 || rune === 0x5c) out += '\\' + String.fromCharCode(rune);
    else if (isPrint(rune)) out += String.fromCodePoint(rune);
    else if (SHORT_ESCAPES[rune] !== undefined) out += SHORT_ESCAPES[rune];
    else if (rune < 0x20 || rune === 0x7f) out += '\\x' + hex(rune, 2);
    else if (rune < 0x10000) out += '\\u' + hex(rune, 4);
    else out += '\\U' + hex(rune, 8);
  }
  return out + '"';
}

/** `%q` on a single byte (Go formats an integer as a quoted character literal). */
export function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x5c) return "'\\\\'";
  if (isPrint(c)) return `'${String.fromCharCode(c)}'`;
  if (SHORT_ESCAPES[c] !== undefined) return `'${SHORT_ESCAPES[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${hex(c, 2)}'`;
  return `'\\u${hex(c, 4)}'`;
}

export class SyntaxError extends Error {
  override name = 'GoSyntaxError';
  constructor() {
    super('invalid syntax');
  }
}

const SIMPLE_UNESCAPES: Record<number, number> = {
  0x61: 7, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11, 0x5c: 0x5c, 0x22: 0x22,
};

function encodeRune(rune: number, out: number[]): void {
  for (const byte of Buffer.from(String.fromCodePoint(rune), 'utf8')) out.push(byte);
}

/**
 * strconv.Unquote for double-quoted and back-quoted literals. Returns the bytes the literal
 * denotes (\x and octal escapes make arbitrary bytes); throws SyntaxError like Go.
 */
export function unquote(literal: Uint8Array): Buffer {
  const n = literal.length;
  if (n < 2) throw new SyntaxError();
  const q = literal[0]!;
  if (q !== literal[n - 1]) throw new SyntaxError();
  const body = literal.subarray(1, n - 1);
  if (q === 0x60) {
    if (body.includes(0x60)) throw new SyntaxError();
    return Buffer.from(body.filter((c) => c !== 0x0d));
  }
  if (q !== 0x22) throw new SyntaxError();
  if (body.includes(0x0a)) throw new SyntaxError();
  const out: number[] = [];
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === 0x22) throw new SyntaxError();
    if (c !== 0x5c) {
      // Go decodes rune by rune here, so a stray invalid byte comes out as U+FFFD.
      const { rune, width } = decodeRune(body, i);
      encodeRune(rune, out);
      i += width;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new SyntaxError();
    i += 2;
    const simple = SIMPLE_UNESCAPES[e];
    if (simple !== undefined) {
      out.push(simple);
      continue;
    }
    const digits = (count: number, radix: number): number => {
      const text = Buffer.from(body.subarray(i, i + count)).toString('latin1');
      const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
      if (text.length !== count || !valid.test(text)) throw new SyntaxError();
      i += count;
      return parseInt(text, radix);
    };
    if (e === 0x78) {
      out.push(digits(2, 16));
    } else if (e === 0x75 || e === 0x55) {
      const r = digits(e === 0x75 ? 4 : 8, 16);
      if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) throw new SyntaxError();
      encodeRune(r, out);
    } else if (e >= 0x30 && e <= 0x37) {
      i -= 1;
      const v = digits(3, 8);
      if (v > 255) throw new SyntaxError();
      out.push(v);
    } else {
      throw new SyntaxError();
    }
  }
  return Buffer.from(out);
}

/** A strconv.NumError, printed as Go prints it. */
export class NumError extends Error {
  override name = 'NumError';
  constructor(fn: string, input: string, reason: 'invalid syntax' | 'value out of range') {
    super(`strconv.${fn}: parsing ${quote(input)}: ${reason}`);
  }
}

const U64_MAX = (1n << 64n) - 1n;

function underscoreOK(s: string): boolean {
  // Underscores may only separate digits, or follow a base prefix ("0x_1" is fine).
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hexPrefix = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hexPrefix = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hexPrefix && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

function parseUintCore(fn: string, s: string, base: number, errInput: string): bigint {
  if (s === '') throw new NumError(fn, errInput, 'invalid syntax');
  const base0 = base === 0;
  const s0 = s;
  if (base0) {
    base = 10;
    if (s[0] === '0') {
      if (s.length >= 3 && (s[1] === 'b' || s[1] === 'B')) {
        base = 2;
        s = s.slice(2);
      } else if (s.length >= 3 && (s[1] === 'o' || s[1] === 'O')) {
        base = 8;
        s = s.slice(2);
      } else if (s.length >= 3 && (s[1] === 'x' || s[1] === 'X')) {
        base = 16;
        s = s.slice(2);
      } else {
        base = 8;
        s = s.slice(1);
      }
    }
  }
  let n = 0n;
  let underscores = false;
  const big = BigInt(base);
  for (const c of s) {
    if (c === '_' && base0) {
      underscores = true;
      continue;
    }
    const d = /[0-9]/.test(c) ? c.charCodeAt(0) - 48 : /[a-z]/i.test(c) ? c.toLowerCase().charCodeAt(0) - 87 : 99;
    if (d >= base) throw new NumError(fn, errInput, 'invalid syntax');
    n = n * big + BigInt(d);
    if (n > U64_MAX) throw new NumError(fn, errInput, 'value out of range');
  }
  if (underscores && !underscoreOK(s0)) throw new NumError(fn, errInput, 'invalid syntax');
  return n;
}

/** strconv.ParseUint(s, base, 64). Base 0 honours 0x/0o/0b/0 prefixes and underscores. */
export function parseUint(s: string, base: number): bigint {
  return parseUintCore('ParseUint', s, base, s);
}

/** strconv.ParseInt(s, base, 64). */
export function parseInt64(s: string, base: number): bigint {
  if (s === '') throw new NumError('ParseInt', s, 'invalid syntax');
  let body = s;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    body = s.slice(1);
  }
  const un = parseUintCore('ParseInt', body, base, s);
  const limit = 1n << 63n;
  if (!negative && un >= limit) throw new NumError('ParseInt', s, 'value out of range');
  if (negative && un > limit) throw new NumError('ParseInt', s, 'value out of range');
  return negative ? -un : un;
}

/** strconv.ParseBool. */
export function parseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new NumError('ParseBool', s, 'invalid syntax');
}

/** `%016x`-style hex of a 64-bit two's-complement value (lease IDs are int64). */
export function hexU64(v: bigint, width = 0, pad = '0'): string {
  return BigInt.asUintN(64, v).toString(16).padStart(width, pad);
}

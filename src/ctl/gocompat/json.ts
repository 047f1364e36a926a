/** Go's encoding/json string literals and generated Go field names. */
import { decodeRune } from './strconv.js';

const HEX = '0123456789abcdef';

function escapeRune(rune: number, htmlSafe: boolean): string | undefined {
  switch (rune) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
  }
  if (rune < 0x20 || (htmlSafe && (rune === 0x3c || rune === 0x3e || rune === 0x26))) {
    return '\\u00' + HEX[rune >> 4] + HEX[rune & 0xf];
  }
  if (rune === 0x2028 || rune === 0x2029) return '\\u202' + HEX[rune & 0xf];
  return undefined;
}

/**
 * A JSON string literal as Go writes it. `htmlSafe` (encoding/json's default) also escapes
 * < > &; zap (clientv3's logger) does not. Invalid UTF-8 becomes U+FFFD either way.
 */
export function goJsonString(value: string | Uint8Array, htmlSafe = true): string {
  const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let out = '"';
  for (let i = 0; i < b.length; ) {
    const { rune, width, invalid } = decodeRune(b, i);
    i += width;
    if (invalid) {
      out += '\\ufffd';
      continue;
    }
    out += escapeRune(rune, htmlSafe) ?? String.fromCodePoint(rune);
  }
  return out + '"';
}

/** Go's exported field name for a .proto name: "response_put" -> "ResponsePut". */
export function goFieldName(protoName: string): string {
  let out = '';
  let upperNext = true;
  for (const c of protoName) {
    if (c === '_') {
      upperNext = true;
      continue;
    }
    out += upperNext ? c.toUpperCase() : c;
    upperNext = false;
  }
  return out;
}

/**
 * Byte-string helpers and etcd's key-range rules. Keys are arbitrary bytes (never assume UTF-8).
 *
 * Range encoding (etcd's): an empty rangeEnd is the single key `key`; rangeEnd = "\0" means every
 * key >= key; key = "\0" with rangeEnd = "\0" means all keys; otherwise the half-open [key, rangeEnd).
 */

export const EMPTY = Buffer.alloc(0);
export const ZERO_BYTE = Buffer.from([0]);

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** True when rangeEnd is the one byte "\0", meaning "no upper bound". */
export function isOpenEnded(rangeEnd: Uint8Array): boolean {
  return rangeEnd.length === 1 && rangeEnd[0] === 0;
}

/** The smallest key greater than every key with this prefix; "\0" (open end) when none exists. */
export function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from(ZERO_BYTE);
}

/** Does the etcd range (key, rangeEnd) contain k? */
export function rangeContains(key: Uint8Array, rangeEnd: Uint8Array, k: Uint8Array): boolean {
  if (rangeEnd.length === 0) return bytesEqual(key, k);
  if (compareBytes(k, key) < 0) return false;
  if (isOpenEnded(rangeEnd)) return true;
  return compareBytes(k, rangeEnd) < 0;
}

export function toBuffer(b: Uint8Array | string | undefined | null): Buffer {
  if (b === undefined || b === null) return EMPTY;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Big-endian fixed-width encoding of a non-negative safe integer, so byte order = numeric order. */
export function writeU64BE(buf: Buffer, offset: number, value: number): void {
  buf.writeBigUInt64BE(BigInt(value), offset);
}

export function readU64BE(buf: Uint8Array, offset: number): number {
  const v = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readBigUInt64BE(offset);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`u64 ${v} exceeds safe integer range`);
  return Number(v);
}

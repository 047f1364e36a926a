/**
 * Revision keys of the 'key' bucket. A revision is {main, sub}: main is the store-wide counter
 * (one per write txn), sub numbers the changes inside that txn. The key is etcd's layout, so
 * LevelDB's byte order is revision order: 8 bytes main (big-endian), '_', 8 bytes sub, and an
 * 18th byte 't' on a tombstone (the revision that deleted the key).
 */
import { invariant } from '../base/assert.js';

export const REVISION_KEY_LENGTH = 17;
export const TOMBSTONE_KEY_LENGTH = 18;
const SEPARATOR = 0x5f; // '_'
const TOMBSTONE_MARK = 0x74; // 't'
const TWO_POW_32 = 0x1_0000_0000;

export function revisionKey(main: number, sub: number, tombstone = false): Buffer {
  const key = Buffer.allocUnsafe(tombstone ? TOMBSTONE_KEY_LENGTH : REVISION_KEY_LENGTH);
  writeU64(key, 0, main);
  key[8] = SEPARATOR;
  writeU64(key, 9, sub);
  if (tombstone) key[17] = TOMBSTONE_MARK;
  return key;
}

/** The smallest revision key of main revision `main` (for scan bounds). */
export function mainRevisionStart(main: number): Buffer {
  return revisionKey(main, 0);
}

export function revisionMain(key: Buffer): number {
  assertRevisionKey(key);
  return readU64(key, 0);
}

export function revisionSub(key: Buffer): number {
  return readU64(key, 9);
}

export function isTombstoneKey(key: Buffer): boolean {
  return key.length === TOMBSTONE_KEY_LENGTH;
}

// These checks run once per revision on the boot and write paths: test first, build the message
// (and its closure) only on failure.
function assertRevisionKey(key: Buffer): void {
  const wellFormed =
    (key.length === REVISION_KEY_LENGTH || (key.length === TOMBSTONE_KEY_LENGTH && key[17] === TOMBSTONE_MARK)) &&
    key[8] === SEPARATOR;
  if (!wellFormed) invariant(false, `malformed revision key ${key.toString('hex')}`);
}

// Two 32-bit halves instead of BigInt: revisions stay below 2^53, and this is on the boot path.
function writeU64(buf: Buffer, offset: number, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) invariant(false, `revision ${value} out of range`);
  buf.writeUInt32BE(Math.floor(value / TWO_POW_32), offset);
  buf.writeUInt32BE(value >>> 0, offset + 4);
}

function readU64(buf: Buffer, offset: number): number {
  const value = buf.readUInt32BE(offset) * TWO_POW_32 + buf.readUInt32BE(offset + 4);
  invariant(Number.isSafeInteger(value), 'revision exceeds 2^53');
  return value;
}

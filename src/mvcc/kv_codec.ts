/**
 * The value of a revision in the 'key' bucket: a KeyValue in mvccpb.KeyValue's protobuf wire
 * format, byte for byte as etcd writes it (fields in number order, zero values omitted). Matching
 * etcd's bytes makes HashKV comparable with etcd's and keeps a bbolt export possible. Hand-written
 * because this is the hottest encoding of the server: no intermediate objects, no copies on decode
 * (key and value are views into the stored buffer).
 */
import { invariant } from '../base/assert.js';
import { EMPTY } from '../base/bytes.js';
import type { KeyValue } from './types.js';

const TAG_KEY = 0x0a; // field 1, length-delimited
const TAG_CREATE_REVISION = 0x10; // field 2, varint
const TAG_MOD_REVISION = 0x18; // field 3, varint
const TAG_VERSION = 0x20; // field 4, varint
const TAG_VALUE = 0x2a; // field 5, length-delimited
const TAG_LEASE = 0x30; // field 6, varint

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

export function encodeKeyValue(kv: KeyValue): Buffer {
  const leaseNumber = leaseAsSafeNumber(kv.lease);
  const leaseWide = leaseNumber < 0 ? BigInt.asUintN(64, kv.lease) : 0n;
  let size = 1 + varintSize(kv.key.length) + kv.key.length;
  if (kv.createRevision !== 0) size += 1 + varintSize(kv.createRevision);
  if (kv.modRevision !== 0) size += 1 + varintSize(kv.modRevision);
  if (kv.version !== 0) size += 1 + varintSize(kv.version);
  if (kv.value.length !== 0) size += 1 + varintSize(kv.value.length) + kv.value.length;
  if (kv.lease !== 0n) size += 1 + (leaseNumber >= 0 ? varintSize(leaseNumber) : varintSize64(leaseWide));

  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  buf[o++] = TAG_KEY;
  o = writeVarint(buf, o, kv.key.length);
  o += kv.key.copy(buf, o);
  if (kv.createRevision !== 0) {
    buf[o++] = TAG_CREATE_REVISION;
    o = writeVarint(buf, o, kv.createRevision);
  }
  if (kv.modRevision !== 0) {
    buf[o++] = TAG_MOD_REVISION;
    o = writeVarint(buf, o, kv.modRevision);
  }
  if (kv.version !== 0) {
    buf[o++] = TAG_VERSION;
    o = writeVarint(buf, o, kv.version);
  }
  if (kv.value.length !== 0) {
    buf[o++] = TAG_VALUE;
    o = writeVarint(buf, o, kv.value.length);
    o += kv.value.copy(buf, o);
  }
  if (kv.lease !== 0n) {
    buf[o++] = TAG_LEASE;
    o = leaseNumber >= 0 ? writeVarint(buf, o, leaseNumber) : writeVarint64(buf, o, leaseWide);
  }
  invariant(o === size, 'KeyValue encoding size mismatch');
  return buf;
}

/** The value etcd stores for a tombstone: a KeyValue holding only the key. */
export function encodeTombstone(key: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(1 + varintSize(key.length) + key.length);
  buf[0] = TAG_KEY;
  key.copy(buf, writeVarint(buf, 1, key.length));
  return buf;
}

/** Decodes a stored KeyValue; key and value are views into buf, which must not be mutated. */
export function decodeKeyValue(buf: Buffer): KeyValue {
  const kv: KeyValue = { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0n };
  const reader = new Reader(buf);
  while (reader.pos < buf.length) {
    const tag = reader.varint();
    switch (tag) {
      case TAG_KEY:
        kv.key = reader.bytes();
        break;
      case TAG_CREATE_REVISION:
        kv.createRevision = reader.varint();
        break;
      case TAG_MOD_REVISION:
        kv.modRevision = reader.varint();
        break;
      case TAG_VERSION:
        kv.version = reader.varint();
        break;
      case TAG_VALUE:
        kv.value = reader.bytes();
        break;
      case TAG_LEASE:
        kv.lease = reader.int64();
        break;
      default:
        reader.skip(tag);
    }
  }
  return kv;
}

/** What rebuilding the key index needs from a stored KeyValue, without allocating a KeyValue. */
export interface IndexFields {
  keyStart: number;
  keyEnd: number;
  createRevision: number;
  version: number;
}

export function readIndexFields(buf: Buffer, out: IndexFields): void {
  out.keyStart = out.keyEnd = 0;
  out.createRevision = out.version = 0;
  const reader = new Reader(buf);
  while (reader.pos < buf.length) {
    const tag = reader.varint();
    switch (tag) {
      case TAG_KEY: {
        const length = reader.varint();
        out.keyStart = reader.pos;
        out.keyEnd = reader.pos + length;
        reader.advance(length);
        break;
      }
      case TAG_CREATE_REVISION:
        out.createRevision = reader.varint();
        break;
      case TAG_VERSION:
        out.version = reader.varint();
        break;
      default:
        reader.skip(tag);
    }
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  /** A varint that fits a safe integer (revisions, versions, lengths). */
  varint(): number {
    const buf = this.buf;
    let b = this.byte();
    if (b < 0x80) return b;
    let result = b & 0x7f;
    let factor = 0x80;
    for (let i = 1; i < 10; i++) {
      b = this.byte();
      result += (b & 0x7f) * factor;
      if (b < 0x80) {
        invariant(Number.isSafeInteger(result), 'varint exceeds 2^53');
        return result;
      }
      factor *= 0x80;
    }
    invariant(false, () => `malformed varint in ${buf.toString('hex')}`);
  }

  /** A full 64-bit two's-complement int64 varint (lease ids). */
  int64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    invariant(false, 'malformed int64 varint');
  }

  bytes(): Buffer {
    const length = this.varint();
    const start = this.pos;
    this.advance(length);
    return this.buf.subarray(start, start + length);
  }

  advance(n: number): void {
    invariant(this.pos + n <= this.buf.length, 'truncated KeyValue');
    this.pos += n;
  }

  skip(tag: number): void {
    switch (tag & 7) {
      case WIRE_VARINT:
        while (this.byte() >= 0x80);
        return;
      case WIRE_FIXED64:
        return this.advance(8);
      case WIRE_BYTES:
        return this.advance(this.varint());
      case WIRE_FIXED32:
        return this.advance(4);
      default:
        invariant(false, () => `unsupported wire type in tag ${tag}`);
    }
  }

  private byte(): number {
    invariant(this.pos < this.buf.length, 'truncated KeyValue');
    return this.buf[this.pos++]!;
  }
}

/** The lease as a number when it is a non-negative safe integer (always, in practice), else -1. */
function leaseAsSafeNumber(lease: bigint): number {
  return lease >= 0n && lease <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(lease) : -1;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, o: number, v: number): number {
  while (v >= 0x80) {
    buf[o++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[o++] = v;
  return o;
}

function varintSize64(v: bigint): number {
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

function writeVarint64(buf: Buffer, o: number, v: bigint): number {
  while (v >= 0x80n) {
    buf[o++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[o++] = Number(v);
  return o;
}

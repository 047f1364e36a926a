/**
 * Record framing of WAL segment files, and the scan that tells a torn tail from corruption.
 *
 * A segment is a sequence of records, each starting at a multiple of 8:
 *
 *   [0..4)    u32 LE  payload length L
 *   [4]       u8      record type (WalRecordType)
 *   [5..8)            zero
 *   [8..12)   u32 LE  CRC-32 of the payload
 *   [12..16)  u32 LE  CRC-32 of bytes [0..12)  (so a damaged length is never trusted)
 *   [16..16+L)        payload
 *                     zero padding to the next multiple of 8
 *
 * Every save writes exactly one record with one write and one fsync, so after a crash at most the
 * last record of the last segment can be incomplete. The scan stops at the first record that does
 * not check out and classifies the damage:
 *  - torn: the record runs past the end of the file (a write cut short), or it fails its CRC,
 *    nothing valid follows, and one of its disk sectors reads as all zeros (blocks allocated by
 *    an append whose data never reached the disk: what power loss leaves behind);
 *  - corrupt: anything else: a valid record after the damage, or a complete record that fails
 *    its CRC with every sector written. The latter was fsynced and acknowledged before it rotted,
 *    so dropping it could lose a vote or an acknowledged entry; the node must stop instead.
 */
import { crc32 } from './disk_crc.js';

export enum WalRecordType {
  /** First record of every segment: magic, format version, sequence number, first index. */
  SegmentHeader = 1,
  /** One save(): payload = protobuf { repeated Entry entries = 1; HardState hard_state = 2; }. */
  Batch = 2,
  /** saveSnapshotMarker(): payload = protobuf SnapshotMetadata. */
  SnapshotMarker = 3,
}

export const RECORD_HEADER_BYTES = 16;
const ALIGN = 8;
/** The atomic unit of a disk write we assume (etcd's minSectorSize). */
const SECTOR_BYTES = 512;

export interface WalRecord {
  type: WalRecordType;
  /** File offset of the record's header. */
  offset: number;
  /** A view into the scanned buffer. */
  payload: Buffer;
}

export interface WalDamage {
  offset: number;
  reason: string;
  /** True when the damage is what an interrupted write leaves: safe to truncate away. */
  torn: boolean;
}

export interface ScanResult {
  records: WalRecord[];
  /** Offset just after the last valid record: where the file is cut when the tail is torn. */
  validEnd: number;
  damage?: WalDamage;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function isRecordType(t: number): t is WalRecordType {
  return t === WalRecordType.SegmentHeader || t === WalRecordType.Batch || t === WalRecordType.SnapshotMarker;
}

/** The bytes of one record, padding included. */
export function frameRecord(type: WalRecordType, payload: Uint8Array): Buffer {
  const end = RECORD_HEADER_BYTES + payload.length;
  const record = Buffer.allocUnsafe(alignUp(end));
  record.writeUInt32LE(payload.length, 0);
  record[4] = type;
  record[5] = record[6] = record[7] = 0;
  record.writeUInt32LE(crc32(payload), 8);
  record.writeUInt32LE(crc32(record.subarray(0, 12)), 12);
  record.set(payload, RECORD_HEADER_BYTES);
  record.fill(0, end);
  return record;
}

type Probe =
  | { ok: true; record: WalRecord; next: number }
  | { ok: false; kind: 'incomplete' | 'header' | 'body'; reason: string; end?: number };

function probe(buf: Buffer, pos: number): Probe {
  if (pos + RECORD_HEADER_BYTES > buf.length) {
    return { ok: false, kind: 'incomplete', reason: `record header cut short by the end of the file (${buf.length - pos} of ${RECORD_HEADER_BYTES} bytes)` };
  }
  if (buf.readUInt32LE(pos + 12) !== crc32(buf.subarray(pos, pos + 12))) {
    return { ok: false, kind: 'header', reason: 'record header checksum mismatch' };
  }
  const length = buf.readUInt32LE(pos);
  const payloadEnd = pos + RECORD_HEADER_BYTES + length;
  const next = alignUp(payloadEnd);
  if (next > buf.length) {
    return { ok: false, kind: 'incomplete', reason: `record of ${length} bytes runs past the end of the file` };
  }
  const payload = buf.subarray(pos + RECORD_HEADER_BYTES, payloadEnd);
  if (buf.readUInt32LE(pos + 8) !== crc32(payload)) {
    return { ok: false, kind: 'body', reason: 'record payload checksum mismatch', end: next };
  }
  for (let i = payloadEnd; i < next; i++) {
    if (buf[i] !== 0) return { ok: false, kind: 'body', reason: 'nonzero record padding', end: next };
  }
  const type = buf[pos + 4]!;
  if (!isRecordType(type)) return { ok: false, kind: 'body', reason: `unknown record type ${type}`, end: next };
  return { ok: true, record: { type, offset: pos, payload }, next };
}

/** Offset of the first whole valid record at or after `from`, or -1. Only runs on damage. */
function findValidRecord(buf: Buffer, from: number): number {
  for (let p = alignUp(from); p + RECORD_HEADER_BYTES <= buf.length; p += ALIGN) {
    // Cheap filters first: the type byte and the three zero bytes after it.
    if (!isRecordType(buf[p + 4]!) || buf[p + 5] !== 0 || buf[p + 6] !== 0 || buf[p + 7] !== 0) continue;
    if (probe(buf, p).ok) return p;
  }
  return -1;
}

function isAllZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Does any sector-aligned piece of [from, to) read as all zeros (an unwritten block)? */
function hasZeroSector(buf: Buffer, from: number, to: number): boolean {
  for (let start = from; start < to; ) {
    const end = Math.min(to, (Math.floor(start / SECTOR_BYTES) + 1) * SECTOR_BYTES);
    if (isAllZero(buf, start, end)) return true;
    start = end;
  }
  return false;
}

function classify(buf: Buffer, pos: number, failure: Extract<Probe, { ok: false }>): WalDamage {
  if (failure.kind === 'incomplete') return { offset: pos, reason: failure.reason, torn: true };
  // A damaged header's length cannot be trusted, so look for valid data anywhere after it.
  const searchFrom = failure.kind === 'header' ? pos + ALIGN : failure.end!;
  const follower = findValidRecord(buf, searchFrom);
  if (follower >= 0) {
    return { offset: pos, reason: `${failure.reason}, followed by a valid record at offset ${follower}`, torn: false };
  }
  const recordEnd = failure.kind === 'header' ? buf.length : failure.end!;
  // The last write ends with this record: anything but zeros (a size extended by a lost write) after it is unexplained.
  if (!isAllZero(buf, recordEnd, buf.length)) {
    return { offset: pos, reason: `${failure.reason}, followed by ${buf.length - recordEnd} unexplained bytes`, torn: false };
  }
  if (hasZeroSector(buf, pos, recordEnd)) return { offset: pos, reason: failure.reason, torn: true };
  return { offset: pos, reason: `${failure.reason} in a fully written record`, torn: false };
}

/** Reads every record of a segment's bytes, stopping at the first damaged one. */
export function scanRecords(buf: Buffer): ScanResult {
  const records: WalRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const p = probe(buf, pos);
    if (!p.ok) return { records, validEnd: pos, damage: classify(buf, pos, p) };
    records.push(p.record);
    pos = p.next;
  }
  return { records, validEnd: pos };
}

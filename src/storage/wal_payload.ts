/**
 * Payloads of the WAL record types (framing is in wal_record.ts). Batches and snapshot markers
 * reuse the raft codec, so the WAL stores exactly the bytes the peer transport would send.
 */
import protobuf from 'protobufjs/minimal.js';
import { asDecodeError, emptyConfState, entryCodec, hardStateCodec, snapshotMetadataCodec } from '../raftpb/codec.js';
import type { Entry, HardState, SnapshotMetadata } from '../raft/types.js';

const SEGMENT_MAGIC = Buffer.from('tetcdwal', 'latin1');
export const WAL_FORMAT_VERSION = 1;
const SEGMENT_HEADER_BYTES = 32;

export interface SegmentHeader {
  version: number;
  seq: number;
  /** Index the next entry was to have when the segment was started (lastIndex + 1). */
  firstIndex: number;
}

export function encodeSegmentHeader(h: SegmentHeader): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(b, 0);
  b.writeUInt32LE(h.version, 8);
  b.writeBigUInt64LE(BigInt(h.seq), 16);
  b.writeBigUInt64LE(BigInt(h.firstIndex), 24);
  return b;
}

/** Throws a plain Error with the reason; the caller names the file and offset. */
export function decodeSegmentHeader(payload: Buffer): SegmentHeader {
  if (payload.length !== SEGMENT_HEADER_BYTES || !payload.subarray(0, 8).equals(SEGMENT_MAGIC)) {
    throw new Error('not a tetcd WAL segment header');
  }
  const version = payload.readUInt32LE(8);
  if (version !== WAL_FORMAT_VERSION) throw new Error(`unsupported WAL format version ${version}`);
  return { version, seq: Number(payload.readBigUInt64LE(16)), firstIndex: Number(payload.readBigUInt64LE(24)) };
}

export interface Batch {
  entries: Entry[];
  hardState?: HardState;
}

export function encodeBatch(entries: readonly Entry[], hardState: HardState | undefined): Uint8Array {
  const w = protobuf.Writer.create();
  for (const e of entries) entryCodec.writeField(w, 1, e);
  hardStateCodec.writeField(w, 2, hardState);
  return w.finish();
}

/** Entry data is copied out, so the decoded entries do not keep a whole segment buffer alive. */
export function decodeBatch(payload: Buffer): Batch {
  const r = protobuf.Reader.create(payload);
  const batch: Batch = { entries: [] };
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) {
        const e = entryCodec.readField(r);
        e.data = Buffer.from(e.data);
        batch.entries.push(e);
      } else if (tag === ((2 << 3) | 2)) {
        batch.hardState = hardStateCodec.readField(r);
      } else {
        r.skipType(tag & 7);
      }
    }
  } catch (err) {
    throw asDecodeError(err);
  }
  return batch;
}

export interface SnapshotMarker {
  metadata: SnapshotMetadata;
  /**
   * True when the snapshot did not match the log (it came from a leader whose history differs):
   * every entry written before the marker is void. Decided by the writer, who knows the log,
   * so replay never needs the entry at the snapshot index, which may be in a released segment.
   */
  replacesLog: boolean;
}

/** payload = protobuf { SnapshotMetadata metadata = 1; bool replaces_log = 2; } */
export function encodeSnapshotMarker(marker: SnapshotMarker): Uint8Array {
  const w = protobuf.Writer.create();
  snapshotMetadataCodec.writeField(w, 1, marker.metadata);
  if (marker.replacesLog) w.uint32((2 << 3) | 0).bool(true);
  return w.finish();
}

export function decodeSnapshotMarker(payload: Buffer): SnapshotMarker {
  const r = protobuf.Reader.create(payload);
  const marker: SnapshotMarker = { metadata: emptyMetadata(), replacesLog: false };
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) marker.metadata = snapshotMetadataCodec.readField(r);
      else if (tag === ((2 << 3) | 0)) marker.replacesLog = r.bool();
      else r.skipType(tag & 7);
    }
  } catch (err) {
    throw asDecodeError(err);
  }
  return marker;
}

function emptyMetadata(): SnapshotMetadata {
  return { index: 0, term: 0, confState: emptyConfState() };
}

/**
 * Binary form of the raft core's types (schema: proto/raftpb/raft.proto), written by hand on
 * protobufjs's Writer and Reader. Reflection-based encoding would need a conversion pass anyway
 * (bigint ids, number indexes), so the hand-written walk is both simpler and faster on the hot
 * paths (every WAL append, every peer message). test/raftpb/codec.test.ts checks it against the
 * .proto loaded by protobufjs, in both directions.
 *
 * Decoding is strict: truncated input, an unknown enum value, or an index/term at or above 2^53 is a
 * DecodeError. Unknown fields are skipped, so the schema can grow. Decoded byte fields are views into
 * the input buffer (no copy); copy them if the input's memory should not stay alive.
 */
import protobuf from 'protobufjs/minimal.js';
import { toBuffer } from '../base/bytes.js';
import {
  ConfChangeTransition,
  ConfChangeType,
  EntryType,
  MessageType,
  type ConfChangeSingle,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Snapshot,
  type SnapshotMetadata,
} from '../raft/types.js';
import { newMessage } from '../raft/raft.js';

export type Writer = protobuf.Writer;
export type Reader = protobuf.Reader;

export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Encoder/decoder of one message type, usable alone or as a field of an enclosing message. */
export interface RaftCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** Appends `value` as the length-delimited field `field` (skipped if `value` is undefined). */
  writeField(w: Writer, field: number, value: T | undefined): void;
  /** Reads a length-delimited value at the reader's position (just after its tag). */
  readField(r: Reader): T;
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const EMPTY_BYTES: Uint8Array = Buffer.alloc(0);
const TWO_POW_32 = 4294967296;

function tag(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

// ---- scalar helpers -------------------------------------------------------------------------

function writeNumber(w: Writer, field: number, value: number): void {
  if (value === 0) return;
  w.uint32(tag(field, WIRE_VARINT));
  // uint32() is the cheap path (no LongBits allocation) and produces the same varint below 2^32.
  if (value < TWO_POW_32) w.uint32(value);
  else w.uint64(value);
}

function writeBool(w: Writer, field: number, value: boolean): void {
  if (value) w.uint32(tag(field, WIRE_VARINT)).uint32(1);
}

function writeBytes(w: Writer, field: number, value: Uint8Array): void {
  if (value.length > 0) w.uint32(tag(field, WIRE_LEN)).bytes(value);
}

function longBits(id: bigint): protobuf.Long {
  // LongBits.from() only reads {low, high}; a full Long object is not needed.
  return { low: Number(id & 0xffffffffn) | 0, high: Number((id >> 32n) & 0xffffffffn) | 0 } as protobuf.Long;
}

function writeId(w: Writer, field: number, id: NodeId): void {
  if (id === 0n) return;
  w.uint32(tag(field, WIRE_VARINT));
  if (id < 0x100000000n) w.uint32(Number(id));
  else w.uint64(longBits(id));
}

function writePackedIds(w: Writer, field: number, ids: readonly NodeId[]): void {
  if (ids.length === 0) return;
  w.uint32(tag(field, WIRE_LEN)).fork();
  for (const id of ids) {
    if (id < 0x100000000n) w.uint32(Number(id));
    else w.uint64(longBits(id));
  }
  w.ldelim();
}

function truncated(r: Reader): DecodeError {
  return new DecodeError(`truncated input at offset ${r.pos} of ${r.len}`);
}

/** A uint64 varint as a safe integer; indexes and terms never reach 2^53. */
function readNumber(r: Reader): number {
  const buf = r.buf;
  let pos = r.pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= r.len) throw truncated(r);
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      r.pos = pos;
      // Partial sums stay exact below 2^53, and rounding is monotone, so this catches every overflow.
      if (value > Number.MAX_SAFE_INTEGER) throw new DecodeError(`integer ${value} at offset ${pos} exceeds 2^53`);
      return value;
    }
    scale *= 128;
  }
  throw new DecodeError(`varint longer than 10 bytes at offset ${r.pos}`);
}

/** A full 64-bit varint as bigint (node ids use every bit). */
function readId(r: Reader): bigint {
  const buf = r.buf;
  let pos = r.pos;
  // The first 7 bytes carry 49 bits, exact in a double; the remaining 15 bits go in a second part.
  let low = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (pos >= r.len) throw truncated(r);
    const b = buf[pos++]!;
    low += (b & 0x7f) * scale;
    if (b < 0x80) {
      r.pos = pos;
      return BigInt(low);
    }
    scale *= 128;
  }
  let high = 0;
  scale = 1;
  for (let i = 0; i < 3; i++) {
    if (pos >= r.len) throw truncated(r);
    const b = buf[pos++]!;
    high += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (high >= 1 << 15) throw new DecodeError(`uint64 overflow at offset ${r.pos}`);
      r.pos = pos;
      return BigInt(low) + (BigInt(high) << 49n);
    }
    scale *= 128;
  }
  throw new DecodeError(`varint longer than 10 bytes at offset ${r.pos}`);
}

function readIds(r: Reader, wireType: number, into: NodeId[]): void {
  if (wireType === WIRE_VARINT) {
    into.push(readId(r));
    return;
  }
  const end = delimitedEnd(r);
  while (r.pos < end) into.push(readId(r));
  if (r.pos !== end) throw new DecodeError(`packed field overruns its length at offset ${r.pos}`);
}

function delimitedEnd(r: Reader): number {
  const length = r.uint32();
  const end = r.pos + length;
  if (end > r.len) throw truncated(r);
  return end;
}

function readEnum<E extends number>(r: Reader, valid: (v: number) => boolean, what: string): E {
  const v = r.uint32();
  if (!valid(v)) throw new DecodeError(`unknown ${what} ${v} at offset ${r.pos}`);
  return v as E;
}

const isEntryType = (v: number): boolean => v === EntryType.Normal || v === EntryType.ConfChangeV2;
const isMessageType = (v: number): boolean => v >= MessageType.MsgHup && v <= MessageType.MsgPreVoteResp;
const isConfChangeType = (v: number): boolean => v >= ConfChangeType.AddNode && v <= ConfChangeType.AddLearnerNode;
const isTransition = (v: number): boolean => v >= ConfChangeTransition.Auto && v <= ConfChangeTransition.JointExplicit;

function skip(r: Reader, t: number): void {
  r.skipType(t & 7);
}

// ---- codec construction -------------------------------------------------------------------

/**
 * Builds a codec from the two per-type functions: write the fields, read the fields of [pos, end).
 * Every decode path funnels through here, so reader range errors become DecodeErrors in one place.
 */
function makeCodec<T>(writeFields: (w: Writer, v: T) => void, readFields: (r: Reader, end: number) => T): RaftCodec<T> {
  const readField = (r: Reader): T => {
    const end = delimitedEnd(r);
    const value = readFields(r, end);
    if (r.pos !== end) throw new DecodeError(`field overruns its length at offset ${r.pos}`);
    return value;
  };
  return {
    encode(value: T): Uint8Array {
      const w = protobuf.Writer.create();
      writeFields(w, value);
      return w.finish();
    },
    decode(bytes: Uint8Array): T {
      const r = protobuf.Reader.create(toBuffer(bytes));
      try {
        const value = readFields(r, r.len);
        if (r.pos !== r.len) throw new DecodeError(`trailing bytes at offset ${r.pos}`);
        return value;
      } catch (err) {
        throw asDecodeError(err);
      }
    },
    writeField(w: Writer, field: number, value: T | undefined): void {
      if (value === undefined) return;
      w.uint32(tag(field, WIRE_LEN)).fork();
      writeFields(w, value);
      w.ldelim();
    },
    readField,
  };
}

/** protobufjs reports short input as RangeError("index out of range ..."); normalize it. */
export function asDecodeError(err: unknown): DecodeError {
  if (err instanceof DecodeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DecodeError(message, { cause: err });
}

// ---- Entry --------------------------------------------------------------------------------

export const entryCodec: RaftCodec<Entry> = makeCodec<Entry>(
  (w, e) => {
    if (e.type !== EntryType.Normal) w.uint32(tag(1, WIRE_VARINT)).uint32(e.type);
    writeNumber(w, 2, e.term);
    writeNumber(w, 3, e.index);
    writeBytes(w, 4, e.data);
  },
  (r, end) => {
    const e: Entry = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES };
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case tag(1, WIRE_VARINT): e.type = readEnum<EntryType>(r, isEntryType, 'entry type'); break;
        case tag(2, WIRE_VARINT): e.term = readNumber(r); break;
        case tag(3, WIRE_VARINT): e.index = readNumber(r); break;
        case tag(4, WIRE_LEN): e.data = r.bytes(); break;
        default: skip(r, t);
      }
    }
    return e;
  },
);

// ---- HardState ----------------------------------------------------------------------------

export const hardStateCodec: RaftCodec<HardState> = makeCodec<HardState>(
  (w, hs) => {
    writeNumber(w, 1, hs.term);
    writeId(w, 2, hs.vote);
    writeNumber(w, 3, hs.commit);
  },
  (r, end) => {
    const hs: HardState = { term: 0, vote: 0n, commit: 0 };
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case tag(1, WIRE_VARINT): hs.term = readNumber(r); break;
        case tag(2, WIRE_VARINT): hs.vote = readId(r); break;
        case tag(3, WIRE_VARINT): hs.commit = readNumber(r); break;
        default: skip(r, t);
      }
    }
    return hs;
  },
);

// ---- ConfState ----------------------------------------------------------------------------

export const confStateCodec: RaftCodec<ConfState> = makeCodec<ConfState>(
  (w, cs) => {
    writePackedIds(w, 1, cs.voters);
    writePackedIds(w, 2, cs.learners);
    writePackedIds(w, 3, cs.votersOutgoing);
    writePackedIds(w, 4, cs.learnersNext);
    writeBool(w, 5, cs.autoLeave);
  },
  (r, end) => {
    const cs: ConfState = { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
    while (r.pos < end) {
      const t = r.uint32();
      // Repeated scalars are accepted packed or not, as protobuf requires of parsers.
      switch (t >>> 3) {
        case 1: if (!isIdWire(t)) skip(r, t); else readIds(r, t & 7, cs.voters); break;
        case 2: if (!isIdWire(t)) skip(r, t); else readIds(r, t & 7, cs.learners); break;
        case 3: if (!isIdWire(t)) skip(r, t); else readIds(r, t & 7, cs.votersOutgoing); break;
        case 4: if (!isIdWire(t)) skip(r, t); else readIds(r, t & 7, cs.learnersNext); break;
        case 5: if (t === tag(5, WIRE_VARINT)) cs.autoLeave = r.bool(); else skip(r, t); break;
        default: skip(r, t);
      }
    }
    return cs;
  },
);

function isIdWire(t: number): boolean {
  const wt = t & 7;
  return wt === WIRE_VARINT || wt === WIRE_LEN;
}

export function emptyConfState(): ConfState {
  return { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
}

// ---- SnapshotMetadata, Snapshot -----------------------------------------------------------

export const snapshotMetadataCodec: RaftCodec<SnapshotMetadata> = makeCodec<SnapshotMetadata>(
  (w, m) => {
    confStateCodec.writeField(w, 1, m.confState);
    writeNumber(w, 2, m.index);
    writeNumber(w, 3, m.term);
  },
  (r, end) => {
    const m: SnapshotMetadata = { confState: emptyConfState(), index: 0, term: 0 };
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case tag(1, WIRE_LEN): m.confState = confStateCodec.readField(r); break;
        case tag(2, WIRE_VARINT): m.index = readNumber(r); break;
        case tag(3, WIRE_VARINT): m.term = readNumber(r); break;
        default: skip(r, t);
      }
    }
    return m;
  },
);

export const snapshotCodec: RaftCodec<Snapshot> = makeCodec<Snapshot>(
  (w, s) => {
    writeBytes(w, 1, s.data);
    snapshotMetadataCodec.writeField(w, 2, s.metadata);
  },
  (r, end) => {
    const s: Snapshot = { data: EMPTY_BYTES, metadata: { confState: emptyConfState(), index: 0, term: 0 } };
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case tag(1, WIRE_LEN): s.data = r.bytes(); break;
        case tag(2, WIRE_LEN): s.metadata = snapshotMetadataCodec.readField(r); break;
        default: skip(r, t);
      }
    }
    return s;
  },
);

// ---- ConfChangeV2 -------------------------------------------------------------------------

const confChangeSingleCodec: RaftCodec<ConfChangeSingle> = makeCodec<ConfChangeSingle>(
  (w, c) => {
    if (c.type !== ConfChangeType.AddNode) w.uint32(tag(1, WIRE_VARINT)).uint32(c.type);
    writeId(w, 2, c.nodeId);
  },
  (r, end) => {
    const c: ConfChangeSingle = { type: ConfChangeType.AddNode, nodeId: 0n };
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case tag(1, WIRE_VARINT): c.type = readEnum<ConfChangeType>(r, isConfChangeType, 'conf change type'); break;
        case tag(2, WIRE_VARINT): c.nodeId = readId(r); break;
        default: skip(r, t);
      }
    }
    return c;
  },
);

export const confChangeV2Codec: RaftCodec<ConfChangeV2> = makeCodec<ConfChangeV2>(
  (w, cc) => {
    if (cc.transition !== ConfChangeTransition.Auto) w.uint32(tag(1, WIRE_VARINT)).uint32(cc.transition);
    for (const c of cc.changes) confChangeSingleCodec.writeField(w, 2, c);
    writeBytes(w, 3, cc.context);
  },
  (r, end) => {
    const cc: ConfChangeV2 = { transition: ConfChangeTransition.Auto, changes: [], context: EMPTY_BYTES };
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case tag(1, WIRE_VARINT): cc.transition = readEnum<ConfChangeTransition>(r, isTransition, 'conf change transition'); break;
        case tag(2, WIRE_LEN): cc.changes.push(confChangeSingleCodec.readField(r)); break;
        case tag(3, WIRE_LEN): cc.context = r.bytes(); break;
        default: skip(r, t);
      }
    }
    return cc;
  },
);

// ---- Message, MessageBatch ----------------------------------------------------------------

export const messageCodec: RaftCodec<Message> = makeCodec<Message>(
  (w, m) => {
    if (m.type !== MessageType.MsgHup) w.uint32(tag(1, WIRE_VARINT)).uint32(m.type);
    writeId(w, 2, m.to);
    writeId(w, 3, m.from);
    writeNumber(w, 4, m.term);
    writeNumber(w, 5, m.logTerm);
    writeNumber(w, 6, m.index);
    for (const e of m.entries) entryCodec.writeField(w, 7, e);
    writeNumber(w, 8, m.commit);
    snapshotCodec.writeField(w, 9, m.snapshot);
    writeBool(w, 10, m.reject);
    writeNumber(w, 11, m.rejectHint);
    writeBytes(w, 12, m.context);
  },
  (r, end) => {
    const m = newMessage({ type: MessageType.MsgHup });
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case tag(1, WIRE_VARINT): m.type = readEnum<MessageType>(r, isMessageType, 'message type'); break;
        case tag(2, WIRE_VARINT): m.to = readId(r); break;
        case tag(3, WIRE_VARINT): m.from = readId(r); break;
        case tag(4, WIRE_VARINT): m.term = readNumber(r); break;
        case tag(5, WIRE_VARINT): m.logTerm = readNumber(r); break;
        case tag(6, WIRE_VARINT): m.index = readNumber(r); break;
        case tag(7, WIRE_LEN): m.entries.push(entryCodec.readField(r)); break;
        case tag(8, WIRE_VARINT): m.commit = readNumber(r); break;
        case tag(9, WIRE_LEN): m.snapshot = snapshotCodec.readField(r); break;
        case tag(10, WIRE_VARINT): m.reject = r.bool(); break;
        case tag(11, WIRE_VARINT): m.rejectHint = readNumber(r); break;
        case tag(12, WIRE_LEN): m.context = r.bytes(); break;
        default: skip(r, t);
      }
    }
    return m;
  },
);

export const messageBatchCodec: RaftCodec<readonly Message[]> = makeCodec<readonly Message[]>(
  (w, ms) => {
    for (const m of ms) messageCodec.writeField(w, 1, m);
  },
  (r, end) => {
    const ms: Message[] = [];
    while (r.pos < end) {
      const t = r.uint32();
      if (t === tag(1, WIRE_LEN)) ms.push(messageCodec.readField(r));
      else skip(r, t);
    }
    return ms;
  },
);

// ---- shorthand for callers that handle one type -------------------------------------------

export const encodeEntry = (e: Entry): Uint8Array => entryCodec.encode(e);
export const decodeEntry = (b: Uint8Array): Entry => entryCodec.decode(b);
export const encodeHardState = (hs: HardState): Uint8Array => hardStateCodec.encode(hs);
export const decodeHardState = (b: Uint8Array): HardState => hardStateCodec.decode(b);
export const encodeConfState = (cs: ConfState): Uint8Array => confStateCodec.encode(cs);
export const decodeConfState = (b: Uint8Array): ConfState => confStateCodec.decode(b);
export const encodeSnapshotMetadata = (m: SnapshotMetadata): Uint8Array => snapshotMetadataCodec.encode(m);
export const decodeSnapshotMetadata = (b: Uint8Array): SnapshotMetadata => snapshotMetadataCodec.decode(b);
export const encodeSnapshot = (s: Snapshot): Uint8Array => snapshotCodec.encode(s);
export const decodeSnapshot = (b: Uint8Array): Snapshot => snapshotCodec.decode(b);
export const encodeConfChangeV2 = (cc: ConfChangeV2): Uint8Array => confChangeV2Codec.encode(cc);
export const decodeConfChangeV2 = (b: Uint8Array): ConfChangeV2 => confChangeV2Codec.decode(b);
export const encodeMessage = (m: Message): Uint8Array => messageCodec.encode(m);
export const decodeMessage = (b: Uint8Array): Message => messageCodec.decode(b);
export const encodeMessageBatch = (ms: readonly Message[]): Uint8Array => messageBatchCodec.encode(ms);
export const decodeMessageBatch = (b: Uint8Array): Message[] => messageBatchCodec.decode(b) as Message[];

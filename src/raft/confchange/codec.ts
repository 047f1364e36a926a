/**
 * The bytes of a ConfChangeV2 entry: protobuf (proto3) per proto/raftpb/raft.proto —
 * ConfChangeV2 { transition = 1; repeated ConfChangeSingle changes = 2; bytes context = 3 } and
 * ConfChangeSingle { type = 1; node_id = 2 }. Hand-written so the core stays free of dependencies;
 * any protobuf encoder of that schema produces bytes this decoder reads, and vice versa.
 */
import { ConfChangeError } from '../errors.js';
import type { ConfChangeSingle, ConfChangeV2 } from '../types.js';
import { ConfChangeTransition, ConfChangeType } from '../types.js';
import { EMPTY_BYTES } from '../util.js';

class Writer {
  private bytes: number[] = [];

  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
  }

  tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  lengthDelimited(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(BigInt(data.length));
    for (const b of data) this.bytes.push(b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new ConfChangeError('truncated varint in conf change');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ConfChangeError('varint too long in conf change');
  }

  bytes(): Uint8Array {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new ConfChangeError('truncated field in conf change');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new ConfChangeError(`unsupported wire type ${wireType} in conf change`);
    }
  }
}

export function encodeConfChangeV2(cc: ConfChangeV2): Uint8Array {
  const w = new Writer();
  if (cc.transition !== ConfChangeTransition.Auto) {
    w.tag(1, 0);
    w.varint(BigInt(cc.transition));
  }
  for (const c of cc.changes) {
    const inner = new Writer();
    if (c.type !== ConfChangeType.AddNode) {
      inner.tag(1, 0);
      inner.varint(BigInt(c.type));
    }
    if (c.nodeId !== 0n) {
      inner.tag(2, 0);
      inner.varint(c.nodeId);
    }
    w.lengthDelimited(2, inner.finish());
  }
  if (cc.context.length > 0) w.lengthDelimited(3, cc.context);
  return w.finish();
}

function decodeSingle(buf: Uint8Array): ConfChangeSingle {
  const r = new Reader(buf);
  let type = ConfChangeType.AddNode;
  let nodeId = 0n;
  while (!r.done()) {
    const tag = Number(r.varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 0) type = checkEnum(ConfChangeType, Number(r.varint()), 'type');
    else if (field === 2 && wire === 0) nodeId = r.varint();
    else r.skip(wire);
  }
  return { type, nodeId };
}

function checkEnum<E extends number>(e: Record<number, string>, v: number, what: string): E {
  if (e[v] === undefined) throw new ConfChangeError(`unknown conf change ${what} ${v}`);
  return v as E;
}

export function decodeConfChangeV2(buf: Uint8Array): ConfChangeV2 {
  const r = new Reader(buf);
  let transition = ConfChangeTransition.Auto;
  const changes: ConfChangeSingle[] = [];
  let context: Uint8Array = EMPTY_BYTES;
  while (!r.done()) {
    const tag = Number(r.varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 0) transition = checkEnum(ConfChangeTransition, Number(r.varint()), 'transition');
    else if (field === 2 && wire === 2) changes.push(decodeSingle(r.bytes()));
    else if (field === 3 && wire === 2) context = new Uint8Array(r.bytes());
    else r.skip(wire);
  }
  return { transition, changes, context };
}

/** An empty change (no single changes, automatic transition) means "leave the joint configuration". */
export function isLeaveJoint(cc: ConfChangeV2): boolean {
  return cc.transition === ConfChangeTransition.Auto && cc.changes.length === 0;
}

/**
 * Whether the change needs joint consensus, and if so whether the joint config is left automatically.
 * Auto uses joint consensus only when more than one change is requested.
 */
export function jointTransition(cc: ConfChangeV2): { autoLeave: boolean } | undefined {
  if (cc.transition === ConfChangeTransition.Auto && cc.changes.length <= 1) return undefined;
  return { autoLeave: cc.transition !== ConfChangeTransition.JointExplicit };
}

export function leaveJointConfChange(): ConfChangeV2 {
  return { transition: ConfChangeTransition.Auto, changes: [], context: EMPTY_BYTES };
}

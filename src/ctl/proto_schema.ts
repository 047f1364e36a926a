/**
 * The shape of etcd's messages, read from the protobufjs reflection of our protos, so that the
 * JSON and protobuf printers can walk any response the way Go's generated structs are laid out:
 * fields in declaration order, a oneof as one field where its first member is declared.
 */
import type { Enum, Type } from 'protobufjs';
import { etcdProtoRoot } from '../etcdpb/root.js';

export type ScalarKind = 'int64' | 'uint64' | 'int32' | 'uint32' | 'bool' | 'string' | 'bytes' | 'double' | 'enum';

export interface FieldSchema {
  /** The .proto field name (keepCase), also Go's json tag. */
  name: string;
  number: number;
  repeated: boolean;
  kind: ScalarKind | 'message';
  /** Full name of the message type, for kind 'message'. */
  messageType?: string;
  /** Enum value numbers by name, for kind 'enum' (proto-loader gives enums as names). */
  enumValues?: ReadonlyMap<string, number>;
  /** The oneof this field belongs to, if any. */
  oneof?: string;
}

export interface OneofSchema {
  /** The .proto oneof name (proto-loader's virtual discriminator key). */
  name: string;
  members: FieldSchema[];
}

/** A message's Go struct layout: plain fields and oneofs, in Go's field order. */
export type MessageMember = { field: FieldSchema } | { oneof: OneofSchema };

export interface MessageSchema {
  fullName: string;
  members: MessageMember[];
  /** Every field by number order, as the wire encoding orders them. */
  fields: FieldSchema[];
}

/** The Go kinds of protobuf's scalar types (protobufjs names them as the .proto does). */
const SCALARS: Record<string, ScalarKind> = {
  int64: 'int64',
  sint64: 'int64',
  sfixed64: 'int64',
  uint64: 'uint64',
  fixed64: 'uint64',
  int32: 'int32',
  sint32: 'int32',
  sfixed32: 'int32',
  uint32: 'uint32',
  fixed32: 'uint32',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
  double: 'double',
  float: 'double',
};

/**
 * Fields our protos carry for etcd 3.5/3.6 that etcdctl 3.4 does not know: its generated structs
 * drop them when decoding, so they never appear in its JSON or protobuf output, nor in ours.
 */
const NEWER_THAN_3_4 = new Set([
  'etcdserverpb.HashKVResponse.hash_revision',
  'etcdserverpb.MemberListRequest.linearizable',
  'etcdserverpb.AuthUserAddRequest.hashedPassword',
  'etcdserverpb.AuthUserChangePasswordRequest.hashedPassword',
]);

const cache = new Map<string, MessageSchema>();

/** "etcdserverpb.RangeResponse" for the type protobufjs names ".etcdserverpb.RangeResponse". */
function fullNameOf(type: Type | Enum): string {
  return type.fullName.replace(/^\./, '');
}

/** The schema of an etcd message by full name, e.g. `etcdserverpb.RangeResponse`. */
export function messageSchema(fullName: string): MessageSchema {
  const cached = cache.get(fullName);
  if (cached) return cached;
  const type = etcdProtoRoot().lookupType(fullName);
  const oneofs = new Map(type.oneofsArray.map((o) => [o.name, { name: o.name, members: [] } as OneofSchema]));
  const members: MessageMember[] = [];
  const fields: FieldSchema[] = [];
  for (const f of type.fieldsArray) {
    if (NEWER_THAN_3_4.has(`${fullName}.${f.name}`)) continue;
    const resolved = f.resolvedType;
    const field: FieldSchema = { name: f.name, number: f.id, repeated: f.repeated, kind: 'message' };
    if (resolved === null) {
      const kind = SCALARS[f.type];
      if (kind === undefined) throw new Error(`unknown field type ${f.type} in ${fullName}`);
      field.kind = kind;
    } else if ('values' in resolved) {
      field.kind = 'enum';
      field.enumValues = new Map(Object.entries(resolved.values));
    } else {
      field.messageType = fullNameOf(resolved);
    }
    fields.push(field);
    const oneof = f.partOf ? oneofs.get(f.partOf.name) : undefined;
    if (oneof) {
      field.oneof = oneof.name;
      if (oneof.members.length === 0) members.push({ oneof });
      oneof.members.push(field);
    } else {
      members.push({ field });
    }
  }
  fields.sort((a, b) => a.number - b.number);
  const schema: MessageSchema = { fullName, members, fields };
  cache.set(fullName, schema);
  return schema;
}

/** True for the value proto3 does not put on the wire (and Go's omitempty leaves out). */
export function isZeroScalar(field: FieldSchema, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  switch (field.kind) {
    case 'bytes':
      return (value as Uint8Array).length === 0;
    case 'string':
      return value === '';
    case 'bool':
      return value === false;
    case 'enum':
      return typeof value === 'string' ? field.enumValues?.get(value) === 0 : value === 0;
    case 'message':
      return false;
    default:
      return value === 0 || value === '0' || value === '-0';
  }
}

/**
 * A copy of a decoded message (proto-loader's `defaults: true` form) holding only what Go would
 * marshal: no zero scalars, no empty repeated fields, no null sub-messages. Encoding the copy
 * gives the same bytes as Go's Marshal.
 */
export function withoutDefaults(schema: MessageSchema, message: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const nested = (v: unknown): unknown =>
      field.kind === 'message' ? withoutDefaults(messageSchema(field.messageType!), v as Record<string, unknown>) : v;
    if (field.oneof !== undefined) {
      // A set oneof member is on the wire even when it holds a zero value.
      if (message[field.oneof] === undefined || message[field.oneof] === field.name) out[field.name] = nested(value);
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length > 0) out[field.name] = list.map(nested);
    } else if (field.kind === 'message' || !isZeroScalar(field, value)) {
      out[field.name] = nested(value);
    }
  }
  return out;
}

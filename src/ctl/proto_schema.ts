/**
 * The shape of etcd's response messages, read from the descriptors proto-loader keeps, so that the
 * JSON and protobuf printers can walk any response the way Go's generated structs are laid out:
 * fields in declaration order, a oneof as one field where its first member is declared.
 */
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';
import { loadEtcdProtos } from '../etcdpb/load.js';

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

interface DescriptorField {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
  oneofIndex?: number;
}

interface DescriptorEnum {
  name: string;
  value: { name: string; number: number }[];
}

interface DescriptorMessage {
  name: string;
  field: DescriptorField[];
  oneofDecl: { name: string }[];
  enumType: DescriptorEnum[];
}

const SCALARS: Record<string, ScalarKind> = {
  TYPE_INT64: 'int64',
  TYPE_SINT64: 'int64',
  TYPE_SFIXED64: 'int64',
  TYPE_UINT64: 'uint64',
  TYPE_FIXED64: 'uint64',
  TYPE_INT32: 'int32',
  TYPE_SINT32: 'int32',
  TYPE_SFIXED32: 'int32',
  TYPE_UINT32: 'uint32',
  TYPE_FIXED32: 'uint32',
  TYPE_BOOL: 'bool',
  TYPE_STRING: 'string',
  TYPE_BYTES: 'bytes',
  TYPE_DOUBLE: 'double',
  TYPE_FLOAT: 'double',
  TYPE_ENUM: 'enum',
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

function definitionAt(fullName: string): unknown {
  let node: unknown = loadEtcdProtos();
  for (const part of fullName.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function packageOf(fullName: string): string {
  return fullName.slice(0, fullName.lastIndexOf('.'));
}

/** Resolves a descriptor type name (relative to the message's package) to a full name. */
function resolveTypeName(typeName: string, fromMessage: string): string {
  const name = typeName.startsWith('.') ? typeName.slice(1) : typeName;
  const inPackage = `${packageOf(fromMessage)}.${name}`;
  return definitionAt(inPackage) !== undefined ? inPackage : name;
}

function enumValues(typeName: string, owner: DescriptorMessage, ownerName: string): Map<string, number> {
  const nested = owner.enumType.find((e) => e.name === typeName);
  let values = nested?.value;
  if (!values) {
    const def = definitionAt(resolveTypeName(typeName, ownerName)) as EnumTypeDefinition | undefined;
    values = (def?.type as DescriptorEnum | undefined)?.value;
  }
  if (!values) throw new Error(`unknown enum ${typeName} in ${ownerName}`);
  return new Map(values.map((v) => [v.name, v.number]));
}

/** The schema of an etcd message by full name, e.g. `etcdserverpb.RangeResponse`. */
export function messageSchema(fullName: string): MessageSchema {
  const cached = cache.get(fullName);
  if (cached) return cached;
  const def = definitionAt(fullName) as MessageTypeDefinition<object, object> | undefined;
  if (!def || def.format !== 'Protocol Buffer 3 DescriptorProto') throw new Error(`unknown message ${fullName}`);
  const descriptor = def.type as unknown as DescriptorMessage;
  const oneofs: OneofSchema[] = descriptor.oneofDecl.map((o) => ({ name: o.name, members: [] }));
  const members: MessageMember[] = [];
  const fields: FieldSchema[] = [];
  for (const f of descriptor.field) {
    if (NEWER_THAN_3_4.has(`${fullName}.${f.name}`)) continue;
    const field: FieldSchema = {
      name: f.name,
      number: f.number,
      repeated: f.label === 'LABEL_REPEATED',
      kind: f.type === 'TYPE_MESSAGE' ? 'message' : SCALARS[f.type] ?? 'string',
    };
    if (field.kind === 'message') field.messageType = resolveTypeName(f.typeName, fullName);
    if (field.kind === 'enum') field.enumValues = enumValues(f.typeName, descriptor, fullName);
    fields.push(field);
    const oneof = f.oneofIndex !== undefined && f.oneofIndex !== null ? oneofs[f.oneofIndex] : undefined;
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

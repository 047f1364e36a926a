/**
 * Go's encoding/json output for etcd's generated protobuf structs, as `etcdctl -w json` prints
 * them: fields in declaration order under their .proto names, zero values left out (omitempty),
 * 64-bit integers as exact JSON numbers (written from proto-loader's decimal strings, never through
 * a double), bytes as base64, enums as numbers, a oneof as {"<GoName>":{"<GoMemberName>":...}}.
 */
import { goFieldName, goJsonString } from '../gocompat/json.js';
import { isZeroScalar, messageSchema, type FieldSchema, type MessageSchema } from '../proto_schema.js';

function scalarJson(field: FieldSchema, value: unknown): string {
  switch (field.kind) {
    case 'bytes':
      return '"' + Buffer.from(value as Uint8Array).toString('base64') + '"';
    case 'string':
      return goJsonString(value as string);
    case 'bool':
      return value ? 'true' : 'false';
    case 'enum':
      return String(typeof value === 'string' ? field.enumValues?.get(value) ?? 0 : value);
    case 'message':
      return messageJson(messageSchema(field.messageType!), value as Record<string, unknown>);
    default:
      // int64/uint64 arrive as decimal strings (longs: String), 32-bit ones as numbers.
      return String(value);
  }
}

function fieldJson(field: FieldSchema, value: unknown): string {
  if (field.repeated) return '[' + (value as unknown[]).map((v) => scalarJson(field, v)).join(',') + ']';
  return scalarJson(field, value);
}

function isEmptyField(field: FieldSchema, value: unknown): boolean {
  if (field.repeated) return !Array.isArray(value) || value.length === 0;
  return isZeroScalar(field, value);
}

/** A decoded etcd message (proto-loader's object form) as Go's json.Marshal prints its struct. */
export function messageJson(schema: MessageSchema, message: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const member of schema.members) {
    if ('field' in member) {
      const value = message[member.field.name];
      if (!isEmptyField(member.field, value)) parts.push(`"${member.field.name}":${fieldJson(member.field, value)}`);
      continue;
    }
    // A oneof is an interface-typed Go field without a json tag: always present, null when unset.
    const chosen = member.oneof.members.find((f) =>
      message[member.oneof.name] !== undefined ? message[member.oneof.name] === f.name : message[f.name] != null,
    );
    const inner = chosen ? `{"${goFieldName(chosen.name)}":${fieldJson(chosen, message[chosen.name])}}` : 'null';
    parts.push(`"${goFieldName(member.oneof.name)}":${inner}`);
  }
  return '{' + parts.join(',') + '}';
}

/** messageJson by full message name. */
export function protoJson(fullName: string, message: object): string {
  return messageJson(messageSchema(fullName), message as Record<string, unknown>);
}

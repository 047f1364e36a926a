/**
 * The payload of a raft log entry: proto/serverpb/internal.proto, encoded with protobufjs.
 * Requests keep the shape proto-loader gives the API (keepCase, int64 as decimal strings, bytes as
 * Buffers), so a request travels from the gRPC handler to every member's applier unchanged.
 */
import protobuf from 'protobufjs';
import { join } from 'node:path';
import { PROTO_DIR } from '../etcdpb/load.js';
import type { PutRequest__Output } from '../gen/etcdserverpb/PutRequest.js';
import type { DeleteRangeRequest__Output } from '../gen/etcdserverpb/DeleteRangeRequest.js';
import type { TxnRequest__Output } from '../gen/etcdserverpb/TxnRequest.js';
import type { CompactionRequest__Output } from '../gen/etcdserverpb/CompactionRequest.js';
import type { LeaseGrantRequest__Output } from '../gen/etcdserverpb/LeaseGrantRequest.js';
import type { LeaseRevokeRequest__Output } from '../gen/etcdserverpb/LeaseRevokeRequest.js';
import type { RangeRequest__Output } from '../gen/etcdserverpb/RangeRequest.js';

export interface MemberAttributes {
  member_id: string;
  name: string;
  client_urls: string[];
}

export type InternalRequestBody =
  | { kind: 'put'; put: PutRequest__Output }
  | { kind: 'delete_range'; delete_range: DeleteRangeRequest__Output }
  | { kind: 'txn'; txn: TxnRequest__Output }
  | { kind: 'compaction'; compaction: CompactionRequest__Output }
  | { kind: 'lease_grant'; lease_grant: LeaseGrantRequest__Output }
  | { kind: 'lease_revoke'; lease_revoke: LeaseRevokeRequest__Output }
  | { kind: 'range'; range: RangeRequest__Output }
  | { kind: 'publish'; publish: MemberAttributes };

export type InternalRequest = { id: bigint } & InternalRequestBody;

let messageType: protobuf.Type | undefined;

function type(): protobuf.Type {
  if (!messageType) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
    root.loadSync('serverpb/internal.proto', { keepCase: true });
    messageType = root.lookupType('serverpb.InternalRequest');
  }
  return messageType;
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  oneofs: true,
};

export function encodeInternalRequest(req: InternalRequest): Uint8Array {
  const t = type();
  const { id, kind, ...body } = req as InternalRequest & Record<string, unknown>;
  const msg = t.fromObject({ id: id.toString(), [kind]: body[kind] });
  return t.encode(msg).finish();
}

export function decodeInternalRequest(data: Uint8Array): InternalRequest {
  const t = type();
  const obj = t.toObject(t.decode(data), TO_OBJECT) as Record<string, unknown> & { id: string; request?: string };
  const kind = obj.request;
  if (!kind) throw new Error('internal request without a body');
  return { id: BigInt(obj.id), kind, [kind]: obj[kind] } as unknown as InternalRequest;
}

/** Warm the schema at boot so the first request does not pay for parsing it. */
export function loadInternalRequestSchema(): void {
  type();
}

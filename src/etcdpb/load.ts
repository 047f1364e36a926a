/**
 * Loads etcd's v3 API protos (proto/etcd/...) for both our server (api/) and our clients
 * (ctl/, tests). One place fixes the loader options, because wire compatibility depends on them:
 * keepCase (field names as in the .proto), longs as decimal strings (member and lease IDs use all
 * 64 bits), enums as strings, defaults filled in, oneof discriminators. Bytes fields are Buffers;
 * a string put into a bytes field would be read as base64 by protobufjs, so never do that.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../gen/rpc.js';

export const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'proto');

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let cached: ProtoGrpcType | undefined;

/** The etcdserverpb/mvccpb/authpb definitions as grpc-js service constructors and message types. */
export function loadEtcdProtos(): ProtoGrpcType {
  if (!cached) {
    const def = protoLoader.loadSync('etcd/etcdserverpb/rpc.proto', LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  }
  return cached;
}

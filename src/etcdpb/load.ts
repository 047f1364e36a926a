/**
 * Loads etcd's v3 API protos (proto/etcd/...) as a gRPC package for our server (api/) and tests.
 * One place fixes the loader options (LOADER_OPTIONS, in root.ts with the parsed protos), because
 * wire compatibility depends on them. The package is proto-loader's definition of the parsed
 * protos, the same one loadSync of the .proto files gives, without parsing them again when the
 * build has stored them (root.ts).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../gen/rpc.js';
import { LOADER_OPTIONS, etcdProtoJson } from './root.js';

export { LOADER_OPTIONS, PROTO_DIR } from './root.js';

let cached: ProtoGrpcType | undefined;

/** The etcdserverpb/mvccpb/authpb definitions as grpc-js service constructors and message types. */
export function loadEtcdProtos(): ProtoGrpcType {
  if (!cached) {
    const def = protoLoader.fromJSON(etcdProtoJson(), LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  }
  return cached;
}

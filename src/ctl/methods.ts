/**
 * etcd's unary RPCs and message codecs as tetcdctl uses them, made from the protobufjs reflection
 * alone. proto-loader's package definition would give the same codecs, but building it (a
 * descriptor for each of the hundred messages) costs a short run more than its request does.
 * The codecs are proto-loader's, step for step: fromObject then encode to write, decode then
 * toObject with LOADER_OPTIONS to read, so messages look exactly as they do through load.ts.
 */
import type { MethodDefinition } from '@grpc/proto-loader';
import type { Type } from 'protobufjs';
import type { AuthDefinition } from '../gen/etcdserverpb/Auth.js';
import type { ClusterDefinition } from '../gen/etcdserverpb/Cluster.js';
import type { KVDefinition } from '../gen/etcdserverpb/KV.js';
import type { MaintenanceDefinition } from '../gen/etcdserverpb/Maintenance.js';
import { LOADER_OPTIONS, etcdProtoRoot } from '../etcdpb/root.js';

/** One unary RPC: where it goes and how its messages are written and read. */
export interface UnaryMethod<Req, Res> {
  path: string;
  /** Full name of the request message, e.g. `etcdserverpb.RangeRequest`. */
  requestType: string;
  requestSerialize(request: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

interface Services {
  KV: KVDefinition;
  Cluster: ClusterDefinition;
  Maintenance: MaintenanceDefinition;
  Auth: AuthDefinition;
}

/** The methods a service declares (its definition also has grpc's string index signature). */
type MethodName<S extends keyof Services> = keyof { [K in keyof Services[S] as string extends K ? never : K]: 0 } & string;

type UnaryOf<D> = D extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer ResOut> ? UnaryMethod<Req, ResOut> : never;

function messageType(fullName: string): Type {
  return etcdProtoRoot().lookupType(fullName);
}

/** Go's Marshal is not this: callers leave zero fields out first (see proto_schema.ts). */
export function encodeMessage(fullName: string, message: object): Buffer {
  const type = messageType(fullName);
  return type.encode(type.fromObject(message)).finish() as Buffer;
}

export function decodeMessage(fullName: string, bytes: Uint8Array): unknown {
  const type = messageType(fullName);
  return type.toObject(type.decode(bytes), LOADER_OPTIONS);
}

const methods = new Map<string, UnaryMethod<unknown, unknown>>();

/** `etcdMethod('KV', 'Range')`: the typed unary method of etcdserverpb's service. */
export function etcdMethod<S extends keyof Services, M extends MethodName<S>>(service: S, name: M): UnaryOf<Services[S][M]> {
  const path = `/etcdserverpb.${service}/${name}`;
  let method = methods.get(path);
  if (!method) {
    const definition = etcdProtoRoot().lookupService(`etcdserverpb.${service}`).methods[name];
    if (!definition?.resolvedRequestType || !definition.resolvedResponseType) throw new Error(`unknown method ${path}`);
    const requestType = definition.resolvedRequestType.fullName.slice(1);
    const responseType = definition.resolvedResponseType.fullName.slice(1);
    method = {
      path,
      requestType,
      requestSerialize: (request) => encodeMessage(requestType, request as object),
      responseDeserialize: (bytes) => decodeMessage(responseType, bytes),
    };
    methods.set(path, method);
  }
  return method as UnaryOf<Services[S][M]>;
}

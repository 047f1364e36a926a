/**
 * The client-facing gRPC server: etcd's six services on the client URLs. Methods a service does
 * not implement yet answer UNIMPLEMENTED explicitly, so every etcd RPC name resolves.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger.js';
import { loadEtcdProtos } from '../etcdpb/load.js';
import { etcdErrorMessage } from '../base/errors.js';
import type { EtcdServer } from '../server/etcd_server.js';
import { kvService } from './kv_service.js';
import { maintenanceService } from './maintenance_service.js';
import { clusterService } from './cluster_service.js';

export interface ClientServerOptions {
  maxRequestBytes: number;
  maxTxnOps: number;
  /** The cluster token, mixed into the ids of added members as etcd does. */
  clusterToken: string;
}

/** etcd accepts gRPC messages up to the request limit plus 512 KiB of framing slack. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

/** A service implementation that may leave methods out. */
type PartialImplementation = { [method: string]: grpc.UntypedHandleCall | undefined };

/**
 * Clients that ask for a leader (metadata `hasleader: true`, clientv3's WithRequireLeader, set by
 * `etcdctl watch`) get `etcdserver: no leader` at once when this member knows none, as from etcd.
 */
function requireLeader(handler: grpc.UntypedHandleCall, hasLeader: () => boolean, streaming: boolean): grpc.UntypedHandleCall {
  const noLeader = { code: grpc.status.UNAVAILABLE, details: etcdErrorMessage('NoLeader') };
  const wantsLeader = (md: grpc.Metadata): boolean => md.get('hasleader')[0] === 'true';
  if (streaming) {
    return ((call: grpc.ServerDuplexStream<unknown, unknown>) => {
      if (wantsLeader(call.metadata) && !hasLeader()) {
        call.emit('error', noLeader);
        return;
      }
      (handler as (c: typeof call) => void)(call);
    }) as grpc.UntypedHandleCall;
  }
  return ((call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    if (wantsLeader(call.metadata) && !hasLeader()) {
      cb(noLeader);
      return;
    }
    (handler as grpc.handleUnaryCall<unknown, unknown>)(call, cb);
  }) as grpc.UntypedHandleCall;
}

function withUnimplemented(
  service: grpc.ServiceDefinition,
  impl: PartialImplementation,
  hasLeader: () => boolean,
): grpc.UntypedServiceImplementation {
  const full: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service)) {
    const given = impl[name];
    if (given) {
      full[name] = requireLeader(given, hasLeader, method.requestStream || method.responseStream);
      continue;
    }
    const status = { code: grpc.status.UNIMPLEMENTED, details: `unknown method ${name}` };
    if (method.requestStream || method.responseStream) {
      full[name] = (call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) => {
        call.emit('error', status);
      };
    } else {
      full[name] = (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(status);
    }
  }
  return full;
}

export function createClientServer(server: EtcdServer, opts: ClientServerOptions, logger: Logger): grpc.Server {
  const protos = loadEtcdProtos().etcdserverpb;
  const grpcServer = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': -1,
    // etcdctl pings every 2 s by default on idle watch streams; etcd allows pings every 5 s.
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 1000,
  });
  const add = (svc: grpc.ServiceDefinition, impl: PartialImplementation): void =>
    grpcServer.addService(svc, withUnimplemented(svc, impl, () => server.hasLeader()));
  add(protos.KV.service, kvService(server, { maxTxnOps: opts.maxTxnOps }, logger));
  add(protos.Watch.service, {});
  add(protos.Lease.service, {});
  add(protos.Cluster.service, clusterService(server, opts.clusterToken, logger));
  add(protos.Maintenance.service, maintenanceService(server, logger));
  add(protos.Auth.service, {});
  return grpcServer;
}

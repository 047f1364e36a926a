/**
 * A minimal promise-based etcd KV/Maintenance client over @grpc/grpc-js for process tests: plain
 * requests in, decoded responses out, gRPC errors surfaced as-is (code + details) so tests can
 * assert etcd's exact status. No retries, on purpose: a test must see what the server answered.
 */
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../../src/etcdpb/load.js';
import type { KVClient } from '../../src/gen/etcdserverpb/KV.js';
import type { MaintenanceClient } from '../../src/gen/etcdserverpb/Maintenance.js';
import type { RangeRequest } from '../../src/gen/etcdserverpb/RangeRequest.js';
import type { RangeResponse__Output } from '../../src/gen/etcdserverpb/RangeResponse.js';
import type { PutRequest } from '../../src/gen/etcdserverpb/PutRequest.js';
import type { PutResponse__Output } from '../../src/gen/etcdserverpb/PutResponse.js';
import type { DeleteRangeRequest } from '../../src/gen/etcdserverpb/DeleteRangeRequest.js';
import type { DeleteRangeResponse__Output } from '../../src/gen/etcdserverpb/DeleteRangeResponse.js';
import type { TxnRequest } from '../../src/gen/etcdserverpb/TxnRequest.js';
import type { TxnResponse__Output } from '../../src/gen/etcdserverpb/TxnResponse.js';
import type { CompactionRequest } from '../../src/gen/etcdserverpb/CompactionRequest.js';
import type { CompactionResponse__Output } from '../../src/gen/etcdserverpb/CompactionResponse.js';
import type { StatusResponse__Output } from '../../src/gen/etcdserverpb/StatusResponse.js';

type Callback<Res> = (err: grpc.ServiceError | null, res?: Res) => void;

function unary<Res>(timeoutMs: number, invoke: (options: grpc.CallOptions, cb: Callback<Res>) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke({ deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(err);
      else if (res === undefined) reject(new Error('empty gRPC response'));
      else resolve(res);
    });
  });
}

export class EtcdGrpcClient {
  private readonly kv: KVClient;
  private readonly maintenance: MaintenanceClient;

  /** `endpoint` is host:port. */
  constructor(
    readonly endpoint: string,
    private readonly timeoutMs = 5_000,
  ) {
    const pb = loadEtcdProtos().etcdserverpb;
    const credentials = grpc.credentials.createInsecure();
    // A larger receive limit than grpc-js's 4 MiB default, as etcdctl has, so that a server
    // limit (not ours) decides what is too large.
    const options = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };
    this.kv = new pb.KV(endpoint, credentials, options);
    this.maintenance = new pb.Maintenance(endpoint, credentials, options);
  }

  range(req: RangeRequest): Promise<RangeResponse__Output> {
    return unary(this.timeoutMs, (o, cb) => this.kv.Range(req, o, cb));
  }

  put(req: PutRequest): Promise<PutResponse__Output> {
    return unary(this.timeoutMs, (o, cb) => this.kv.Put(req, o, cb));
  }

  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse__Output> {
    return unary(this.timeoutMs, (o, cb) => this.kv.DeleteRange(req, o, cb));
  }

  txn(req: TxnRequest): Promise<TxnResponse__Output> {
    return unary(this.timeoutMs, (o, cb) => this.kv.Txn(req, o, cb));
  }

  compact(req: CompactionRequest): Promise<CompactionResponse__Output> {
    return unary(this.timeoutMs, (o, cb) => this.kv.Compact(req, o, cb));
  }

  status(): Promise<StatusResponse__Output> {
    return unary(this.timeoutMs, (o, cb) => this.maintenance.Status({}, o, cb));
  }

  /** The store's current revision, as a number (tests stay far below 2^53). */
  async currentRevision(): Promise<number> {
    const res = await this.range({ key: Buffer.from([0]) });
    return Number(res.header?.revision ?? NaN);
  }

  close(): void {
    this.kv.close();
    this.maintenance.close();
  }
}

/** True when `err` is a gRPC error; narrows for `.code` and `.details`. */
export function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}

export { grpc };

/** Maps errors to gRPC statuses with etcd's exact codes and messages. */
import * as grpc from '@grpc/grpc-js';
import { EtcdError } from '../base/errors.js';
import type { Logger } from '../base/logger.js';

export function toServiceError(err: unknown, logger: Logger): Partial<grpc.StatusObject> {
  if (err instanceof EtcdError) {
    return { code: err.grpcCode as number as grpc.status, details: err.message };
  }
  logger.error({ err }, 'unexpected error serving a request');
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.UNKNOWN, details: message };
}

/** Wraps an async unary handler: validation and server errors become etcd's statuses. */
export function unary<Req, Res>(
  logger: Logger,
  handler: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let promise: Promise<Res>;
    try {
      promise = handler(call.request, call);
    } catch (err) {
      callback(toServiceError(err, logger));
      return;
    }
    promise.then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err, logger)),
    );
  };
}

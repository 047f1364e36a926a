/** etcdserverpb.KV: validate, then hand to the server. */
import type { Logger } from '../base/logger.js';
import type { EtcdServer } from '../server/etcd_server.js';
import type { KVHandlers } from '../gen/etcdserverpb/KV.js';
import { unary } from './errors.js';
import { checkDeleteRequest, checkPutRequest, checkRangeRequest, checkTxnRequest, type ValidationLimits } from './validate.js';

export function kvService(server: EtcdServer, limits: ValidationLimits, logger: Logger): KVHandlers {
  return {
    Range: unary(logger, async (req) => {
      checkRangeRequest(req);
      return server.range(req);
    }),
    Put: unary(logger, async (req) => {
      checkPutRequest(req);
      return server.put(req);
    }),
    DeleteRange: unary(logger, async (req) => {
      checkDeleteRequest(req);
      return server.deleteRange(req);
    }),
    Txn: unary(logger, async (req) => {
      checkTxnRequest(req, limits);
      return server.txn(req);
    }),
    Compact: unary(logger, async (req) => server.compact(req)),
  };
}

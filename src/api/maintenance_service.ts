/** etcdserverpb.Maintenance: status and leadership for operators. */
import type { Logger } from '../base/logger.js';
import { parseU64 } from '../base/ids.js';
import type { EtcdServer } from '../server/etcd_server.js';
import type { MaintenanceHandlers } from '../gen/etcdserverpb/Maintenance.js';
import { ETCD_VERSION } from '../version.js';
import { unary } from './errors.js';

export function maintenanceService(server: EtcdServer, logger: Logger): Partial<MaintenanceHandlers> {
  return {
    Status: unary(logger, async () => {
      const s = await server.status();
      const errors: string[] = [];
      if (s.leader === 0n) errors.push('etcdserver: no leader');
      return {
        header: server.header(),
        version: ETCD_VERSION,
        dbSize: s.dbSize,
        dbSizeInUse: s.dbSize,
        leader: s.leader.toString(),
        raftIndex: s.raftIndex,
        raftTerm: s.raftTerm,
        raftAppliedIndex: s.raftAppliedIndex,
        errors,
        isLearner: s.isLearner,
      };
    }),
    // No alarms exist yet (no quota): GET lists none, and (de)activation has nothing to do.
    Alarm: unary(logger, async () => ({ header: server.header(), alarms: [] })),
    Defragment: unary(logger, async () => ({ header: server.header() })),
    MoveLeader: unary(logger, async (req) => {
      await server.moveLeader(parseU64(req.targetID));
      return { header: server.header() };
    }),
    HashKV: unary(logger, async (req) => {
      const h = server.hashKV(Number(req.revision));
      return { header: server.header(), hash: h.hash, compact_revision: h.compactRevision, hash_revision: h.hashRevision };
    }),
  };
}

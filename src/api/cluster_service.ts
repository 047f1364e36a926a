/** etcdserverpb.Cluster: membership changes go through raft; the list is this member's view. */
import type { Logger } from '../base/logger.js';
import { parseU64 } from '../base/ids.js';
import type { EtcdServer } from '../server/etcd_server.js';
import type { Member } from '../server/membership.js';
import type { ClusterHandlers } from '../gen/etcdserverpb/Cluster.js';
import type { Member as PbMember } from '../gen/etcdserverpb/Member.js';
import type { ResponseHeader } from '../gen/etcdserverpb/ResponseHeader.js';
import { unary } from './errors.js';

function toPbMember(m: Member): PbMember {
  return { ID: m.id.toString(), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}

export function clusterService(server: EtcdServer, token: string, logger: Logger): Partial<ClusterHandlers> {
  // etcd leaves the revision out of Cluster response headers.
  const header = (): ResponseHeader => ({ ...server.header(), revision: 0 });
  return {
    MemberList: unary(logger, async (req) => {
      if (req.linearizable) await server.linearizableBarrier();
      return { header: header(), members: server.memberList().map(toPbMember) };
    }),
    MemberAdd: unary(logger, async (req) => {
      const { member, members } = await server.memberAdd(req.peerURLs, req.isLearner, token);
      return { header: header(), member: toPbMember(member), members: members.map(toPbMember) };
    }),
    MemberRemove: unary(logger, async (req) => {
      const members = await server.memberRemove(parseU64(req.ID));
      return { header: header(), members: members.map(toPbMember) };
    }),
    MemberUpdate: unary(logger, async (req) => {
      const members = await server.memberUpdate(parseU64(req.ID), req.peerURLs);
      return { header: header(), members: members.map(toPbMember) };
    }),
    MemberPromote: unary(logger, async (req) => {
      const members = await server.memberPromote(parseU64(req.ID));
      return { header: header(), members: members.map(toPbMember) };
    }),
  };
}

/** etcdserverpb.Cluster: membership as this member knows it. */
import type { Logger } from '../base/logger.js';
import type { EtcdServer } from '../server/etcd_server.js';
import type { ClusterHandlers } from '../gen/etcdserverpb/Cluster.js';
import { unary } from './errors.js';

export function clusterService(server: EtcdServer, logger: Logger): Partial<ClusterHandlers> {
  return {
    MemberList: unary(logger, async () => {
      const id = server.identity;
      // etcd leaves the revision out of Cluster response headers.
      const header = { ...server.header(), revision: 0 };
      return {
        header,
        members: [
          { ID: id.memberId.toString(), name: id.name, peerURLs: id.peerUrls, clientURLs: id.clientUrls, isLearner: false },
        ],
      };
    }),
  };
}

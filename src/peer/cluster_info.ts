/**
 * How a member joining an existing cluster (--initial-cluster-state existing) learns the cluster
 * id and the member list, its own entry included: it asks the peers named in --initial-cluster,
 * over their peer URLs, until one answers. The receiving side is the `Members` method of the peer
 * service (inbound.ts), answered from TransportHandler.clusterMembers().
 */
import * as grpc from '@grpc/grpc-js';
import { hexId, parseU64 } from '../base/ids.js';
import { dedicatedClient, methodOf, type MemberWire, type MembersResponse } from './wire.js';

/** A member as the cluster knows it (the shape of server/membership's Member). */
export interface ClusterMember {
  id: bigint;
  /** Empty until the member started and published itself. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface RemoteCluster {
  clusterId: bigint;
  /** The member that answered. */
  answeredBy: bigint;
  members: ClusterMember[];
}

export function membersToWire(clusterId: bigint, localId: bigint, members: readonly ClusterMember[]): MembersResponse {
  return {
    cluster_id: clusterId.toString(),
    member_id: localId.toString(),
    members: members.map((m) => ({ id: m.id.toString(), name: m.name, peer_urls: [...m.peerURLs], client_urls: [...m.clientURLs], is_learner: m.isLearner })),
  };
}

function memberFromWire(m: MemberWire): ClusterMember {
  return { id: parseU64(m.id), name: m.name, peerURLs: [...m.peer_urls], clientURLs: [...m.client_urls], isLearner: m.is_learner };
}

function askOne(peerUrl: string, timeoutMs: number): Promise<RemoteCluster> {
  const method = methodOf('Members');
  const client = dedicatedClient(peerUrl);
  return new Promise<RemoteCluster>((resolve, reject) => {
    client.makeUnaryRequest<Record<string, never>, MembersResponse>(
      method.path,
      method.requestSerialize as (request: Record<string, never>) => Buffer,
      method.responseDeserialize as (bytes: Buffer) => MembersResponse,
      {},
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, response) => {
        client.close();
        if (err) reject(new Error(`${peerUrl}: ${grpc.status[err.code] ?? err.code}: ${err.details}`));
        else if (!response) reject(new Error(`${peerUrl}: empty answer`));
        else resolve({ clusterId: parseU64(response.cluster_id), answeredBy: parseU64(response.member_id), members: response.members.map(memberFromWire) });
      },
    );
  });
}

/**
 * The cluster as the first reachable peer describes it. Each peer gets `timeoutMs`; the error, if
 * none answers, lists every peer's failure.
 */
export async function fetchClusterFromPeers(peerUrls: readonly string[], opts: { timeoutMs: number }): Promise<RemoteCluster> {
  const failures: string[] = [];
  for (const url of peerUrls) {
    try {
      const cluster = await askOne(url, opts.timeoutMs);
      if (cluster.clusterId === 0n) throw new Error(`${url}: member ${hexId(cluster.answeredBy)} does not know its cluster id yet`);
      return cluster;
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  throw new Error(peerUrls.length === 0 ? 'no peer URLs to ask' : `no peer answered: ${failures.join('; ')}`);
}

/**
 * The peer service's wire details shared by the sending and the receiving side: the loaded
 * proto/peerpb/peer.proto, the identity metadata every call carries, how a refusal is spelled, and
 * how a peer URL becomes a gRPC address.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { hexId, parseHexId } from '../base/ids.js';
import { PROTO_DIR } from '../etcdpb/load.js';
import type { NodeId } from '../raft/types.js';

/** One frame of the snapshot call (proto `SnapshotChunk`, as proto-loader shapes it). */
export interface SnapshotChunk {
  message: Uint8Array;
  data: Uint8Array;
  last: boolean;
  /** uint64 as a decimal string (proto-loader `longs: String`). */
  total_bytes: string;
  sha256: Uint8Array;
}

export interface SnapshotReceipt {
  bytes_received: string;
}

export interface StreamSummary {
  messages_received: string;
}

/** proto `Member` / `MembersResponse`; uint64 fields as decimal strings. */
export interface MemberWire {
  id: string;
  name: string;
  peer_urls: string[];
  client_urls: string[];
  is_learner: boolean;
}

export interface MembersResponse {
  cluster_id: string;
  member_id: string;
  members: MemberWire[];
}

let cachedService: grpc.ServiceDefinition | undefined;

/**
 * The `tetcd.peerpb.Raft` service definition. The Stream method's frames are raftpb MessageBatch
 * bytes that src/raftpb/codec.ts writes and reads itself (one encoding pass, no reflection), so its
 * request (de)serializers pass the bytes through; the other messages use proto-loader's.
 */
export function raftService(): grpc.ServiceDefinition {
  if (cachedService) return cachedService;
  const definition = protoLoader.loadSync('peerpb/peer.proto', {
    keepCase: true,
    longs: String,
    defaults: true,
    includeDirs: [PROTO_DIR],
  });
  const loaded = definition['tetcd.peerpb.Raft'] as grpc.ServiceDefinition;
  const passThrough = (bytes: Buffer): Buffer => bytes;
  cachedService = {
    ...loaded,
    Stream: { ...loaded['Stream']!, requestSerialize: passThrough, requestDeserialize: passThrough },
  };
  return cachedService;
}

export function methodOf(name: 'Stream' | 'Snapshot' | 'Members'): grpc.MethodDefinition<unknown, unknown> {
  const method = raftService()[name];
  if (!method) throw new Error(`proto/peerpb/peer.proto has no method ${name}`);
  return method as grpc.MethodDefinition<unknown, unknown>;
}

// ---- identity metadata ----------------------------------------------------------------------

const CLUSTER_ID_KEY = 'tetcd-cluster-id';
const SENDER_ID_KEY = 'tetcd-sender-id';
const RECEIVER_ID_KEY = 'tetcd-receiver-id';
const REFUSAL_KEY = 'tetcd-refusal';

export interface CallIdentity {
  clusterId: bigint;
  from: NodeId;
  to: NodeId;
}

export function identityMetadata(identity: CallIdentity): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(CLUSTER_ID_KEY, hexId(identity.clusterId));
  md.set(SENDER_ID_KEY, hexId(identity.from));
  md.set(RECEIVER_ID_KEY, hexId(identity.to));
  return md;
}

/** The caller's identity, or a description of what is missing or malformed. */
export function readIdentity(md: grpc.Metadata): CallIdentity | string {
  const read = (key: string): bigint | string => {
    const values = md.get(key);
    const value = values.length === 1 ? values[0] : undefined;
    if (typeof value !== 'string') return `metadata ${key} is missing`;
    try {
      return parseHexId(value);
    } catch {
      return `metadata ${key} is not a hex id: ${JSON.stringify(value)}`;
    }
  };
  const clusterId = read(CLUSTER_ID_KEY);
  const from = read(SENDER_ID_KEY);
  const to = read(RECEIVER_ID_KEY);
  if (typeof clusterId === 'string') return clusterId;
  if (typeof from === 'string') return from;
  if (typeof to === 'string') return to;
  return { clusterId, from, to };
}

// ---- refusals -------------------------------------------------------------------------------

/**
 * Why a receiver refused a call. The first three are lasting until an operator acts (or the
 * sender's own state catches up with its removal); `unknown-member` usually clears as soon as the
 * receiver applies the conf change that adds the sender.
 */
export type RefusalReason = 'cluster-mismatch' | 'wrong-member' | 'removed' | 'unknown-member';

const REFUSAL_REASONS: readonly RefusalReason[] = ['cluster-mismatch', 'wrong-member', 'removed', 'unknown-member'];

export interface Refusal {
  reason: RefusalReason;
  message: string;
}

export function refusalStatus(refusal: Refusal): Partial<grpc.StatusObject> {
  const trailer = new grpc.Metadata();
  trailer.set(REFUSAL_KEY, refusal.reason);
  return { code: grpc.status.FAILED_PRECONDITION, details: refusal.message, metadata: trailer };
}

/** The refusal a call ended with, if the receiver refused it (as opposed to a network failure). */
export function refusalOf(err: grpc.ServiceError): Refusal | undefined {
  if (err.code !== grpc.status.FAILED_PRECONDITION) return undefined;
  const value = err.metadata?.get(REFUSAL_KEY)[0];
  const reason = REFUSAL_REASONS.find((r) => r === value);
  return reason ? { reason, message: err.details } : undefined;
}

// ---- addresses and channels -----------------------------------------------------------------

/** "http://host:port" → "host:port", as grpc-js binds and dials it. TLS comes with a later issue. */
export function grpcAddressOf(peerUrl: string): string {
  let url: URL;
  try {
    url = new URL(peerUrl);
  } catch {
    throw new Error(`bad peer URL ${JSON.stringify(peerUrl)}`);
  }
  if (url.protocol !== 'http:') throw new Error(`peer URL ${peerUrl}: only http:// is supported (TLS is not available yet)`);
  if (url.port === '') throw new Error(`peer URL ${peerUrl} has no port`);
  // URL keeps the brackets of an IPv6 literal in hostname, which is the form grpc-js expects.
  return `${url.hostname}:${url.port}`;
}

/**
 * A client with its own connection: every channel gets a private subchannel pool, so the message
 * stream and a snapshot transfer to the same peer never share one HTTP/2 connection (and its flow
 * control window), and a fresh client dials at once instead of inheriting grpc-js's reconnect backoff.
 * Long-lived calls pass `keepaliveMs` so that a silently dead connection is noticed.
 */
export function dedicatedClient(peerUrl: string, keepaliveMs?: number): grpc.Client {
  const options: grpc.ChannelOptions = {
    'grpc.use_local_subchannel_pool': 1,
    // Retries would buffer writes inside grpc-js and acknowledge them before they reach the socket,
    // which hides back-pressure from the per-peer queue.
    'grpc.enable_retries': 0,
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
  };
  if (keepaliveMs !== undefined) {
    options['grpc.keepalive_time_ms'] = keepaliveMs;
    options['grpc.keepalive_timeout_ms'] = keepaliveMs;
  }
  return new grpc.Client(grpcAddressOf(peerUrl), grpc.credentials.createInsecure(), options);
}

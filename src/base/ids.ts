/**
 * 64-bit identifiers. Member, cluster and lease IDs use all 64 bits on the wire (uint64 / int64),
 * so they are bigint in memory; raft indexes, terms and MVCC revisions stay below 2^53 and are numbers.
 */
import { createHash } from 'node:crypto';

export type MemberId = bigint;
export type ClusterId = bigint;
export type LeaseId = bigint;

export const U64_MAX = (1n << 64n) - 1n;

/** Parses a decimal string (as proto-loader gives with longs: String) or number into a bigint. */
export function parseU64(v: string | number | bigint | undefined | null): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  const b = BigInt(v);
  return b < 0n ? b & U64_MAX : b;
}

/** Signed view, for int64 wire fields (lease IDs). */
export function toInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

export function toUint64(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

/** etcd prints member IDs as lowercase hex without padding (%x). */
export function hexId(id: bigint): string {
  return toUint64(id).toString(16);
}

export function parseHexId(s: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) throw new Error(`bad hex id "${s}"`);
  return BigInt('0x' + s);
}

/** First 8 bytes of a SHA-1 digest, big-endian, as etcd derives member and cluster IDs. */
export function sha1Uint64(data: Buffer): bigint {
  return createHash('sha1').update(data).digest().readBigUInt64BE(0);
}

/** etcd's member ID: sha1(sorted peer URLs joined, + cluster token), first 8 bytes big-endian. */
export function deriveMemberId(peerUrls: readonly string[], clusterToken: string): MemberId {
  const sorted = [...peerUrls].sort();
  return sha1Uint64(Buffer.from(sorted.join('') + clusterToken, 'utf8'));
}

/** etcd's cluster ID: sha1 over the sorted member IDs as big-endian u64s. */
export function deriveClusterId(memberIds: readonly MemberId[]): ClusterId {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => buf.writeBigUInt64BE(id, i * 8));
  return sha1Uint64(buf);
}

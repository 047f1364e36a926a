/**
 * The cluster's members as this member has applied them: raft conf changes carry who joins or
 * leaves (with name and URLs in their context), `publish` requests carry a started member's name
 * and client URLs. Kept in the backend's `members` bucket, in the same batches as the consistent
 * index, so membership and data never disagree after a crash.
 */
import { invariant } from '../base/assert.js';
import type { Backend } from '../storage/backend.js';

export interface Member {
  id: bigint;
  /** Empty until the member started and published itself (etcdctl shows it as "unstarted"). */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** Bucket keys: 'm' + id for a member, 'r' + id for a removed id, 'c' for the cluster id. */
const MEMBER_PREFIX = 0x6d;
const REMOVED_PREFIX = 0x72;
const CLUSTER_ID_KEY = Buffer.from('c');

function idKey(prefix: number, id: bigint): Buffer {
  const k = Buffer.alloc(9);
  k[0] = prefix;
  k.writeBigUInt64BE(id, 1);
  return k;
}

interface StoredMember {
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export class Membership {
  private readonly members = new Map<bigint, Member>();
  private readonly removed = new Set<bigint>();
  private clusterIdValue = 0n;

  private constructor(private readonly backend: Backend) {}

  static async load(backend: Backend): Promise<Membership> {
    const m = new Membership(backend);
    await m.reload();
    return m;
  }

  /** Re-reads everything from the backend (after a snapshot replaced its contents). */
  async reload(): Promise<void> {
    this.members.clear();
    this.removed.clear();
    this.clusterIdValue = 0n;
    for await (const [key, value] of this.backend.iterate('members')) {
      if (key[0] === MEMBER_PREFIX && key.length === 9) {
        const id = key.readBigUInt64BE(1);
        const stored = JSON.parse(value.toString('utf8')) as StoredMember;
        this.members.set(id, { id, ...stored });
      } else if (key[0] === REMOVED_PREFIX && key.length === 9) {
        this.removed.add(key.readBigUInt64BE(1));
      } else if (key.equals(CLUSTER_ID_KEY)) {
        this.clusterIdValue = value.readBigUInt64BE(0);
      }
    }
  }

  get clusterId(): bigint {
    return this.clusterIdValue;
  }

  setClusterId(id: bigint): void {
    const v = Buffer.alloc(8);
    v.writeBigUInt64BE(id);
    this.backend.put('members', CLUSTER_ID_KEY, v);
    this.clusterIdValue = id;
  }

  list(): Member[] {
    return [...this.members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: bigint): Member | undefined {
    return this.members.get(id);
  }

  isRemoved(id: bigint): boolean {
    return this.removed.has(id);
  }

  has(id: bigint): boolean {
    return this.members.has(id);
  }

  /** The member (if any) that already uses one of these peer URLs. */
  findByPeerUrl(urls: readonly string[]): Member | undefined {
    return this.list().find((m) => m.peerURLs.some((u) => urls.includes(u)));
  }

  add(member: Member): void {
    invariant(!this.removed.has(member.id), () => `member ${member.id.toString(16)} was removed; its id cannot return`);
    this.store(member);
  }

  remove(id: bigint): void {
    this.members.delete(id);
    this.removed.add(id);
    this.backend.del('members', idKey(MEMBER_PREFIX, id));
    this.backend.put('members', idKey(REMOVED_PREFIX, id), Buffer.alloc(0));
  }

  updatePeerUrls(id: bigint, peerURLs: string[]): void {
    const m = this.members.get(id);
    if (!m) return;
    this.store({ ...m, peerURLs });
  }

  promote(id: bigint): void {
    const m = this.members.get(id);
    if (!m) return;
    this.store({ ...m, isLearner: false });
  }

  publish(id: bigint, name: string, clientURLs: string[]): void {
    const m = this.members.get(id);
    // A publish that raced with the member's removal changes nothing.
    if (!m) return;
    this.store({ ...m, name, clientURLs });
  }

  private store(m: Member): void {
    this.members.set(m.id, m);
    const stored: StoredMember = { name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
    this.backend.put('members', idKey(MEMBER_PREFIX, m.id), Buffer.from(JSON.stringify(stored), 'utf8'));
  }
}

/** What a membership conf change carries in its context. */
export interface ConfChangeContext {
  /** Ties the entry to the proposer's waiter. */
  requestId: string;
  member: { id: string; name: string; peerURLs: string[]; clientURLs: string[]; isLearner: boolean };
}

export function encodeConfChangeContext(c: ConfChangeContext): Uint8Array {
  return Buffer.from(JSON.stringify(c), 'utf8');
}

export function decodeConfChangeContext(data: Uint8Array): ConfChangeContext | undefined {
  if (data.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as ConfChangeContext;
  } catch {
    return undefined;
  }
}

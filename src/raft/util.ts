import { AssertionFailure } from '../base/assert.js';
import type { Entry, NodeId } from './types.js';
import { MessageType } from './types.js';

/**
 * The size an entry counts for in byte limits (maxSizePerMsg, maxInflightBytes, apply batches): its
 * payload plus a fixed allowance for term, index and type, so that empty entries are not free and a
 * limit of 0 still means "one entry at a time".
 */
export const ENTRY_OVERHEAD_BYTES = 12;

export function entrySize(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

export function entriesSize(entries: readonly Entry[]): number {
  let size = 0;
  for (const e of entries) size += entrySize(e);
  return size;
}

/** Payload bytes only: what maxUncommittedEntriesSize counts (the empty leader entry is free). */
export function payloadSize(entries: readonly Entry[]): number {
  let size = 0;
  for (const e of entries) size += e.data.byteLength;
  return size;
}

/**
 * The longest prefix of `entries` whose total size stays within maxSizeBytes, but never fewer than one
 * entry, so that progress is always possible even when one entry alone exceeds the limit.
 */
export function limitSize(entries: Entry[], maxSizeBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entrySize(entries[0]!);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entrySize(entries[n]!);
    if (size > maxSizeBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

export function compareIds(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort(compareIds);
}

/** Messages the node generates for itself; a peer can never send them. */
export function isLocalMessage(t: MessageType): boolean {
  return (
    t === MessageType.MsgHup ||
    t === MessageType.MsgBeat ||
    t === MessageType.MsgUnreachable ||
    t === MessageType.MsgSnapStatus ||
    t === MessageType.MsgCheckQuorum
  );
}

export function isResponseMessage(t: MessageType): boolean {
  return (
    t === MessageType.MsgAppResp ||
    t === MessageType.MsgVoteResp ||
    t === MessageType.MsgHeartbeatResp ||
    t === MessageType.MsgUnreachable ||
    t === MessageType.MsgPreVoteResp
  );
}

export function voteResponseType(t: MessageType): MessageType {
  switch (t) {
    case MessageType.MsgVote:
      return MessageType.MsgVoteResp;
    case MessageType.MsgPreVote:
      return MessageType.MsgPreVoteResp;
    default:
      throw new AssertionFailure(`not a vote message: ${MessageType[t]}`);
  }
}

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A node id as logs show it: lowercase hex, as etcd prints member ids. */
export function idText(id: NodeId): string {
  return id.toString(16);
}

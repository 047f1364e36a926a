/**
 * Records of the 'meta' bucket that belong to the state machine: the consistent index (the last
 * raft entry whose effects are in the store) with its term, and the compaction progress. Names are
 * etcd's. Numbers are 8-byte big-endian.
 */
import { readU64BE, writeU64BE } from '../base/bytes.js';
import type { Backend } from '../storage/backend.js';

const CONSISTENT_INDEX = Buffer.from('consistent_index');
const TERM = Buffer.from('term');
/** Written (in the applier's batch) when a compaction is accepted: its intent. */
const SCHEDULED_COMPACT = Buffer.from('scheduledCompactRev');
/** Written once every superseded revision up to it has been deleted from disk. */
const FINISHED_COMPACT = Buffer.from('finishedCompactRev');

export interface ConsistentIndex {
  index: number;
  term: number;
}

export function readConsistentIndex(backend: Backend): ConsistentIndex {
  return { index: readNumber(backend, CONSISTENT_INDEX), term: readNumber(backend, TERM) };
}

export function stageConsistentIndex(backend: Backend, ci: ConsistentIndex): void {
  backend.put('meta', CONSISTENT_INDEX, u64(ci.index));
  backend.put('meta', TERM, u64(ci.term));
}

/** -1 when no compaction was ever scheduled (0 is a valid compaction revision). */
export function readScheduledCompaction(backend: Backend): number {
  return readNumber(backend, SCHEDULED_COMPACT, -1);
}

/** -1 when no compaction ever finished. */
export function readFinishedCompaction(backend: Backend): number {
  return readNumber(backend, FINISHED_COMPACT, -1);
}

export function stageScheduledCompaction(backend: Backend, rev: number): void {
  backend.put('meta', SCHEDULED_COMPACT, u64(rev));
}

/** The write that records a finished compaction (written outside the applier's batch). */
export function finishedCompactionWrite(rev: number): { type: 'put'; bucket: 'meta'; key: Buffer; value: Buffer } {
  return { type: 'put', bucket: 'meta', key: FINISHED_COMPACT, value: u64(rev) };
}

function readNumber(backend: Backend, key: Buffer, absent = 0): number {
  const value = backend.get('meta', key);
  return value === undefined ? absent : readU64BE(value, 0);
}

function u64(n: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  writeU64BE(buf, 0, n);
  return buf;
}

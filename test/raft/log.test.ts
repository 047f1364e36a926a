/** MemoryLogStorage, the unstable tail and RaftLog: the index arithmetic everything else rests on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssertionFailure } from '../../src/base/assert.js';
import { RaftLog } from '../../src/raft/log.js';
import { UnstableLog } from '../../src/raft/log_unstable.js';
import { CompactedError, EntryType, MemoryLogStorage, SnapshotOutOfDateError, UnavailableError } from '../../src/raft/index.js';
import type { Entry } from '../../src/raft/index.js';

const e = (index: number, term: number, data = ''): Entry => ({ index, term, type: EntryType.Normal, data: new TextEncoder().encode(data) });
const ids = (es: readonly Entry[]) => es.map((x) => `${x.term}/${x.index}`);

function storageWith(terms: number[]): MemoryLogStorage {
  const s = new MemoryLogStorage();
  s.append(terms.map((t, i) => e(i + 1, t)));
  return s;
}

test('MemoryLogStorage: append truncates a conflicting suffix', () => {
  const s = storageWith([1, 1, 2, 2]);
  assert.equal(s.firstIndex(), 1);
  assert.equal(s.lastIndex(), 4);
  s.append([e(3, 3)]);
  assert.equal(s.lastIndex(), 3);
  assert.equal(s.term(3), 3);
  assert.throws(() => s.append([e(6, 3)]), AssertionFailure, 'a gap is a host bug');
});

test('MemoryLogStorage: compaction and snapshots', () => {
  const s = storageWith([1, 1, 2, 2, 3]);
  const cs = { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  const snap = s.createSnapshot(3, cs, new Uint8Array([9]));
  assert.equal(snap.metadata.term, 2);
  s.compact(3);
  assert.equal(s.firstIndex(), 4);
  assert.equal(s.term(3), 2, 'the term of the compacted boundary stays answerable');
  assert.throws(() => s.term(2), CompactedError);
  assert.throws(() => s.entries(3, 5, 100), CompactedError);
  assert.throws(() => s.term(6), UnavailableError);
  assert.deepEqual(ids(s.entries(4, 6, 1000)), ['2/4', '3/5']);
  assert.deepEqual(ids(s.entries(4, 6, 0)), ['2/4'], 'at least one entry even over the size limit');
  assert.throws(() => s.createSnapshot(2, cs, new Uint8Array()), SnapshotOutOfDateError);
  s.append([e(2, 9), e(3, 9), e(4, 9)]);
  assert.equal(s.term(4), 9, 'entries below the first index are skipped, the rest replace');
  s.applySnapshot({ data: new Uint8Array(), metadata: { index: 10, term: 4, confState: cs } });
  assert.equal(s.firstIndex(), 11);
  assert.equal(s.lastIndex(), 10);
  assert.throws(() => s.applySnapshot({ data: new Uint8Array(), metadata: { index: 10, term: 4, confState: cs } }), SnapshotOutOfDateError);
});

test('MemoryLogStorage.bootstrap puts the configuration at index 1, never 0', () => {
  const s = MemoryLogStorage.bootstrap([1n, 2n, 3n]);
  assert.equal(s.firstIndex(), 2);
  assert.equal(s.lastIndex(), 1);
  assert.deepEqual(s.initialState().confState.voters, [1n, 2n, 3n]);
  assert.deepEqual(s.initialState().hardState, { term: 1, vote: 0n, commit: 1 });
  const cs = { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  assert.throws(() => new MemoryLogStorage().applySnapshot({ data: new Uint8Array(), metadata: { index: 0, term: 0, confState: cs } }), /bootstrap/);
});

test('UnstableLog: truncateAndAppend and stableTo with term checks', () => {
  const u = new UnstableLog(5);
  u.truncateAndAppend([e(5, 1), e(6, 1), e(7, 1)]);
  u.truncateAndAppend([e(8, 2)]);
  assert.deepEqual(ids(u.entries), ['1/5', '1/6', '1/7', '2/8']);
  u.truncateAndAppend([e(7, 3)]);
  assert.deepEqual(ids(u.entries), ['1/5', '1/6', '3/7']);
  u.stableTo(7, 1);
  assert.equal(u.offset, 5, 'a stale (index, term) marks nothing stable');
  u.stableTo(6, 1);
  assert.deepEqual(ids(u.entries), ['3/7']);
  u.truncateAndAppend([e(4, 4)]);
  assert.equal(u.offset, 4, 'replacing below the offset rewinds it (stable entries get overwritten)');
  assert.deepEqual(ids(u.entries), ['4/4']);
});

test('RaftLog: maybeAppend matches, truncates conflicts, and commits only what it holds', () => {
  const log = new RaftLog(storageWith([1, 1, 1]), 1000);
  assert.equal(log.maybeAppend(3, 2, 3, [e(4, 2)]), undefined, 'previous term mismatch');
  assert.deepEqual(log.maybeAppend(3, 1, 10, [e(4, 2), e(5, 2)]), { lastNew: 5, truncatedFrom: undefined });
  assert.equal(log.committed, 5, 'commit bounded by the last new entry');
  assert.deepEqual(log.maybeAppend(5, 2, 5, [e(6, 3), e(7, 3)]), { lastNew: 7, truncatedFrom: undefined });
  assert.deepEqual(log.maybeAppend(5, 2, 5, [e(6, 4)]), { lastNew: 6, truncatedFrom: 6 });
  assert.equal(log.lastIndex(), 6);
  assert.throws(() => log.maybeAppend(1, 1, 5, [e(2, 5)]), AssertionFailure, 'conflict with a committed entry');
});

test('RaftLog: findConflictByTerm skips whole terms', () => {
  const log = new RaftLog(storageWith([1, 1, 2, 2, 2, 4, 4]), 1000);
  assert.deepEqual(log.findConflictByTerm(7, 3), { index: 5, term: 2 });
  assert.deepEqual(log.findConflictByTerm(7, 4), { index: 7, term: 4 });
  assert.deepEqual(log.findConflictByTerm(5, 1), { index: 2, term: 1 });
  assert.deepEqual(log.findConflictByTerm(9, 9), { index: 9, term: 0 }, 'beyond our log: unknown term');
  assert.deepEqual(log.findConflictByTerm(7, 0), { index: 0, term: 0 });
});

test('RaftLog: a leader commits only an entry of its own term', () => {
  const log = new RaftLog(storageWith([1, 1, 2]), 1000);
  assert.equal(log.maybeCommit(3, 3), false);
  assert.equal(log.maybeCommit(3, 2), true);
  assert.equal(log.committed, 3);
  assert.equal(log.maybeCommit(2, 1), false, 'never backwards');
});

test('RaftLog: slices span storage and the unstable tail, bounded by size', () => {
  const storage = storageWith([1, 1, 1]);
  const log = new RaftLog(storage, 1000);
  log.append([e(4, 2, 'aaaa'), e(5, 2, 'bbbb')]);
  assert.deepEqual(ids(log.slice(2, 6, 1000)), ['1/2', '1/3', '2/4', '2/5']);
  assert.deepEqual(ids(log.slice(2, 6, 12 * 2)), ['1/2', '1/3']);
  assert.deepEqual(ids(log.slice(3, 6, 12 + 16)), ['1/3', '2/4']);
  storage.createSnapshot(2, { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }, new Uint8Array());
  storage.compact(2);
  assert.throws(() => log.slice(2, 4, 1000), CompactedError);
  assert.equal(log.term(2), 1);
  assert.throws(() => log.term(1), CompactedError);
  assert.throws(() => log.term(6), UnavailableError);
});

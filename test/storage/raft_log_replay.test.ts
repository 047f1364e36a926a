import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogReplay, ReplayError } from '../../src/storage/raft_log_replay.js';
import { LogTerms } from '../../src/storage/raft_log_terms.js';
import { entries, entry, snapshotMeta } from './disk_helpers.js';

const meta = snapshotMeta;
const summary = (r: LogReplay) => {
  const s = r.finish();
  return { snapshot: s.snapshot?.index ?? 0, log: s.entries.map((e) => `${e.index}/${e.term}`).join(' ') };
};

test('a later entry at an existing index truncates the suffix', () => {
  const r = new LogReplay();
  r.applyEntries(entries(1, 10, 1));
  r.applyEntries(entries(6, 8, 2));
  assert.equal(summary(r).log, '1/1 2/1 3/1 4/1 5/1 6/2 7/2 8/2');
});

test('a gap in the log is an error', () => {
  const r = new LogReplay();
  r.applyEntries(entries(1, 3, 1));
  assert.throws(() => r.applyEntries([entry(5, 1)]), ReplayError);
});

const KEEPS = false;
const REPLACES = true;

test('a snapshot the log holds keeps the entries after it', () => {
  const r = new LogReplay();
  r.applyEntries(entries(1, 10, 2));
  r.applySnapshotMarker(meta(6, 2), KEEPS);
  assert.deepEqual(summary(r), { snapshot: 6, log: '7/2 8/2 9/2 10/2' });

  const lying = new LogReplay();
  lying.applyEntries(entries(1, 10, 2));
  assert.throws(() => lying.applySnapshotMarker(meta(6, 3), KEEPS), /written as held by the log, whose entry has term 2/);
});

test('a snapshot that replaced the log voids every entry written before it', () => {
  const r = new LogReplay();
  r.applyEntries(entries(1, 10, 2));
  r.applySnapshotMarker(meta(6, 3), REPLACES); // entry 6 has term 2: the leader's history differs
  r.applyEntries(entries(7, 8, 3));
  assert.deepEqual(summary(r), { snapshot: 6, log: '7/3 8/3' });

  const beyond = new LogReplay();
  beyond.applyEntries(entries(1, 4, 1));
  beyond.applySnapshotMarker(meta(20, 5), REPLACES);
  assert.deepEqual(summary(beyond), { snapshot: 20, log: '' });
});

test('a replay that starts after released segments must be covered by a snapshot', () => {
  // The first kept segment's head repeats an old marker; older markers whose entries were in
  // released segments still apply, because each marker says whether it kept the log.
  const covered = new LogReplay();
  covered.applySnapshotMarker(meta(10, 1), KEEPS);
  covered.applyEntries(entries(41, 60, 2));
  covered.applySnapshotMarker(meta(38, 2), KEEPS);
  covered.applySnapshotMarker(meta(50, 2), KEEPS);
  assert.deepEqual(summary(covered), { snapshot: 50, log: '51/2 52/2 53/2 54/2 55/2 56/2 57/2 58/2 59/2 60/2' });

  const uncovered = new LogReplay();
  uncovered.applySnapshotMarker(meta(10, 1), KEEPS);
  uncovered.applyEntries(entries(41, 60, 2));
  assert.throws(() => uncovered.finish(), /starts at entry 41 but the newest snapshot is at 10/);
});

test('hard state: the last one wins; a commit beyond the log is an error; a commit below the snapshot is raised', () => {
  const r = new LogReplay();
  r.applyEntries(entries(1, 5, 1));
  r.applyHardState({ term: 1, vote: 2n, commit: 3 });
  r.applyHardState({ term: 2, vote: 3n, commit: 4 });
  assert.deepEqual(r.finish().hardState, { term: 2, vote: 3n, commit: 4 });

  r.applyHardState({ term: 2, vote: 3n, commit: 9 });
  assert.throws(() => r.finish(), /commits entry 9 but the log ends at 5/);

  const raised = new LogReplay();
  raised.applyHardState({ term: 4, vote: 0n, commit: 2 });
  raised.applySnapshotMarker(meta(30, 4), REPLACES);
  assert.equal(raised.finish().hardState.commit, 30);
});

test('snapshot markers never go back, and the same index must keep its term', () => {
  const r = new LogReplay();
  r.applySnapshotMarker(meta(10, 2), REPLACES);
  r.applySnapshotMarker(meta(10, 2), KEEPS);
  assert.throws(() => r.applySnapshotMarker(meta(9, 2), KEEPS), /older than the snapshot at 10/);
  assert.throws(() => r.applySnapshotMarker(meta(10, 3), KEEPS), /has term 3/);
  assert.throws(() => r.applyEntries([entry(10, 2)]), /at or below the snapshot/);
});

test('LogTerms tracks terms as runs through appends, truncations and snapshots', () => {
  const t = new LogTerms();
  t.append(entries(1, 10, 1));
  t.append(entries(11, 20, 3));
  t.append(entries(15, 16, 4)); // truncates 15..20
  assert.deepEqual([t.termAt(0), t.termAt(1), t.termAt(10), t.termAt(14), t.termAt(15), t.termAt(16), t.termAt(17)], [0, 1, 1, 3, 4, 4, undefined]);
  assert.equal(t.lastIndex, 16);
  assert.throws(() => t.append([entry(17, 3)]), /below the term 4/);
  assert.throws(() => t.append([entry(18, 4)]), /gap/);
  assert.equal(t.lastIndex, 16, 'a refused append changes nothing');

  t.applySnapshot(meta(12, 3)); // matches: the suffix stays
  assert.deepEqual([t.termAt(11), t.termAt(12), t.termAt(13), t.termAt(16)], [undefined, 3, 3, 4]);
  assert.throws(() => t.append([entry(12, 3)]), /at or below the durable snapshot/);

  t.applySnapshot(meta(14, 5)); // entry 14 has term 3: the leader's log replaces ours
  assert.equal(t.lastIndex, 14);
  assert.equal(t.termAt(15), undefined);
  t.append([entry(15, 5)]);
  assert.equal(LogTerms.of(meta(14, 5), [entry(15, 5)]).termAt(15), 5);
});

/** Inflights against a plain-array model, and the Progress state machine's rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssertionFailure } from '../../src/base/assert.js';
import { SeededRand } from '../../src/base/rand.js';
import { Inflights } from '../../src/raft/tracker/inflights.js';
import { Progress } from '../../src/raft/tracker/progress.js';

test('property: inflights behaves like an array of (index, bytes) bounded by count and bytes', () => {
  const rand = new SeededRand(0x1f);
  for (let round = 0; round < 300; round++) {
    const maxCount = 1 + rand.int(8);
    const maxBytes = rand.int(3) === 0 ? 0 : 1 + rand.int(100);
    const inf = new Inflights(maxCount, maxBytes);
    let model: Array<{ index: number; bytes: number }> = [];
    let next = 1;
    const modelFull = () =>
      model.length === maxCount || (maxBytes > 0 && model.reduce((s, e) => s + e.bytes, 0) >= maxBytes);
    for (let op = 0; op < 200; op++) {
      const r = rand.int(10);
      if (r < 5) {
        if (modelFull()) {
          assert.throws(() => inf.add(next, 1), AssertionFailure);
          continue;
        }
        next += 1 + rand.int(3);
        const bytes = rand.int(40);
        inf.add(next, bytes);
        model.push({ index: next, bytes });
      } else if (r < 8) {
        const upTo = next - rand.int(6);
        inf.freeLE(upTo);
        model = model.filter((e) => e.index > upTo);
      } else if (r < 9) {
        inf.freeFirstOne();
        model = model.slice(1);
      } else if (rand.int(10) === 0) {
        inf.reset();
        model = [];
      }
      assert.equal(inf.count(), model.length);
      assert.equal(inf.totalBytes(), model.reduce((s, e) => s + e.bytes, 0));
      assert.equal(inf.full(), modelFull());
      const copy = inf.clone();
      assert.equal(copy.count(), inf.count());
      assert.equal(copy.totalBytes(), inf.totalBytes());
    }
  }
});

test('inflights refuses non-increasing indexes', () => {
  const inf = new Inflights(4, 0);
  inf.add(5, 1);
  assert.throws(() => inf.add(5, 1), AssertionFailure);
});

function progress(match: number, next: number): Progress {
  return new Progress(match, next, new Inflights(3, 0), false);
}

test('progress: probe pauses after one MsgApp until answered', () => {
  const pr = progress(0, 5);
  assert.equal(pr.isPaused(), false);
  pr.sentEntries(2, 10);
  assert.equal(pr.isPaused(), true);
  assert.equal(pr.next, 5, 'probe does not advance next optimistically');
  assert.equal(pr.maybeUpdate(6), true);
  assert.equal(pr.isPaused(), false);
  assert.equal(pr.match, 6);
  assert.equal(pr.next, 7);
});

test('progress: replicate streams optimistically and pauses on a full window', () => {
  const pr = progress(4, 5);
  pr.becomeReplicate();
  pr.sentEntries(2, 10);
  pr.sentEntries(1, 10);
  assert.equal(pr.next, 8);
  assert.equal(pr.isPaused(), false);
  pr.sentEntries(1, 10);
  assert.equal(pr.isPaused(), true);
  pr.maybeUpdate(6);
  pr.inflights.freeLE(6);
  assert.equal(pr.isPaused(), false);
});

test('progress: maybeDecrTo ignores stale rejections and uses the hint', () => {
  const pr = progress(3, 10);
  assert.equal(pr.maybeDecrTo(5, 4), false, 'probe: only the latest probe (next-1 = 9) counts');
  assert.equal(pr.maybeDecrTo(9, 6), true);
  assert.equal(pr.next, 7);
  assert.equal(pr.maybeDecrTo(6, 0), true);
  assert.equal(pr.next, 4, 'never below match+1');
  pr.becomeReplicate();
  pr.sentEntries(3, 3);
  assert.equal(pr.maybeDecrTo(3, 0), false, 'replicate: a rejection at or below match is stale');
  assert.equal(pr.maybeDecrTo(5, 0), true);
  assert.equal(pr.next, 4);
});

test('progress: after a snapshot, probing resumes from the snapshot', () => {
  const pr = progress(3, 4);
  pr.becomeSnapshot(20);
  assert.equal(pr.isPaused(), true);
  assert.equal(pr.next, 21);
  pr.becomeProbe();
  assert.equal(pr.next, 21);
  assert.equal(pr.match, 3);
  pr.becomeSnapshot(20);
  pr.pendingSnapshot = 0;
  pr.becomeProbe();
  assert.equal(pr.next, 4, 'a failed snapshot resumes from match');
});

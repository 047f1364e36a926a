/**
 * Randomized differential test: the store and a naive replay model (model.ts) get the same seeded
 * sequence of writes, reads at random revisions with random options, compactions, commits,
 * restarts and crashes, and must answer alike. A failure names its seed and step; rerun with
 * MVCC_SEED=<seed> to replay it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRand } from '../../src/base/rand.js';
import { isEtcdError } from '../../src/base/errors.js';
import type { KeyValue, RangeOptions, SortOrder, SortTarget } from '../../src/mvcc/index.js';
import { MvccModel, type ModelOp } from './model.js';
import { openFixture, storedRevisions, type Fixture } from './helpers.js';

const KEYS = ['a', 'ab', 'abc', 'b', 'b\xff', 'c', '\xff', '\xff\xff', 'a\0', 'z', 'k1', 'k2', 'k10'].map((k) => Buffer.from(k, 'latin1'));
const ENDS = [...KEYS, Buffer.alloc(0), Buffer.from([0]), Buffer.alloc(0), Buffer.alloc(0)];
const ORDERS: SortOrder[] = ['NONE', 'NONE', 'ASCEND', 'DESCEND'];
const TARGETS: SortTarget[] = ['KEY', 'KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const LEASES = [0n, 0n, 0n, 5n, 2n ** 62n];

function pick<T>(rand: SeededRand, items: readonly T[]): T {
  return items[rand.int(items.length)]!;
}

function describe(kvs: KeyValue[]): string[] {
  return kvs.map((kv) => `${kv.key.toString('hex')}=${kv.value.toString('latin1')}@${kv.createRevision}/${kv.modRevision}/${kv.version}/l${kv.lease}`);
}

function outcome(fn: () => { kvs: KeyValue[]; more: boolean; count: number; rev: number }): unknown {
  try {
    const r = fn();
    return { kvs: describe(r.kvs), more: r.more, count: r.count, rev: r.rev };
  } catch (err) {
    if (isEtcdError(err)) return { error: err.code };
    throw err;
  }
}

function randomRangeOptions(rand: SeededRand, model: MvccModel): RangeOptions {
  const opts: RangeOptions = {};
  const roll = rand.int(10);
  // Mostly valid revisions, sometimes compacted or future ones.
  if (roll < 5) opts.rev = 1 + rand.int(model.currentRev + 1);
  else if (roll === 5) opts.rev = -rand.int(3);
  if (rand.int(3) === 0) opts.limit = rand.int(5);
  if (rand.int(3) === 0) {
    opts.sortOrder = pick(rand, ORDERS);
    opts.sortTarget = pick(rand, TARGETS);
  }
  if (rand.int(8) === 0) opts.keysOnly = true;
  if (rand.int(10) === 0) opts.countOnly = true;
  if (rand.int(6) === 0) opts.minModRevision = rand.int(model.currentRev + 1);
  if (rand.int(6) === 0) opts.maxModRevision = rand.int(model.currentRev + 1);
  if (rand.int(8) === 0) opts.minCreateRevision = rand.int(model.currentRev + 1);
  if (rand.int(8) === 0) opts.maxCreateRevision = rand.int(model.currentRev + 1);
  return opts;
}

function randomWrite(rand: SeededRand): ModelOp[] {
  const ops: ModelOp[] = [];
  const n = rand.int(6) === 0 ? 1 + rand.int(4) : 1;
  for (let i = 0; i < n; i++) {
    if (rand.int(4) === 0) ops.push({ type: 'delete', key: pick(rand, KEYS), end: pick(rand, ENDS) });
    else ops.push({ type: 'put', key: pick(rand, KEYS), value: Buffer.from(`v${rand.int(1000)}`), lease: pick(rand, LEASES) });
  }
  return ops;
}

async function run(seed: number, steps: number): Promise<void> {
  const rand = new SeededRand(seed);
  const model = new MvccModel();
  const fx: Fixture = await openFixture();
  let step = 0;
  const where = () => `seed ${seed}, step ${step}`;
  try {
    for (step = 0; step < steps; step++) {
      const roll = rand.int(100);
      if (roll < 40) {
        const ops = randomWrite(rand);
        const txn = fx.store.write();
        for (const op of ops) {
          if (op.type === 'put') txn.put(op.key, op.value, op.lease);
          else txn.deleteRange(op.key, op.end);
        }
        const { rev, events } = txn.end();
        const before = model.currentRev;
        assert.equal(rev, model.write(ops), where());
        assert.equal(events.length > 0, rev > before, where());
      } else if (roll < 80) {
        const key = pick(rand, KEYS);
        const end = pick(rand, ENDS);
        const opts = randomRangeOptions(rand, model);
        assert.deepEqual(
          outcome(() => fx.store.range(key, end, opts)),
          outcome(() => model.range(key, end, opts)),
          `${where()}: range ${key.toString('hex')}..${end.toString('hex')} ${JSON.stringify(opts)}`,
        );
      } else if (roll < 85) {
        const rev = model.compactRev + rand.int(model.currentRev - model.compactRev + 2) - (rand.int(5) === 0 ? 1 : 0);
        let expected: string | undefined;
        try {
          model.compact(rev);
        } catch (err) {
          if (!isEtcdError(err)) throw err;
          expected = err.code;
        }
        if (expected) {
          assert.throws(() => fx.store.compact(rev), (e) => isEtcdError(e) && e.code === expected, where());
        } else {
          const { done } = fx.store.compact(rev);
          if (rand.int(2) === 0) {
            await fx.commit();
            model.committed();
            await done;
            assert.deepEqual(await storedRevisions(fx.backend), model.retainedRevisions(), `${where()}: physical compaction at ${rev}`);
          }
        }
      } else if (roll < 93) {
        await fx.commit();
        model.committed();
      } else if (roll < 96) {
        await fx.reopen();
        model.committed();
      } else {
        await fx.crash();
        model.crashed();
      }
      assert.equal(fx.store.currentRevision(), model.currentRev, where());
      assert.equal(fx.store.compactedRevision(), Math.max(0, model.compactRev), where());
    }
    // Every retained revision still reads the same after a final restart.
    const hash = fx.store.hashKV(0);
    await fx.reopen();
    model.committed();
    assert.deepEqual(fx.store.hashKV(0), hash, where());
    for (let rev = Math.max(1, model.compactRev); rev <= model.currentRev; rev++) {
      const all = Buffer.from([0]);
      assert.deepEqual(outcome(() => fx.store.range(all, all, { rev })), outcome(() => model.range(all, all, { rev })), `${where()}: final rev ${rev}`);
    }
    await fx.store.compactionIdle();
    if (model.compactRev >= 0) assert.deepEqual(await storedRevisions(fx.backend), model.retainedRevisions(), `${where()}: final disk`);
  } finally {
    await fx.close();
  }
}

const seeds = process.env.MVCC_SEED ? [Number(process.env.MVCC_SEED)] : [1, 2, 3, 4];

for (const seed of seeds) {
  test(`store and naive model agree over a random history (seed ${seed})`, async () => {
    await run(seed, 1500);
  });
}

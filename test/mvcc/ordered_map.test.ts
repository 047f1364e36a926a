import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRand } from '../../src/base/rand.js';
import { OrderedMap } from '../../src/mvcc/ordered_map.js';

/** Checks the map against a plain sorted array after random sets, deletes and range scans. */
test('OrderedMap agrees with a sorted array through splits, merges and bulk loads', () => {
  const rand = new SeededRand(7);
  const key = () => String.fromCharCode(...Array.from({ length: 1 + rand.int(3) }, () => [0, 0x61, 0x62, 0x7a, 0xff][rand.int(5)]!)) + String(rand.int(1500));
  const model = new Map<string, number>();
  const sortedModel = () => [...model.keys()].sort();
  let map = new OrderedMap<number>();
  for (let step = 0; step < 30_000; step++) {
    const roll = rand.int(10);
    const k = key();
    if (roll < 6) {
      map.set(k, step);
      model.set(k, step);
    } else if (roll < 8) {
      assert.equal(map.delete(k), model.delete(k));
    } else if (roll < 9) {
      assert.equal(map.get(k), model.get(k));
    } else {
      const end = rand.int(4) === 0 ? undefined : key();
      const seen: string[] = [];
      map.forRange(k, end, (key, value) => {
        assert.equal(value, model.get(key));
        seen.push(key);
      });
      assert.deepEqual(seen, sortedModel().filter((x) => x >= k && (end === undefined || x < end)));
    }
    if (step % 10_000 === 9_999) {
      const keys = sortedModel();
      map = OrderedMap.fromSorted(keys, keys.map((x) => model.get(x)!));
    }
    assert.equal(map.size, model.size);
  }
  const all: string[] = [];
  map.forRange('', undefined, (k) => all.push(k));
  assert.deepEqual(all, sortedModel());
  assert.ok(model.size > 2000, 'enough keys to split chunks');
});

test('OrderedMap on an empty map and at its edges', () => {
  const map = new OrderedMap<number>();
  assert.equal(map.get('a'), undefined);
  assert.equal(map.delete('a'), false);
  map.forRange('', undefined, () => assert.fail('empty map visited a key'));
  map.set('b', 1);
  map.set('a', 2);
  map.set('b', 3);
  const seen: Array<[string, number]> = [];
  map.forRange('a', 'b', (k, v) => seen.push([k, v]));
  assert.deepEqual(seen, [['a', 2]]);
  assert.equal(map.size, 2);
  assert.throws(() => OrderedMap.fromSorted(['b', 'a'], [1, 2]));
});

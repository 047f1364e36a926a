/**
 * An ordered map from strings to values: sorted chunks of at most MAX_CHUNK keys, found by binary
 * search over the chunks' last keys. Two levels are enough for the key counts an etcd store holds
 * (10M keys = 20k chunks), inserting moves at most one chunk's elements, and loading a sorted key
 * list is a slice per chunk, which makes the boot-time index build linear. Keys compare by UTF-16
 * code unit, which for the latin1 strings of the key index is byte order.
 */
import { invariant } from '../base/assert.js';

const MAX_CHUNK = 1024;
const LOAD_CHUNK = MAX_CHUNK / 2;

export class OrderedMap<V> {
  /** Sorted, non-empty, and every key of chunk i sorts before every key of chunk i + 1. */
  private keyChunks: string[][] = [];
  private valueChunks: V[][] = [];
  private count = 0;

  /** From keys sorted ascending, without duplicates, and their values. */
  static fromSorted<V>(keys: readonly string[], values: readonly V[]): OrderedMap<V> {
    invariant(keys.length === values.length, 'one value per key');
    for (let i = 1; i < keys.length; i++) invariant(keys[i - 1]! < keys[i]!, 'fromSorted: keys not strictly ascending');
    const map = new OrderedMap<V>();
    for (let i = 0; i < keys.length; i += LOAD_CHUNK) {
      map.keyChunks.push(keys.slice(i, i + LOAD_CHUNK));
      map.valueChunks.push(values.slice(i, i + LOAD_CHUNK));
    }
    map.count = keys.length;
    return map;
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const c = this.chunkFor(key);
    if (c < 0) return undefined;
    const keys = this.keyChunks[c]!;
    const i = lowerBound(keys, key);
    return i < keys.length && keys[i] === key ? this.valueChunks[c]![i] : undefined;
  }

  set(key: string, value: V): void {
    if (this.keyChunks.length === 0) {
      this.keyChunks.push([key]);
      this.valueChunks.push([value]);
      this.count = 1;
      return;
    }
    const c = this.chunkFor(key);
    const keys = this.keyChunks[c]!;
    const values = this.valueChunks[c]!;
    const i = lowerBound(keys, key);
    if (i < keys.length && keys[i] === key) {
      values[i] = value;
      return;
    }
    keys.splice(i, 0, key);
    values.splice(i, 0, value);
    this.count++;
    if (keys.length > MAX_CHUNK) {
      const half = keys.length >> 1;
      this.keyChunks.splice(c + 1, 0, keys.splice(half));
      this.valueChunks.splice(c + 1, 0, values.splice(half));
    }
  }

  delete(key: string): boolean {
    const c = this.chunkFor(key);
    if (c < 0) return false;
    const keys = this.keyChunks[c]!;
    const i = lowerBound(keys, key);
    if (i >= keys.length || keys[i] !== key) return false;
    keys.splice(i, 1);
    this.valueChunks[c]!.splice(i, 1);
    this.count--;
    if (keys.length === 0) {
      this.keyChunks.splice(c, 1);
      this.valueChunks.splice(c, 1);
    }
    return true;
  }

  /** Visits [start, end) in order; end undefined = to the last key. The visitor must not change the map. */
  forRange(start: string, end: string | undefined, visit: (key: string, value: V) => void): void {
    let c = this.chunkFor(start);
    if (c < 0) return;
    let i = lowerBound(this.keyChunks[c]!, start);
    for (; c < this.keyChunks.length; c++, i = 0) {
      const keys = this.keyChunks[c]!;
      const values = this.valueChunks[c]!;
      for (; i < keys.length; i++) {
        const key = keys[i]!;
        if (end !== undefined && key >= end) return;
        visit(key, values[i]!);
      }
    }
  }

  /**
   * The chunk where key is or would be inserted: the first whose last key is >= key, else the last
   * chunk. -1 when the map is empty.
   */
  private chunkFor(key: string): number {
    const chunks = this.keyChunks;
    let lo = 0;
    let hi = chunks.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = chunks[mid]!;
      if (chunk[chunk.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The first index whose key is >= key. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

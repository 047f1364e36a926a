/**
 * The in-memory key index: user key → the revisions of that key, grouped in generations. A
 * generation is one incarnation of the key, from the put that created it to the tombstone that
 * deleted it; the key's current generation is open (no tombstone yet) or empty (the key is
 * deleted). Range at revision R finds, per key, the newest revision <= R that is not past the
 * tombstone of its generation; the value itself lives in the 'key' bucket under that revision.
 *
 * Keys are held as latin1 strings: one byte per char, so JavaScript's string order is the byte
 * order etcd uses, comparisons are native, and a short key costs far less memory than a Buffer.
 * Revisions are flat [main, sub, main, sub, ...] number arrays (no object per revision).
 */
import { invariant } from '../base/assert.js';
import { OrderedMap } from './ordered_map.js';

/** Flat [main, sub, ...] pairs in increasing revision order. */
export type RevisionList = number[];

/**
 * Revisions a compaction dropped, flat [main, sub, ...]; a tombstone's sub is stored as
 * -(sub + 1) so that one list can name the exact bucket keys to delete.
 */
export type DroppedRevisions = number[];

export function droppedEntry(sub: number, tombstone: boolean): number {
  return tombstone ? -(sub + 1) : sub;
}

export class KeyIndex {
  /** Revisions of the current generation; empty when the key is deleted. */
  revs: RevisionList = [];
  /** Main revision that created the current generation (0 when it is empty). */
  created = 0;
  /** Version of the newest put of the current generation (0 when it is empty). */
  version = 0;
  /** Ended generations, oldest first; the last pair of each is its tombstone. */
  ended: RevisionList[] | undefined;

  constructor(readonly key: string) {}

  isLive(): boolean {
    return this.revs.length > 0;
  }

  /** An index holding nothing can leave the tree. */
  isEmpty(): boolean {
    return this.revs.length === 0 && this.ended === undefined;
  }

  /** One live revision and no history: no compaction can drop anything. */
  isMinimal(): boolean {
    return this.revs.length === 2 && this.ended === undefined;
  }

  lastMain(): number {
    return this.revs[this.revs.length - 2]!;
  }

  lastSub(): number {
    return this.revs[this.revs.length - 1]!;
  }

  put(main: number, sub: number, created: number, version: number): void {
    if (this.revs.length === 0) {
      // An exact-size array: most keys never get a second revision, and push() on an empty array
      // would reserve room for 16.
      this.revs = [main, sub];
      this.created = created;
    } else {
      this.revs.push(main, sub);
    }
    this.version = version;
  }

  tombstone(main: number, sub: number): void {
    invariant(this.isLive(), 'tombstone of a key that is not live');
    this.revs.push(main, sub);
    (this.ended ??= []).push(this.revs);
    this.revs = [];
    this.created = 0;
    this.version = 0;
  }

  /**
   * Finds the revision visible at atRev: sets hit.revs/hit.at (flat index of its main) and returns
   * true, or returns false when the key did not exist at atRev.
   */
  find(atRev: number, hit: Hit): boolean {
    const revs = this.revs;
    if (revs.length > 0 && revs[0]! <= atRev) return pick(revs, revs.length - 2, atRev, hit);
    const ended = this.ended;
    if (ended === undefined) return false;
    for (let g = ended.length - 1; g >= 0; g--) {
      const gen = ended[g]!;
      if (gen[0]! > atRev) continue;
      const tomb = gen.length - 2;
      // Generations are disjoint in time: an older one ended before this one began.
      if (gen[tomb]! <= atRev) return false;
      return pick(gen, tomb - 2, atRev, hit);
    }
    return false;
  }

  /**
   * Drops what a compaction at atRev makes unreachable, as etcd does: generations that ended at or
   * before atRev, and in the generation alive at atRev every revision older than the one visible
   * at atRev (that one stays, so reads at atRev still work). Dropped revisions are appended to
   * `dropped`.
   */
  compact(atRev: number, dropped: DroppedRevisions): void {
    const ended = this.ended;
    if (ended !== undefined) {
      let firstKept = 0;
      while (firstKept < ended.length && ended[firstKept]![ended[firstKept]!.length - 2]! <= atRev) {
        dropAll(ended[firstKept]!, true, dropped);
        firstKept++;
      }
      if (firstKept < ended.length) {
        ended[firstKept] = dropOlderThanVisible(ended[firstKept]!, atRev, dropped);
        if (firstKept > 0) this.ended = ended.slice(firstKept);
        return;
      }
      this.ended = undefined;
    }
    this.revs = dropOlderThanVisible(this.revs, atRev, dropped);
  }

  /** Calls fn for every revision held up to maxMain, with whether it is a tombstone. */
  forEachRevision(maxMain: number, fn: (main: number, sub: number, tombstone: boolean) => void): void {
    if (this.ended !== undefined) {
      for (const gen of this.ended) forEachIn(gen, maxMain, gen.length - 2, fn);
    }
    forEachIn(this.revs, maxMain, -1, fn);
  }
}

/** The result slot of KeyIndex.find, reused to keep lookups allocation-free. */
export interface Hit {
  revs: RevisionList;
  at: number;
}

export function newHit(): Hit {
  return { revs: [], at: -1 };
}

function pick(revs: RevisionList, from: number, atRev: number, hit: Hit): boolean {
  let i = from;
  while (i >= 0 && revs[i]! > atRev) i -= 2;
  if (i < 0) return false;
  hit.revs = revs;
  hit.at = i;
  return true;
}

function dropAll(gen: RevisionList, endsWithTombstone: boolean, dropped: DroppedRevisions): void {
  const tomb = endsWithTombstone ? gen.length - 2 : -1;
  for (let i = 0; i < gen.length; i += 2) dropped.push(gen[i]!, droppedEntry(gen[i + 1]!, i === tomb));
}

/** Keeps the revision visible at atRev and everything after it; the tombstone is never dropped here. */
function dropOlderThanVisible(revs: RevisionList, atRev: number, dropped: DroppedRevisions): RevisionList {
  let visible = -1;
  for (let i = 0; i < revs.length && revs[i]! <= atRev; i += 2) visible = i;
  if (visible <= 0) return revs;
  for (let i = 0; i < visible; i += 2) dropped.push(revs[i]!, revs[i + 1]!);
  return revs.slice(visible);
}

function forEachIn(
  revs: RevisionList,
  maxMain: number,
  tombstoneAt: number,
  fn: (main: number, sub: number, tombstone: boolean) => void,
): void {
  for (let i = 0; i < revs.length && revs[i]! <= maxMain; i += 2) fn(revs[i]!, revs[i + 1]!, i === tombstoneAt);
}

/**
 * All keys: a hash map for point lookups (most operations name one key) and an ordered map,
 * holding the same KeyIndex objects, for range scans. A random lookup in the ordered map costs ~20
 * string comparisons with a cache miss each; the hash map costs one hash.
 *
 * Keys with more than one revision are also kept in a set: only they can lose revisions to a
 * compaction, so compaction costs what it removes, not the size of the store.
 */
export class TreeIndex {
  private readonly byKey = new Map<string, KeyIndex>();
  private ordered = new OrderedMap<KeyIndex>();
  private readonly compactable = new Set<KeyIndex>();
  /** While bulk loading (at open) only the hash map is filled; the ordered one is built at the end. */
  private loading = false;

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): KeyIndex | undefined {
    return this.byKey.get(key);
  }

  /** The key's index, created empty when missing (it must then get a put). */
  getOrCreate(key: string): KeyIndex {
    let ki = this.byKey.get(key);
    if (ki === undefined) {
      ki = new KeyIndex(key);
      this.byKey.set(key, ki);
      if (!this.loading) this.ordered.set(key, ki);
    }
    return ki;
  }

  put(ki: KeyIndex, main: number, sub: number, created: number, version: number): void {
    ki.put(main, sub, created, version);
    if (!ki.isMinimal()) this.compactable.add(ki);
  }

  tombstone(ki: KeyIndex, main: number, sub: number): void {
    ki.tombstone(main, sub);
    this.compactable.add(ki);
  }

  /** Starts a bulk load: one sort at the end instead of an ordered insert per key. */
  beginLoad(): void {
    invariant(this.byKey.size === 0, 'bulk load into a non-empty index');
    this.loading = true;
  }

  endLoad(): void {
    invariant(this.loading, 'endLoad without beginLoad');
    this.loading = false;
    // Default sort compares UTF-16 code units: byte order for latin1 strings.
    const keys = [...this.byKey.keys()].sort();
    this.ordered = OrderedMap.fromSorted(keys, keys.map((key) => this.byKey.get(key)!));
  }

  /**
   * Visits the keys of [start, end) in order; end undefined = no upper bound. The visitor must not
   * add or remove keys.
   */
  forRange(start: string, end: string | undefined, visit: (key: string, ki: KeyIndex) => void): void {
    invariant(!this.loading, 'range scan during a bulk load');
    this.ordered.forRange(start, end, visit);
  }

  forEach(visit: (key: string, ki: KeyIndex) => void): void {
    this.byKey.forEach((ki, key) => visit(key, ki));
  }

  /** Compacts every key at atRev; keys left with nothing are removed. Returns what was dropped. */
  compact(atRev: number): DroppedRevisions {
    invariant(!this.loading, 'compaction during a bulk load');
    const dropped: DroppedRevisions = [];
    for (const ki of this.compactable) {
      ki.compact(atRev, dropped);
      if (ki.isEmpty()) {
        this.byKey.delete(ki.key);
        this.ordered.delete(ki.key);
        this.compactable.delete(ki);
      } else if (ki.isMinimal()) {
        this.compactable.delete(ki);
      }
    }
    return dropped;
  }
}

/**
 * The tail of the log that is not yet durable: an incoming snapshot and/or entries the host has not
 * persisted. Everything here goes out in the next Ready; advance() marks it stable.
 */
import { invariant } from '../base/assert.js';
import type { Entry, Snapshot } from './types.js';

export class UnstableLog {
  /** A snapshot received from the leader and not yet persisted. */
  snapshot: Snapshot | undefined;
  /** entries[i].index === offset + i. */
  entries: Entry[] = [];
  /** Index of entries[0]; when there are no entries, the index the next one will have. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first index the log holds, if this tail knows it (only when it holds a snapshot). */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index;
  }

  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      const s = this.snapshot;
      return s !== undefined && s.metadata.index === index ? s.metadata.term : undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || index > last) return undefined;
    return this.entries[index - this.offset]!.term;
  }

  /**
   * The entries up to (index, term) are durable. A term mismatch means the entry was replaced after
   * the Ready that carried it was taken (a new leader truncated it): then nothing is marked stable,
   * since what was persisted is not what the log now holds.
   */
  stableTo(index: number, term: number): void {
    if (index < this.offset) return;
    const t = this.maybeTerm(index);
    if (t === undefined || t !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapTo(index: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  /** Appends, replacing whatever the log held from entries[0].index on. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const from = entries[0]!.index;
    if (from === this.offset + this.entries.length) {
      for (const e of entries) this.entries.push(e);
    } else if (from <= this.offset) {
      // Replaces all unstable entries and possibly stable ones too: the host's append truncates them.
      this.offset = from;
      this.entries = entries.slice();
    } else {
      this.entries = this.entries.slice(0, from - this.offset).concat(entries);
    }
  }

  /** Entries in [lo, hi), which must lie within the unstable entries. */
  slice(lo: number, hi: number): Entry[] {
    invariant(
      this.offset <= lo && lo <= hi && hi <= this.offset + this.entries.length,
      () => `unstable.slice[${lo},${hi}) out of bounds [${this.offset},${this.offset + this.entries.length})`,
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

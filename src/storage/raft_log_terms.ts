/**
 * The terms of the durable log, kept by the store so it can check each write against what is on
 * disk (a write that replay would reject must fail now, not at the next boot). Terms only grow
 * along a log and change a handful of times, so they are kept as runs: [start index, term].
 */
import { invariant } from '../base/assert.js';
import type { Entry, SnapshotMetadata } from '../raft/types.js';

interface Run {
  start: number;
  term: number;
}

export class LogTerms {
  /** Runs covering (snapshotIndex, lastIndex], ascending. */
  private runs: Run[] = [];
  private snapshotIndex = 0;
  private snapshotTerm = 0;
  private last = 0;

  static of(snapshot: SnapshotMetadata | undefined, entries: readonly Entry[]): LogTerms {
    const terms = new LogTerms();
    if (snapshot) terms.applySnapshot(snapshot);
    terms.append(entries);
    return terms;
  }

  get lastIndex(): number {
    return this.last;
  }

  /** The term of entry `index`, or undefined when the log does not hold it. */
  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.last) return undefined;
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.runs[mid]!.start <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.runs[lo]!.term;
  }

  /** Appends contiguous entries, replacing the stored suffix from entries[0].index on. Checks first, then changes. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    invariant(first > this.snapshotIndex, () => `entry ${first} is at or below the durable snapshot at ${this.snapshotIndex}`);
    invariant(first <= this.last + 1, () => `entry ${first} would leave a gap after the last entry ${this.last}`);
    let previousTerm = this.termAt(first - 1)!;
    entries.forEach((e, i) => {
      invariant(e.index === first + i, () => `entries are not contiguous at position ${i}`);
      invariant(e.term >= previousTerm, () => `entry ${e.index} has term ${e.term}, below the term ${previousTerm} before it`);
      previousTerm = e.term;
    });
    while (this.runs.length > 0 && this.runs.at(-1)!.start >= first) this.runs.pop();
    for (const e of entries) {
      if (this.runs.at(-1)?.term !== e.term) this.runs.push({ start: e.index, term: e.term });
    }
    this.last = entries.at(-1)!.index;
  }

  /** Does the log hold the snapshot's last entry (a local snapshot), so the entries after it stay? */
  holds(meta: SnapshotMetadata): boolean {
    return meta.index === 0 || this.termAt(meta.index) === meta.term;
  }

  /** A snapshot the log holds keeps the suffix after it; any other replaces the whole log (raft's restore()). */
  applySnapshot(meta: SnapshotMetadata): void {
    if (this.holds(meta)) {
      const kept = this.runs.filter((_run, i) => (this.runs[i + 1]?.start ?? this.last + 1) > meta.index + 1);
      if (kept.length > 0 && kept[0]!.start <= meta.index) kept[0] = { start: meta.index + 1, term: kept[0]!.term };
      this.runs = kept;
      this.last = Math.max(this.last, meta.index);
    } else {
      this.runs = [];
      this.last = meta.index;
    }
    this.snapshotIndex = meta.index;
    this.snapshotTerm = meta.term;
  }
}

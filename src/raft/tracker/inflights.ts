/**
 * The appends sent to one follower and not yet acknowledged, bounded by count and by bytes: the
 * leader's flow-control window in the replicate state. Each element is the last index a MsgApp
 * carried and the bytes it carried; acknowledgements free everything up to an index.
 */
import { invariant } from '../../base/assert.js';

export class Inflights {
  /** Ring buffer, allocated lazily up to maxCount. */
  private indexes: number[] = [];
  private sizes: number[] = [];
  private start = 0;
  private n = 0;
  private bytes = 0;

  constructor(
    readonly maxCount: number,
    /** 0 means unlimited. */
    readonly maxBytes: number,
  ) {
    invariant(maxCount > 0, 'inflights: maxCount must be positive');
  }

  clone(): Inflights {
    const c = new Inflights(this.maxCount, this.maxBytes);
    for (let i = 0; i < this.n; i++) {
      const at = (this.start + i) % this.maxCount;
      c.add(this.indexes[at]!, this.sizes[at]!);
    }
    return c;
  }

  /** Records a MsgApp whose last entry is `index`. Indexes must increase; the window must not be full. */
  add(index: number, bytes: number): void {
    invariant(!this.full(), 'cannot add into a full inflights window');
    if (this.n > 0) {
      const last = this.indexes[(this.start + this.n - 1) % this.maxCount]!;
      invariant(index > last, () => `inflights: index ${index} after ${last} does not increase`);
    }
    const at = (this.start + this.n) % this.maxCount;
    this.indexes[at] = index;
    this.sizes[at] = bytes;
    this.n++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= index (they are acknowledged). */
  freeLE(index: number): void {
    while (this.n > 0 && this.indexes[this.start]! <= index) this.dropFirst();
    if (this.n === 0) this.start = 0;
  }

  /** Frees the oldest message: used when a follower is known to be alive but the window is stuck full. */
  freeFirstOne(): void {
    if (this.n > 0) this.dropFirst();
  }

  private dropFirst(): void {
    this.bytes -= this.sizes[this.start]!;
    this.start = (this.start + 1) % this.maxCount;
    this.n--;
  }

  full(): boolean {
    return this.n === this.maxCount || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  count(): number {
    return this.n;
  }

  totalBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.start = 0;
    this.n = 0;
    this.bytes = 0;
  }
}

/**
 * Delays between reconnection attempts to one peer: doubling from `baseMs` up to `capMs`, each drawn
 * uniformly from the upper half of the current step so that members which lost a peer at the same
 * moment do not all redial in lockstep. The cap stays short (about an election timeout) because a
 * restarted member should be found again quickly; a dead peer costs one failed dial per cap.
 */
import { invariant } from '../base/assert.js';
import type { Rand } from '../base/rand.js';

export class ReconnectBackoff {
  private step: number;

  constructor(
    private readonly baseMs: number,
    private readonly capMs: number,
    private readonly rand: Rand,
  ) {
    invariant(baseMs > 0 && capMs >= baseMs, () => `bad backoff bounds ${baseMs}..${capMs}`);
    this.step = baseMs;
  }

  /** The delay before the next attempt; each call without a reset() doubles the step. */
  next(): number {
    const step = this.step;
    this.step = Math.min(this.step * 2, this.capMs);
    const half = step / 2;
    return Math.round(half + this.rand.float() * half);
  }

  /** After a success: the next failure waits only `baseMs` again. */
  reset(): void {
    this.step = this.baseMs;
  }
}

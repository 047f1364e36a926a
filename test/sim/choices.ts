/**
 * The simulator's only gateway to randomness: small helpers over one seeded stream. Each component
 * owns its own stream (forked from the seed in a fixed order), so adding a draw in the network does
 * not reshuffle crashes or the workload.
 */
import { invariant } from '../../src/base/assert.js';
import { SeededRand } from '../../src/base/rand.js';

export class Choices {
  constructor(readonly rand: SeededRand) {}

  fork(label: string): Choices {
    return new Choices(this.rand.fork(label));
  }

  chance(p: number): boolean {
    return p > 0 && this.rand.float() < p;
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    invariant(hi >= lo, () => `choices: empty range [${lo}, ${hi}]`);
    return lo + this.rand.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    invariant(items.length > 0, 'choices: pick from nothing');
    return items[this.rand.int(items.length)]!;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(options: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of options) total += w;
    let r = this.rand.float() * total;
    for (const [w, v] of options) {
      if (r < w) return v;
      r -= w;
    }
    return options[options.length - 1]![1];
  }

  /** Exponentially distributed integer with the given mean (0 when mean is 0). */
  exponential(mean: number): number {
    if (mean <= 0) return 0;
    return Math.floor(-Math.log(1 - this.rand.float()) * mean);
  }

  /** A random subset, in the input order. */
  subset<T>(items: readonly T[], p: number): T[] {
    return items.filter(() => this.chance(p));
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.rand.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

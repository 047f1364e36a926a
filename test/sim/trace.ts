/**
 * The run's trace. Off by default, so fast runs pay nothing but a branch per event; a failing seed
 * is replayed with the trace on (same seed, same events) to show what led to the failure. Every line
 * feeds a running hash, which is how the determinism test compares two replays.
 */
import { hashString, mix } from './hash.js';

export type TraceMode = 'off' | 'ring' | 'full';

export class Trace {
  private readonly ring: string[] = [];
  private next = 0;
  private digest = 0;
  lines = 0;

  constructor(
    readonly mode: TraceMode,
    private readonly ringSize = 200,
    private readonly sink?: (line: string) => void,
  ) {}

  get on(): boolean {
    return this.mode !== 'off';
  }

  /** Records a line; the closure only runs when tracing is on. */
  line(now: number, text: () => string): void {
    if (this.mode === 'off') return;
    const line = `${String(now).padStart(7)} ${text()}`;
    this.digest = mix(this.digest, hashString(line));
    this.lines++;
    if (this.mode === 'full') this.sink?.(line);
    if (this.ring.length < this.ringSize) this.ring.push(line);
    else {
      this.ring[this.next] = line;
      this.next = (this.next + 1) % this.ringSize;
    }
  }

  /** The last `n` lines, oldest first. */
  tail(n: number): string[] {
    const ordered = this.ring.length < this.ringSize ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.slice(Math.max(0, ordered.length - n));
  }

  hash(): string {
    return `${(this.digest >>> 0).toString(16).padStart(8, '0')}:${this.lines}`;
  }
}

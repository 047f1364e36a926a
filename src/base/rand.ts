/**
 * Randomness as an injected dependency. The raft core and the simulator draw only from a Rand;
 * production seeds it from the OS, tests and the simulator from a seed, so every run replays.
 */
import { randomBytes } from 'node:crypto';

export interface Rand {
  /** Uniform integer in [0, n). n must be a positive safe integer. */
  int(n: number): number;
  /** Uniform float in [0, 1). */
  float(): number;
}

/** sfc32: small, fast, and good enough for scheduling decisions (not for secrets). */
export class SeededRand implements Rand {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | bigint) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.a = Number(s & 0xffffffffn) | 0;
    this.b = Number((s >> 32n) & 0xffffffffn) | 0;
    this.c = 0x9e3779b9 | 0;
    this.d = 1;
    for (let i = 0; i < 15; i++) this.next32();
  }

  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  float(): number {
    return this.next32() / 4294967296;
  }

  int(n: number): number {
    if (!(n > 0) || !Number.isSafeInteger(n)) throw new RangeError(`Rand.int: bad bound ${n}`);
    if (n <= 0x100000000) return Math.floor(this.float() * n);
    return Math.floor((this.next32() * 4294967296 + this.next32()) / 2 ** 64 * n);
  }

  /** An independent stream derived from this one and a label, so adding draws in one component does not shift another. */
  fork(label: string): SeededRand {
    let h = 2166136261;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
    return new SeededRand((BigInt(this.next32()) << 32n) | BigInt(h >>> 0));
  }
}

/** A Rand seeded from the operating system, for production. */
export function systemRand(): Rand {
  return new SeededRand(randomBytes(8).readBigUInt64BE(0));
}

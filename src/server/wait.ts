/**
 * Proposals waiting for their entry to be applied, by request id. The applier triggers an id
 * with the result; the proposer gives up after its timeout (the entry may still apply later,
 * which is then a no-op for this registry).
 */
import { invariant } from '../base/assert.js';

export type ApplyOutcome<T = unknown> = { ok: true; value: T } | { ok: false; error: Error };

interface Waiter {
  resolve(outcome: ApplyOutcome): void;
}

export class WaitRegistry {
  private readonly waiters = new Map<bigint, Waiter>();

  register(id: bigint): Promise<ApplyOutcome> {
    invariant(!this.waiters.has(id), () => `duplicate wait id ${id}`);
    return new Promise((resolve) => this.waiters.set(id, { resolve }));
  }

  trigger(id: bigint, outcome: ApplyOutcome): void {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    w.resolve(outcome);
  }

  isPending(id: bigint): boolean {
    return this.waiters.has(id);
  }

  /** Fails every waiter, e.g. at shutdown. */
  failAll(error: Error): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of all) w.resolve({ ok: false, error });
  }

  get size(): number {
    return this.waiters.size;
  }
}

/**
 * The discrete-event queue every simulated action goes through. Events are ordered by virtual
 * time and then by the order they were scheduled, so two runs of one seed execute the same events
 * in the same order: there is no other source of ordering in the simulator.
 */
import { invariant } from '../../src/base/assert.js';

interface Slot<E> {
  time: number;
  seq: number;
  event: E;
}

export class Scheduler<E> {
  private readonly heap: Slot<E>[] = [];
  private seq = 0;
  private current = 0;

  /** Virtual time of the event being executed (or of the last one executed). */
  now(): number {
    return this.current;
  }

  size(): number {
    return this.heap.length;
  }

  at(time: number, event: E): void {
    invariant(time >= this.current, () => `scheduler: event at ${time} is in the past (now ${this.current})`);
    const slot: Slot<E> = { time, seq: this.seq++, event };
    const heap = this.heap;
    heap.push(slot);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(slot, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = slot;
  }

  after(delay: number, event: E): void {
    this.at(this.current + delay, event);
  }

  /** Removes the earliest event and advances the clock to it; undefined when nothing is left. */
  pop(): E | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    this.current = top.time;
    return top.event;
  }
}

function before<E>(a: Slot<E>, b: Slot<E>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

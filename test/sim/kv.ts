/**
 * The toy replicated state machine: a handful of keys whose values are the ids of the puts that
 * wrote them. A put carries a client operation id and is applied at most once (a retried put that
 * commits twice is ignored the second time), so a client can retry blindly until it sees its id
 * applied — which is what makes "every pending proposal is decided" checkable after healing.
 *
 * The state keeps an order-independent digest updated on every change, so comparing two nodes (or
 * a node and the ghost) at an index is O(1).
 */
import { invariant } from '../../src/base/assert.js';
import { mix } from './hash.js';

export interface PutCommand {
  opId: number;
  key: number;
}

const PUT_TAG = 0x50;
const HEADER = 6;

/** `padding` extra bytes vary entry sizes so byte limits (maxSizePerMsg, inflight bytes) matter. */
export function encodePut(cmd: PutCommand, padding: number): Uint8Array {
  const buf = new Uint8Array(HEADER + padding);
  buf[0] = PUT_TAG;
  new DataView(buf.buffer).setUint32(1, cmd.opId);
  buf[5] = cmd.key;
  for (let i = 0; i < padding; i++) buf[HEADER + i] = (cmd.opId + i) & 0xff;
  return buf;
}

/** A normal entry is either empty (a new leader's entry) or a put. */
export function decodePut(data: Uint8Array): PutCommand | undefined {
  if (data.length === 0) return undefined;
  invariant(data.length >= HEADER && data[0] === PUT_TAG, () => `kv: not a put command (${data.length} bytes)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { opId: view.getUint32(1), key: data[5]! };
}

/** Immutable once created, so images may share them. */
interface Written {
  opId: number;
  index: number;
}

/** The state as the disk keeps it (copied maps: cheap to take on every flush). */
export interface KvImage {
  applied: number;
  values: ReadonlyMap<number, Written>;
  ops: ReadonlyMap<number, number>;
  digest: number;
}

/** The state as a snapshot carries it (plain JSON). */
export interface KvJson {
  applied: number;
  values: [number, number, number][];
  ops: [number, number][];
}

export class ToyKv {
  /** Index of the last entry this state reflects. */
  applied = 0;
  private readonly values = new Map<number, Written>();
  /** opId -> index of the entry that first applied it. */
  private readonly ops = new Map<number, number>();
  private digestSum = 0;

  digest(): number {
    return this.digestSum >>> 0;
  }

  get(key: number): number | undefined {
    return this.values.get(key)?.opId;
  }

  /** Index where the put with this id took effect, if it has. */
  appliedAt(opId: number): number | undefined {
    return this.ops.get(opId);
  }

  /** Applies the entry at `index` (which must be the next one); returns whether it changed state. */
  apply(index: number, cmd: PutCommand | undefined): boolean {
    invariant(index === this.applied + 1, () => `kv: apply ${index} after ${this.applied}`);
    this.applied = index;
    if (cmd === undefined || this.ops.has(cmd.opId)) return false;
    this.ops.set(cmd.opId, index);
    this.digestSum = (this.digestSum + mix(cmd.opId, index)) | 0;
    const old = this.values.get(cmd.key);
    if (old !== undefined) this.digestSum = (this.digestSum - mix(cmd.key, old.opId)) | 0;
    this.values.set(cmd.key, { opId: cmd.opId, index });
    this.digestSum = (this.digestSum + mix(cmd.key, cmd.opId)) | 0;
    return true;
  }

  /** Entries that are not puts (conf changes) still advance the applied index. */
  skip(index: number): void {
    invariant(index === this.applied + 1, () => `kv: skip ${index} after ${this.applied}`);
    this.applied = index;
  }

  image(): KvImage {
    return { applied: this.applied, values: new Map(this.values), ops: new Map(this.ops), digest: this.digestSum };
  }

  static fromImage(image: KvImage): ToyKv {
    const kv = new ToyKv();
    kv.applied = image.applied;
    for (const [k, w] of image.values) kv.values.set(k, w);
    for (const [opId, index] of image.ops) kv.ops.set(opId, index);
    kv.digestSum = image.digest;
    return kv;
  }

  json(): KvJson {
    return {
      applied: this.applied,
      values: [...this.values].map(([k, w]) => [k, w.opId, w.index]),
      ops: [...this.ops],
    };
  }

  static fromJson(json: KvJson): ToyKv {
    const kv = new ToyKv();
    kv.applied = json.applied;
    for (const [opId, index] of json.ops) {
      kv.ops.set(opId, index);
      kv.digestSum = (kv.digestSum + mix(opId, index)) | 0;
    }
    for (const [key, opId, index] of json.values) {
      kv.values.set(key, { opId, index });
      kv.digestSum = (kv.digestSum + mix(key, opId)) | 0;
    }
    return kv;
  }

  encode(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.json()));
  }

  static decode(data: Uint8Array): ToyKv {
    return ToyKv.fromJson(JSON.parse(new TextDecoder().decode(data)) as KvJson);
  }
}

/**
 * Request ids unique across members and restarts, shaped like etcd's idutil: the low 16 bits of
 * the member id in the top bits, then a millisecond timestamp taken at start, then a counter.
 */
export class RequestIdGenerator {
  private next: bigint;

  constructor(memberId: bigint, nowMs: number) {
    const prefix = (memberId & 0xffffn) << 48n;
    const ts = (BigInt(Math.floor(nowMs)) & 0xffffffffffn) << 8n;
    this.next = prefix | ts;
  }

  generate(): bigint {
    this.next = (this.next & ~0xffffffffffffn) | ((this.next + 1n) & 0xffffffffffffn);
    return this.next;
  }
}

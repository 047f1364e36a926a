/**
 * The simulated network: every directed link delays (a minimum plus an exponential jitter, drawn
 * per message, so messages reorder), drops and duplicates messages, and partitions block links
 * (symmetric splits, one-way cuts, an isolated leader, two halves joined by one bridge node).
 * A message crossing the network is deep-copied, so no object is ever shared between nodes.
 */
import type { Entry, Message, NodeId, Snapshot } from '../../src/raft/types.js';
import { Choices } from './choices.js';
import { mix } from './hash.js';

export interface NetworkRates {
  minDelay: number;
  meanJitter: number;
  dropRate: number;
  duplicateRate: number;
  /** Extra loss on a few "bad" links, drawn per link. */
  badLinkDropRate: number;
}

export type PartitionKind = 'symmetric' | 'one-way' | 'isolate-leader' | 'bridge';
export const PARTITION_KINDS: readonly PartitionKind[] = ['symmetric', 'one-way', 'isolate-leader', 'bridge'];

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  blocked: number;
}

export class SimNetwork {
  private readonly blocked = new Set<string>();
  private readonly linkSalt: number;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, blocked: 0 };

  constructor(
    private readonly choices: Choices,
    private rates: NetworkRates,
  ) {
    this.linkSalt = choices.rand.next32();
  }

  /** The liveness phase: a perfect network with the same base latency. */
  makeReliable(): void {
    this.rates = { ...this.rates, meanJitter: Math.min(this.rates.meanJitter, 5), dropRate: 0, duplicateRate: 0, badLinkDropRate: 0 };
    this.blocked.clear();
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.size > 0 && this.blocked.has(linkKey(from, to));
  }

  hasPartition(): boolean {
    return this.blocked.size > 0;
  }

  /**
   * Delays after which copies of a message sent now from `from` to `to` arrive: empty when it is
   * lost, two when duplicated.
   */
  plan(from: NodeId, to: NodeId): number[] {
    this.stats.sent++;
    if (this.isBlocked(from, to)) {
      this.stats.blocked++;
      return [];
    }
    const dropRate = this.rates.dropRate + (this.isBadLink(from, to) ? this.rates.badLinkDropRate : 0);
    if (this.choices.chance(dropRate)) {
      this.stats.dropped++;
      return [];
    }
    const delays = [this.delay()];
    if (this.choices.chance(this.rates.duplicateRate)) {
      this.stats.duplicated++;
      delays.push(this.delay());
    }
    return delays;
  }

  private delay(): number {
    return this.rates.minDelay + this.choices.exponential(this.rates.meanJitter);
  }

  /** About one link in five is bad; which ones is fixed for the seed without drawing from the stream. */
  private isBadLink(from: NodeId, to: NodeId): boolean {
    return mix(mix(this.linkSalt, Number(from)), Number(to)) % 5 === 0;
  }

  /** Replaces any current partition with a new one; returns a description for the trace. */
  partition(kind: PartitionKind, nodes: readonly NodeId[], leader: NodeId | undefined): string {
    this.blocked.clear();
    const c = this.choices;
    switch (kind) {
      case 'symmetric': {
        const shuffled = c.shuffle(nodes);
        const cut = c.range(1, Math.max(1, shuffled.length - 1));
        const a = shuffled.slice(0, cut);
        const b = shuffled.slice(cut);
        this.cut(a, b, true);
        return `symmetric ${ids(a)} | ${ids(b)}`;
      }
      case 'one-way': {
        const from = c.pick(nodes);
        const others = nodes.filter((n) => n !== from);
        const to = others.length > 0 ? c.subset(others, 0.5) : [];
        this.cut([from], to, false);
        return `one-way ${ids([from])} -/-> ${ids(to)}`;
      }
      case 'isolate-leader': {
        const isolated = leader ?? c.pick(nodes);
        this.cut(
          [isolated],
          nodes.filter((n) => n !== isolated),
          true,
        );
        return `isolate ${ids([isolated])}${leader === undefined ? ' (no leader known)' : ' (leader)'}`;
      }
      case 'bridge': {
        const shuffled = c.shuffle(nodes);
        if (shuffled.length < 3) return this.partition('symmetric', nodes, leader);
        const bridge = shuffled[0]!;
        const rest = shuffled.slice(1);
        const cut = c.range(1, rest.length - 1);
        const a = rest.slice(0, cut);
        const b = rest.slice(cut);
        this.cut(a, b, true);
        return `bridge ${ids(a)} <-${ids([bridge])}-> ${ids(b)}`;
      }
    }
  }

  heal(): void {
    this.blocked.clear();
  }

  private cut(a: readonly NodeId[], b: readonly NodeId[], bothWays: boolean): void {
    for (const x of a) {
      for (const y of b) {
        this.blocked.add(linkKey(x, y));
        if (bothWays) this.blocked.add(linkKey(y, x));
      }
    }
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}

function ids(nodes: readonly NodeId[]): string {
  return `{${nodes.map((n) => `n${n}`).join(',')}}`;
}

/** Shared empty payload: a zero-length array has nothing to alias. */
const EMPTY = new Uint8Array(0);

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.length === 0 ? EMPTY : e.data.slice() };
}

function copySnapshot(s: Snapshot): Snapshot {
  const cs = s.metadata.confState;
  return {
    data: s.data.slice(),
    metadata: {
      index: s.metadata.index,
      term: s.metadata.term,
      confState: {
        voters: [...cs.voters],
        learners: [...cs.learners],
        votersOutgoing: [...cs.votersOutgoing],
        learnersNext: [...cs.learnersNext],
        autoLeave: cs.autoLeave,
      },
    },
  };
}

const KNOWN_MESSAGE_FIELDS = new Set(['type', 'to', 'from', 'term', 'logTerm', 'index', 'entries', 'commit', 'snapshot', 'reject', 'rejectHint', 'context']);
let copies = 0;

/**
 * A deep copy, as if the message had been encoded and decoded. Fields are copied by name (an
 * object spread is several times slower); every 1024th message is checked for fields the core may
 * have added since, which this copy would silently drop.
 */
export function copyMessage(m: Message): Message {
  if ((copies++ & 1023) === 0) {
    for (const k of Object.keys(m)) {
      if (!KNOWN_MESSAGE_FIELDS.has(k)) throw new Error(`copyMessage: unknown Message field ${k}; teach test/sim/network.ts to copy it`);
    }
  }
  const out: Message = {
    type: m.type,
    to: m.to,
    from: m.from,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.length === 0 ? [] : m.entries.map(copyEntry),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    context: m.context.length === 0 ? EMPTY : m.context.slice(),
  };
  if (m.snapshot !== undefined) out.snapshot = copySnapshot(m.snapshot);
  return out;
}

export { copyEntry, copySnapshot };

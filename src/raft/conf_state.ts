import type { ConfState, NodeId } from './types.js';
import { sortedIds } from './util.js';

export function emptyConfState(): ConfState {
  return { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
}

/** The same configuration, ids sorted, so that two ConfStates compare and print canonically. */
export function normalizeConfState(cs: ConfState): ConfState {
  return {
    voters: sortedIds(cs.voters),
    learners: sortedIds(cs.learners),
    votersOutgoing: sortedIds(cs.votersOutgoing),
    learnersNext: sortedIds(cs.learnersNext),
    autoLeave: cs.autoLeave,
  };
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Equality as sets (order of ids does not matter). */
export function confStatesEqual(a: ConfState, b: ConfState): boolean {
  const x = normalizeConfState(a);
  const y = normalizeConfState(b);
  return (
    sameIds(x.voters, y.voters) &&
    sameIds(x.learners, y.learners) &&
    sameIds(x.votersOutgoing, y.votersOutgoing) &&
    sameIds(x.learnersNext, y.learnersNext) &&
    x.autoLeave === y.autoLeave
  );
}

/** Every node the configuration knows about: voters of both halves, learners and learners-to-be. */
export function confStateMembers(cs: ConfState): Set<NodeId> {
  return new Set([...cs.voters, ...cs.votersOutgoing, ...cs.learners, ...cs.learnersNext]);
}

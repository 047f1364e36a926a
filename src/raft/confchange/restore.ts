/**
 * Rebuilds a configuration from a ConfState (a snapshot's or the storage's) by replaying it as a
 * sequence of conf changes on an empty configuration, so restore goes through the same validated
 * code as every live change.
 */
import type { ConfChangeSingle, ConfState } from '../types.js';
import { ConfChangeType } from '../types.js';
import type { ChangerContext, ChangerState } from './changer.js';
import { enterJoint, simpleChange } from './changer.js';

export function restoreConfig(
  base: Omit<ChangerContext, 'config' | 'progress'> & ChangerState,
  cs: ConfState,
): ChangerState {
  const add = (type: ConfChangeType, ids: readonly bigint[]): ConfChangeSingle[] => ids.map((nodeId) => ({ type, nodeId }));
  let state: ChangerState = { config: base.config, progress: base.progress };
  const step = (f: (ctx: ChangerContext) => ChangerState): void => {
    state = f({ ...base, ...state });
  };
  if (cs.votersOutgoing.length === 0) {
    // One change at a time: a simple change may alter only one voter.
    for (const cc of [...add(ConfChangeType.AddNode, cs.voters), ...add(ConfChangeType.AddLearnerNode, cs.learners)]) {
      step((ctx) => simpleChange(ctx, [cc]));
    }
    return state;
  }
  // Build the outgoing config first, then enter the joint config whose incoming half is cs.voters.
  for (const cc of add(ConfChangeType.AddNode, cs.votersOutgoing)) step((ctx) => simpleChange(ctx, [cc]));
  const incoming = [
    ...add(ConfChangeType.RemoveNode, cs.votersOutgoing),
    ...add(ConfChangeType.AddNode, cs.voters),
    ...add(ConfChangeType.AddLearnerNode, cs.learners),
    // Learners-to-be are outgoing voters, so adding them as learners puts them in learnersNext.
    ...add(ConfChangeType.AddLearnerNode, cs.learnersNext),
  ];
  step((ctx) => enterJoint(ctx, cs.autoLeave, incoming));
  return state;
}

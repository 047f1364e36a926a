/**
 * Configuration changes as pure functions: each takes the current configuration and progress map
 * and returns new ones (copy on write), or throws ConfChangeError and changes nothing.
 *
 * Three operations (Raft thesis §4.3, joint consensus):
 * - simple: change at most one voter (plus any learners) directly; safe because any two majorities
 *   of configurations differing by one voter intersect.
 * - enterJoint: C_old becomes the outgoing half, C_new the incoming half; decisions need both.
 * - leaveJoint: drop the outgoing half; voters demoted during the change become learners now.
 */
import { ConfChangeError } from '../errors.js';
import { Inflights } from '../tracker/inflights.js';
import { Progress } from '../tracker/progress.js';
import type { ProgressMap, TrackerConfig } from '../tracker/tracker.js';
import type { ConfChangeSingle, NodeId } from '../types.js';
import { ConfChangeType } from '../types.js';

export interface ChangerState {
  config: TrackerConfig;
  progress: ProgressMap;
}

export interface ChangerContext extends ChangerState {
  maxInflightMsgs: number;
  maxInflightBytes: number;
  /** The leader's last index: where a new node's progress starts probing. */
  lastIndex: number;
}

/** Mutable working copy of a configuration. */
interface Draft {
  incoming: Set<NodeId>;
  outgoing: Set<NodeId>;
  learners: Set<NodeId>;
  learnersNext: Set<NodeId>;
  autoLeave: boolean;
  progress: ProgressMap;
}

function draftOf(ctx: ChangerContext): Draft {
  checkInvariants(ctx.config, ctx.progress);
  const progress: ProgressMap = new Map();
  for (const [id, pr] of ctx.progress) progress.set(id, pr.clone());
  return {
    incoming: new Set(ctx.config.voters.incoming),
    outgoing: new Set(ctx.config.voters.outgoing),
    learners: new Set(ctx.config.learners),
    learnersNext: new Set(ctx.config.learnersNext),
    autoLeave: ctx.config.autoLeave,
    progress,
  };
}

function finish(d: Draft): ChangerState {
  const config: TrackerConfig = {
    voters: { incoming: d.incoming, outgoing: d.outgoing },
    learners: d.learners,
    learnersNext: d.learnersNext,
    autoLeave: d.autoLeave,
  };
  checkInvariants(config, d.progress);
  return { config, progress: d.progress };
}

export function enterJoint(ctx: ChangerContext, autoLeave: boolean, changes: readonly ConfChangeSingle[]): ChangerState {
  const d = draftOf(ctx);
  if (d.outgoing.size > 0) throw new ConfChangeError('configuration is already joint');
  if (d.incoming.size === 0) {
    // An empty config cannot be joint: the empty half would agree with everything.
    throw new ConfChangeError("can't make a zero-voter configuration joint");
  }
  d.outgoing = new Set(d.incoming);
  applyChanges(ctx, d, changes);
  d.autoLeave = autoLeave;
  return finish(d);
}

export function leaveJoint(ctx: ChangerContext): ChangerState {
  const d = draftOf(ctx);
  if (d.outgoing.size === 0) throw new ConfChangeError("can't leave a non-joint configuration");
  for (const id of d.learnersNext) {
    d.learners.add(id);
    d.progress.get(id)!.isLearner = true;
  }
  d.learnersNext = new Set();
  for (const id of d.outgoing) {
    if (!d.incoming.has(id) && !d.learners.has(id)) d.progress.delete(id);
  }
  d.outgoing = new Set();
  d.autoLeave = false;
  return finish(d);
}

export function simpleChange(ctx: ChangerContext, changes: readonly ConfChangeSingle[]): ChangerState {
  const d = draftOf(ctx);
  if (d.outgoing.size > 0) throw new ConfChangeError("can't apply a simple conf change in a joint configuration");
  const before = new Set(d.incoming);
  applyChanges(ctx, d, changes);
  let changed = 0;
  for (const id of before) if (!d.incoming.has(id)) changed++;
  for (const id of d.incoming) if (!before.has(id)) changed++;
  if (changed > 1) throw new ConfChangeError('more than one voter changed without entering a joint configuration');
  return finish(d);
}

function applyChanges(ctx: ChangerContext, d: Draft, changes: readonly ConfChangeSingle[]): void {
  for (const cc of changes) {
    // The host may zero a change's node id to neutralize it (etcd does when it refuses a member change).
    if (cc.nodeId === 0n) continue;
    switch (cc.type) {
      case ConfChangeType.AddNode:
        makeVoter(ctx, d, cc.nodeId);
        break;
      case ConfChangeType.AddLearnerNode:
        makeLearner(ctx, d, cc.nodeId);
        break;
      case ConfChangeType.RemoveNode:
        remove(d, cc.nodeId);
        break;
      case ConfChangeType.UpdateNode:
        break;
      default:
        throw new ConfChangeError(`unknown conf change type ${String(cc.type)}`);
    }
  }
  if (d.incoming.size === 0) throw new ConfChangeError('removed all voters');
}

function makeVoter(ctx: ChangerContext, d: Draft, id: NodeId): void {
  const pr = d.progress.get(id);
  if (pr === undefined) {
    initProgress(ctx, d, id, false);
    return;
  }
  pr.isLearner = false;
  d.learners.delete(id);
  d.learnersNext.delete(id);
  d.incoming.add(id);
}

function makeLearner(ctx: ChangerContext, d: Draft, id: NodeId): void {
  const pr = d.progress.get(id);
  if (pr === undefined) {
    initProgress(ctx, d, id, true);
    return;
  }
  if (pr.isLearner) return;
  // Demotion: take the node out of the incoming voters first, keeping its progress.
  remove(d, id);
  d.progress.set(id, pr);
  if (d.outgoing.has(id)) {
    // Still a voter of the outgoing half: it becomes a learner when the joint config is left.
    d.learnersNext.add(id);
  } else {
    pr.isLearner = true;
    d.learners.add(id);
  }
}

function remove(d: Draft, id: NodeId): void {
  if (!d.progress.has(id)) return;
  d.incoming.delete(id);
  d.learners.delete(id);
  d.learnersNext.delete(id);
  // A voter of the outgoing half keeps its progress until the joint config is left.
  if (!d.outgoing.has(id)) d.progress.delete(id);
}

function initProgress(ctx: ChangerContext, d: Draft, id: NodeId, isLearner: boolean): void {
  if (isLearner) d.learners.add(id);
  else d.incoming.add(id);
  // Probe from the leader's last index: one round trip tells where the new node's log ends.
  const pr = new Progress(0, Math.max(ctx.lastIndex, 1), new Inflights(ctx.maxInflightMsgs, ctx.maxInflightBytes), isLearner);
  // A new node counts as active, or CheckQuorum could depose the leader before the node had a chance to answer.
  pr.recentActive = true;
  d.progress.set(id, pr);
}

function fail(message: string): never {
  throw new ConfChangeError(`invalid configuration: ${message}`);
}

/** The structural invariants of a configuration and its progress map. */
export function checkInvariants(config: TrackerConfig, progress: ProgressMap): void {
  const { incoming, outgoing } = config.voters;
  for (const id of [...incoming, ...outgoing, ...config.learners, ...config.learnersNext]) {
    if (!progress.has(id)) fail(`no progress for ${id}`);
  }
  for (const id of config.learnersNext) {
    if (!outgoing.has(id)) fail(`${id} is in learnersNext but not an outgoing voter`);
    if (progress.get(id)!.isLearner) fail(`${id} is in learnersNext but already marked a learner`);
  }
  for (const id of config.learners) {
    if (outgoing.has(id)) fail(`${id} is a learner and an outgoing voter`);
    if (incoming.has(id)) fail(`${id} is a learner and an incoming voter`);
    if (!progress.get(id)!.isLearner) fail(`${id} is a learner but not marked as one`);
  }
  for (const id of incoming) {
    if (progress.get(id)!.isLearner) fail(`voter ${id} is marked as a learner`);
  }
  for (const id of progress.keys()) {
    if (!incoming.has(id) && !outgoing.has(id) && !config.learners.has(id)) fail(`${id} has progress but is not a member`);
  }
  if (outgoing.size === 0) {
    if (config.learnersNext.size > 0) fail('learnersNext is not empty outside a joint configuration');
    if (config.autoLeave) fail('autoLeave is set outside a joint configuration');
  }
}

/**
 * Canonical one-line text for the core's values, used in logs and in golden scenario tests. Stable:
 * changing a format changes every scenario's expected output.
 */
import { decodeConfChangeV2 } from './confchange/codec.js';
import type { Ready } from './ready.js';
import type { ConfChangeV2, ConfState, Entry, HardState, Message, ReadState, Snapshot, SoftState } from './types.js';
import { ConfChangeTransition, ConfChangeType, EntryType, MessageType, StateType } from './types.js';

function ids(list: readonly bigint[]): string {
  return `[${list.join(' ')}]`;
}

/** Printable ASCII as a quoted string, anything else as hex. */
export function describeBytes(b: Uint8Array): string {
  let printable = true;
  for (const c of b) {
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
      printable = false;
      break;
    }
  }
  if (printable) return `"${String.fromCharCode(...b)}"`;
  let hex = '';
  for (const c of b) hex += c.toString(16).padStart(2, '0');
  return `0x${hex}`;
}

const changeLetter: Record<ConfChangeType, string> = {
  [ConfChangeType.AddNode]: 'v',
  [ConfChangeType.AddLearnerNode]: 'l',
  [ConfChangeType.RemoveNode]: 'r',
  [ConfChangeType.UpdateNode]: 'u',
};

/** `v2 l3 r1` (add voter 2, add learner 3, remove 1); `leave-joint` for an empty change. */
export function describeConfChange(cc: ConfChangeV2): string {
  const parts = cc.changes.map((c) => `${changeLetter[c.type]}${c.nodeId}`);
  if (cc.transition === ConfChangeTransition.JointImplicit) parts.push('(joint implicit)');
  if (cc.transition === ConfChangeTransition.JointExplicit) parts.push('(joint explicit)');
  if (parts.length === 0) return 'leave-joint';
  return parts.join(' ');
}

export function describeEntry(e: Entry): string {
  if (e.type === EntryType.ConfChangeV2) {
    let body: string;
    try {
      body = describeConfChange(decodeConfChangeV2(e.data));
    } catch {
      body = `<undecodable ${describeBytes(e.data)}>`;
    }
    return `${e.term}/${e.index} EntryConfChangeV2 ${body}`;
  }
  return `${e.term}/${e.index} EntryNormal ${describeBytes(e.data)}`;
}

export function describeEntries(entries: readonly Entry[]): string {
  return entries.map(describeEntry).join(', ');
}

export function describeConfState(cs: ConfState): string {
  let s = `Voters:${ids(cs.voters)}`;
  if (cs.votersOutgoing.length > 0) s += ` VotersOutgoing:${ids(cs.votersOutgoing)}`;
  s += ` Learners:${ids(cs.learners)}`;
  if (cs.learnersNext.length > 0) s += ` LearnersNext:${ids(cs.learnersNext)}`;
  if (cs.autoLeave) s += ' AutoLeave:true';
  return s;
}

export function describeSnapshot(s: Snapshot): string {
  const m = s.metadata;
  return `Index:${m.index} Term:${m.term} ConfState:${describeConfState(m.confState)}`;
}

export function describeHardState(hs: HardState): string {
  return `HardState Term:${hs.term} Vote:${hs.vote} Commit:${hs.commit}`;
}

export function describeStateType(t: StateType): string {
  return `State${StateType[t]}`;
}

export function describeSoftState(ss: SoftState): string {
  return `Lead:${ss.lead} State:${describeStateType(ss.raftState)}`;
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${MessageType[m.type]} Term:${m.term}`;
  if (m.logTerm !== 0 || m.index !== 0) s += ` Log:${m.logTerm}/${m.index}`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.reject) s += m.type === MessageType.MsgAppResp ? ` Rejected (Hint: ${m.rejectHint})` : ' Rejected';
  if (m.entries.length > 0) s += ` Entries:[${describeEntries(m.entries)}]`;
  if (m.snapshot !== undefined) s += ` Snapshot: ${describeSnapshot(m.snapshot)}`;
  if (m.context.length > 0) s += ` Context:${describeBytes(m.context)}`;
  return s;
}

export function describeReadState(rs: ReadState): string {
  return `Index:${rs.index} RequestCtx:${describeBytes(rs.requestCtx)}`;
}

/** A multi-line rendering of a Ready; sections appear only when non-empty. */
export function describeReady(rd: Ready): string {
  const lines: string[] = [`Ready MustSync=${rd.mustSync}:`];
  const section = <T>(title: string, items: readonly T[], describe: (item: T) => string): void => {
    if (items.length === 0) return;
    lines.push(`${title}:`);
    for (const item of items) lines.push(describe(item));
  };
  if (rd.softState !== undefined) lines.push(describeSoftState(rd.softState));
  if (rd.hardState !== undefined) lines.push(describeHardState(rd.hardState));
  section('ReadStates', rd.readStates, describeReadState);
  section('Entries', rd.entries, describeEntry);
  if (rd.snapshot !== undefined) lines.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  section('CommittedEntries', rd.committedEntries, describeEntry);
  section('Messages', rd.messages, describeMessage);
  return lines.join('\n');
}

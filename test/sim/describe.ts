/** One-line renderings of raft messages for the trace. */
import type { Entry, Message } from '../../src/raft/types.js';
import { EntryType, MessageType } from '../../src/raft/types.js';

function describeEntries(entries: readonly Entry[]): string {
  if (entries.length === 0) return '';
  const parts = entries.map((e) => `${e.index}/${e.term}${e.type === EntryType.ConfChangeV2 ? 'cc' : e.data.length === 0 ? 'ø' : ''}`);
  return ` [${parts.length > 6 ? [...parts.slice(0, 3), '…', ...parts.slice(-2)].join(' ') : parts.join(' ')}]`;
}

export function describeMessage(m: Message): string {
  let s = `${MessageType[m.type]} n${m.from}->n${m.to} t${m.term}`;
  switch (m.type) {
    case MessageType.MsgApp:
      s += ` lt${m.logTerm} i${m.index} c${m.commit}${describeEntries(m.entries)}`;
      break;
    case MessageType.MsgAppResp:
      s += ` i${m.index}${m.reject ? ` REJECT hint ${m.rejectHint} lt${m.logTerm}` : ''}`;
      break;
    case MessageType.MsgVote:
    case MessageType.MsgPreVote:
      s += ` lt${m.logTerm} i${m.index}`;
      break;
    case MessageType.MsgVoteResp:
    case MessageType.MsgPreVoteResp:
      s += m.reject ? ' REJECT' : ' GRANT';
      break;
    case MessageType.MsgHeartbeat:
      s += ` c${m.commit}`;
      break;
    case MessageType.MsgSnap:
      s += ` snap i${m.snapshot?.metadata.index} t${m.snapshot?.metadata.term}`;
      break;
    case MessageType.MsgProp:
      s += describeEntries(m.entries);
      break;
    case MessageType.MsgReadIndex:
    case MessageType.MsgReadIndexResp:
      s += ` i${m.index} ctx=${Buffer.from(m.context).toString()}`;
      break;
    default:
      break;
  }
  return s;
}

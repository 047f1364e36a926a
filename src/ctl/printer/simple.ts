/** `-w simple` (the default): etcdctl's plain lines, keys and values as raw bytes. */
import type { AlarmResponse__Output } from '../../gen/etcdserverpb/AlarmResponse.js';
import type { AlarmMember__Output } from '../../gen/etcdserverpb/AlarmMember.js';
import type { DeleteRangeResponse__Output } from '../../gen/etcdserverpb/DeleteRangeResponse.js';
import type { MemberAddResponse__Output } from '../../gen/etcdserverpb/MemberAddResponse.js';
import type { MemberListResponse__Output } from '../../gen/etcdserverpb/MemberListResponse.js';
import type { MoveLeaderResponse__Output } from '../../gen/etcdserverpb/MoveLeaderResponse.js';
import type { PutResponse__Output } from '../../gen/etcdserverpb/PutResponse.js';
import type { RangeResponse__Output } from '../../gen/etcdserverpb/RangeResponse.js';
import type { ResponseHeader__Output } from '../../gen/etcdserverpb/ResponseHeader.js';
import type { TxnResponse__Output } from '../../gen/etcdserverpb/TxnResponse.js';
import type { KeyValue__Output } from '../../gen/mvccpb/KeyValue.js';
import { hexU64 } from '../gocompat/strconv.js';
import type { CtlIO } from '../io.js';
import {
  UnsupportedPrinter,
  endpointHashKVTable,
  endpointStatusTable,
  memberListTable,
  type EndpointHashKV,
  type EndpointHealth,
  type EndpointStatus,
} from './printer.js';
import { goPanic } from '../io.js';

/** etcdctl's --hex form: every byte as \xNN. */
function hexEscaped(b: Buffer): string {
  let out = '';
  for (const byte of b) out += '\\x' + byte.toString(16).padStart(2, '0');
  return out;
}

/** Go's %+v of an AlarmMember (protobuf compact text): "memberID:1 alarm:NOSPACE ". */
export function alarmMemberText(a: AlarmMember__Output): string {
  let out = '';
  if (a.memberID !== '0') out += `memberID:${a.memberID} `;
  if (a.alarm !== 'NONE') out += `alarm:${a.alarm} `;
  return out;
}

export class SimplePrinter extends UnsupportedPrinter {
  /** `get --print-value-only`. */
  valueOnly = false;

  constructor(
    io: CtlIO,
    private readonly isHex: boolean,
  ) {
    super('simple', io);
  }

  private line(text: string | Buffer): void {
    this.io.stdout.write(text);
    this.io.stdout.write('\n');
  }

  private kv(kv: KeyValue__Output): void {
    const key = this.isHex ? hexEscaped(kv.key) : kv.key;
    const value = this.isHex ? hexEscaped(kv.value) : kv.value;
    if (!this.valueOnly) this.line(key);
    this.line(value);
  }

  private header(r: { header: ResponseHeader__Output | null }): ResponseHeader__Output {
    return r.header ?? goPanic(this.io, 'runtime error: invalid memory address or nil pointer dereference');
  }

  override del(r: DeleteRangeResponse__Output): void {
    this.line(r.deleted);
    for (const kv of r.prev_kvs) this.kv(kv);
  }

  override get(r: RangeResponse__Output): void {
    for (const kv of r.kvs) this.kv(kv);
  }

  override put(r: PutResponse__Output): void {
    this.line('OK');
    if (r.prev_kv) this.kv(r.prev_kv);
  }

  override txn(r: TxnResponse__Output): void {
    this.line(r.succeeded ? 'SUCCESS' : 'FAILURE');
    for (const op of r.responses) {
      this.line('');
      if (op.response_delete_range) this.del(op.response_delete_range);
      else if (op.response_put) this.put(op.response_put);
      else if (op.response_range) this.get(op.response_range);
      else this.line(`unexpected response ${op.response ?? ''}`);
    }
  }

  override memberAdd(r: MemberAddResponse__Output): void {
    const id = BigInt(r.member?.ID ?? '0');
    this.line(`Member ${hexU64(id, 16, ' ')} added to cluster ${hexU64(BigInt(this.header(r).cluster_id), 16, ' ')}`);
  }

  private memberChange(verb: string, id: bigint, r: { header: ResponseHeader__Output | null }): void {
    this.line(`Member ${hexU64(id, 16, ' ')} ${verb} cluster ${hexU64(BigInt(this.header(r).cluster_id), 16, ' ')}`);
  }

  override memberRemove(id: bigint, r: { header: ResponseHeader__Output | null }): void {
    this.memberChange('removed from', id, r);
  }

  override memberUpdate(id: bigint, r: { header: ResponseHeader__Output | null }): void {
    this.memberChange('updated in', id, r);
  }

  override memberPromote(id: bigint, r: { header: ResponseHeader__Output | null }): void {
    this.memberChange('promoted in', id, r);
  }

  override memberList(r: MemberListResponse__Output): void {
    for (const row of memberListTable(r).rows) this.line(row.join(', '));
  }

  override endpointHealth(list: readonly EndpointHealth[]): void {
    for (const h of list) {
      this.io.stderr.write(
        h.error === ''
          ? `${h.endpoint} is healthy: successfully committed proposal: took = ${h.took}\n`
          : `${h.endpoint} is unhealthy: failed to commit proposal: ${h.error}\n`,
      );
    }
  }

  override endpointStatus(list: readonly EndpointStatus[]): void {
    for (const row of endpointStatusTable(list).rows) this.line(row.join(', '));
  }

  override endpointHashKV(list: readonly EndpointHashKV[]): void {
    for (const row of endpointHashKVTable(list).rows) this.line(row.join(', '));
  }

  override moveLeader(leader: bigint, target: bigint, _r: MoveLeaderResponse__Output): void {
    this.line(`Leadership transferred from ${hexU64(leader)} to ${hexU64(target)}`);
  }

  override alarm(r: AlarmResponse__Output): void {
    for (const a of r.alarms) this.line(alarmMemberText(a));
  }
}

/**
 * `-w protobuf`: the response's wire bytes, exactly as Go's Marshal writes them (zero fields left
 * out, fields in number order), with no trailing newline.
 */
import type { AlarmResponse__Output } from '../../gen/etcdserverpb/AlarmResponse.js';
import type { DeleteRangeResponse__Output } from '../../gen/etcdserverpb/DeleteRangeResponse.js';
import type { MemberAddResponse__Output } from '../../gen/etcdserverpb/MemberAddResponse.js';
import type { MemberListResponse__Output } from '../../gen/etcdserverpb/MemberListResponse.js';
import type { MemberPromoteResponse__Output } from '../../gen/etcdserverpb/MemberPromoteResponse.js';
import type { MemberRemoveResponse__Output } from '../../gen/etcdserverpb/MemberRemoveResponse.js';
import type { MemberUpdateResponse__Output } from '../../gen/etcdserverpb/MemberUpdateResponse.js';
import type { MoveLeaderResponse__Output } from '../../gen/etcdserverpb/MoveLeaderResponse.js';
import type { PutResponse__Output } from '../../gen/etcdserverpb/PutResponse.js';
import type { RangeResponse__Output } from '../../gen/etcdserverpb/RangeResponse.js';
import type { TxnResponse__Output } from '../../gen/etcdserverpb/TxnResponse.js';
import type { CtlIO } from '../io.js';
import { encodeMessage } from '../methods.js';
import { messageSchema, withoutDefaults } from '../proto_schema.js';
import { UnsupportedPrinter } from './printer.js';

export class ProtobufPrinter extends UnsupportedPrinter {
  constructor(io: CtlIO) {
    super('protobuf', io);
  }

  private write(type: string, r: object): void {
    const fullName = `etcdserverpb.${type}`;
    this.io.stdout.write(encodeMessage(fullName, withoutDefaults(messageSchema(fullName), r as Record<string, unknown>)));
  }

  override put(r: PutResponse__Output): void {
    this.write('PutResponse', r);
  }
  override get(r: RangeResponse__Output): void {
    this.write('RangeResponse', r);
  }
  override del(r: DeleteRangeResponse__Output): void {
    this.write('DeleteRangeResponse', r);
  }
  override txn(r: TxnResponse__Output): void {
    this.write('TxnResponse', r);
  }
  override memberAdd(r: MemberAddResponse__Output): void {
    this.write('MemberAddResponse', r);
  }
  override memberRemove(_id: bigint, r: MemberRemoveResponse__Output): void {
    this.write('MemberRemoveResponse', r);
  }
  override memberUpdate(_id: bigint, r: MemberUpdateResponse__Output): void {
    this.write('MemberUpdateResponse', r);
  }
  override memberPromote(_id: bigint, r: MemberPromoteResponse__Output): void {
    this.write('MemberPromoteResponse', r);
  }
  override memberList(r: MemberListResponse__Output): void {
    this.write('MemberListResponse', r);
  }
  override moveLeader(_leader: bigint, _target: bigint, r: MoveLeaderResponse__Output): void {
    this.write('MoveLeaderResponse', r);
  }
  override alarm(r: AlarmResponse__Output): void {
    this.write('AlarmResponse', r);
  }
}

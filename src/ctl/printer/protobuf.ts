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
import { loadEtcdProtos } from '../../etcdpb/load.js';
import type { CtlIO } from '../io.js';
import { messageSchema, withoutDefaults } from '../proto_schema.js';
import { UnsupportedPrinter } from './printer.js';

type Serialize = (value: never) => Buffer;

export class ProtobufPrinter extends UnsupportedPrinter {
  constructor(io: CtlIO) {
    super('protobuf', io);
  }

  private write(type: string, serialize: Serialize, r: object): void {
    const plain = withoutDefaults(messageSchema(`etcdserverpb.${type}`), r as Record<string, unknown>);
    this.io.stdout.write((serialize as (value: unknown) => Buffer)(plain));
  }

  private get services() {
    return loadEtcdProtos().etcdserverpb;
  }

  override put(r: PutResponse__Output): void {
    this.write('PutResponse', this.services.KV.service.Put.responseSerialize, r);
  }
  override get(r: RangeResponse__Output): void {
    this.write('RangeResponse', this.services.KV.service.Range.responseSerialize, r);
  }
  override del(r: DeleteRangeResponse__Output): void {
    this.write('DeleteRangeResponse', this.services.KV.service.DeleteRange.responseSerialize, r);
  }
  override txn(r: TxnResponse__Output): void {
    this.write('TxnResponse', this.services.KV.service.Txn.responseSerialize, r);
  }
  override memberAdd(r: MemberAddResponse__Output): void {
    this.write('MemberAddResponse', this.services.Cluster.service.MemberAdd.responseSerialize, r);
  }
  override memberRemove(_id: bigint, r: MemberRemoveResponse__Output): void {
    this.write('MemberRemoveResponse', this.services.Cluster.service.MemberRemove.responseSerialize, r);
  }
  override memberUpdate(_id: bigint, r: MemberUpdateResponse__Output): void {
    this.write('MemberUpdateResponse', this.services.Cluster.service.MemberUpdate.responseSerialize, r);
  }
  override memberPromote(_id: bigint, r: MemberPromoteResponse__Output): void {
    this.write('MemberPromoteResponse', this.services.Cluster.service.MemberPromote.responseSerialize, r);
  }
  override memberList(r: MemberListResponse__Output): void {
    this.write('MemberListResponse', this.services.Cluster.service.MemberList.responseSerialize, r);
  }
  override moveLeader(_leader: bigint, _target: bigint, r: MoveLeaderResponse__Output): void {
    this.write('MoveLeaderResponse', this.services.Maintenance.service.MoveLeader.responseSerialize, r);
  }
  override alarm(r: AlarmResponse__Output): void {
    this.write('AlarmResponse', this.services.Maintenance.service.Alarm.responseSerialize, r);
  }
}

/** `-w json`: Go's json.Marshal of the response structs (see proto_json.ts), one line each. */
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
import { goJsonString } from '../gocompat/json.js';
import type { CtlIO } from '../io.js';
import { UnsupportedPrinter, type EndpointHashKV, type EndpointHealth, type EndpointStatus } from './printer.js';
import { protoJson } from './proto_json.js';

export class JsonPrinter extends UnsupportedPrinter {
  constructor(io: CtlIO) {
    super('json', io);
  }

  private print(json: string): void {
    this.io.stdout.write(json + '\n');
  }

  private message(type: string, r: object): void {
    this.print(protoJson(`etcdserverpb.${type}`, r));
  }

  override put(r: PutResponse__Output): void {
    this.message('PutResponse', r);
  }
  override get(r: RangeResponse__Output): void {
    this.message('RangeResponse', r);
  }
  override del(r: DeleteRangeResponse__Output): void {
    this.message('DeleteRangeResponse', r);
  }
  override txn(r: TxnResponse__Output): void {
    this.message('TxnResponse', r);
  }
  override memberAdd(r: MemberAddResponse__Output): void {
    this.message('MemberAddResponse', r);
  }
  override memberRemove(_id: bigint, r: MemberRemoveResponse__Output): void {
    this.message('MemberRemoveResponse', r);
  }
  override memberUpdate(_id: bigint, r: MemberUpdateResponse__Output): void {
    this.message('MemberUpdateResponse', r);
  }
  override memberPromote(_id: bigint, r: MemberPromoteResponse__Output): void {
    this.message('MemberPromoteResponse', r);
  }
  override memberList(r: MemberListResponse__Output): void {
    this.message('MemberListResponse', r);
  }
  override moveLeader(_leader: bigint, _target: bigint, r: MoveLeaderResponse__Output): void {
    this.message('MoveLeaderResponse', r);
  }
  override alarm(r: AlarmResponse__Output): void {
    this.message('AlarmResponse', r);
  }

  override endpointHealth(list: readonly EndpointHealth[]): void {
    const items = list.map((h) => {
      let item = `{"endpoint":${goJsonString(h.endpoint)},"health":${h.health},"took":${goJsonString(h.took)}`;
      if (h.error !== '') item += `,"error":${goJsonString(h.error)}`;
      return item + '}';
    });
    this.print(`[${items.join(',')}]`);
  }

  override endpointStatus(list: readonly EndpointStatus[]): void {
    const items = list.map(
      ({ endpoint, status }) => `{"Endpoint":${goJsonString(endpoint)},"Status":${protoJson('etcdserverpb.StatusResponse', status)}}`,
    );
    this.print(`[${items.join(',')}]`);
  }

  override endpointHashKV(list: readonly EndpointHashKV[]): void {
    const items = list.map(
      ({ endpoint, hashKV }) => `{"Endpoint":${goJsonString(endpoint)},"HashKV":${protoJson('etcdserverpb.HashKVResponse', hashKV)}}`,
    );
    this.print(`[${items.join(',')}]`);
  }
}

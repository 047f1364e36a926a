/** `-w fields`: etcdctl's `"Name" : value` lines, one per field. */
import type { AlarmResponse__Output } from '../../gen/etcdserverpb/AlarmResponse.js';
import type { DeleteRangeResponse__Output } from '../../gen/etcdserverpb/DeleteRangeResponse.js';
import type { MemberListResponse__Output } from '../../gen/etcdserverpb/MemberListResponse.js';
import type { PutResponse__Output } from '../../gen/etcdserverpb/PutResponse.js';
import type { RangeResponse__Output } from '../../gen/etcdserverpb/RangeResponse.js';
import type { ResponseHeader__Output } from '../../gen/etcdserverpb/ResponseHeader.js';
import type { TxnResponse__Output } from '../../gen/etcdserverpb/TxnResponse.js';
import type { KeyValue__Output } from '../../gen/mvccpb/KeyValue.js';
import { quote } from '../gocompat/strconv.js';
import { goPanic, type CtlIO } from '../io.js';
import { UnsupportedPrinter, type EndpointHashKV, type EndpointHealth, type EndpointStatus } from './printer.js';

/** Go's %v of a []string: "[a b]". */
function goStringSlice(values: readonly string[]): string {
  return `[${values.join(' ')}]`;
}

export class FieldsPrinter extends UnsupportedPrinter {
  constructor(io: CtlIO) {
    super('fields', io);
  }

  private line(text: string): void {
    this.io.stdout.write(text + '\n');
  }

  private kv(prefix: string, kv: KeyValue__Output): void {
    this.line(`"${prefix}Key" : ${quote(kv.key)}`);
    this.line(`"${prefix}CreateRevision" : ${kv.create_revision}`);
    this.line(`"${prefix}ModRevision" : ${kv.mod_revision}`);
    this.line(`"${prefix}Version" : ${kv.version}`);
    this.line(`"${prefix}Value" : ${quote(kv.value)}`);
    this.line(`"${prefix}Lease" : ${kv.lease}`);
  }

  private hdr(h: ResponseHeader__Output | null): void {
    if (!h) goPanic(this.io, 'runtime error: invalid memory address or nil pointer dereference');
    this.line(`"ClusterID" : ${h.cluster_id}`);
    this.line(`"MemberID" : ${h.member_id}`);
    this.line(`"Revision" : ${h.revision}`);
    this.line(`"RaftTerm" : ${h.raft_term}`);
  }

  override del(r: DeleteRangeResponse__Output): void {
    this.hdr(r.header);
    this.line(`"Deleted" : ${r.deleted}`);
    for (const kv of r.prev_kvs) this.kv('Prev', kv);
  }

  override get(r: RangeResponse__Output): void {
    this.hdr(r.header);
    for (const kv of r.kvs) this.kv('', kv);
    this.line(`"More" : ${r.more}`);
    this.line(`"Count" : ${r.count}`);
  }

  override put(r: PutResponse__Output): void {
    this.hdr(r.header);
    if (r.prev_kv) this.kv('Prev', r.prev_kv);
  }

  override txn(r: TxnResponse__Output): void {
    this.hdr(r.header);
    this.line(`"Succeeded" : ${r.succeeded}`);
    for (const op of r.responses) {
      if (op.response_delete_range) this.del(op.response_delete_range);
      else if (op.response_put) this.put(op.response_put);
      else if (op.response_range) this.get(op.response_range);
      else this.line(`"Unknown" : ${quote(op.response ?? '')}`);
    }
  }

  override memberList(r: MemberListResponse__Output): void {
    this.hdr(r.header);
    for (const m of r.members) {
      this.line(`"ID" : ${m.ID}`);
      this.line(`"Name" : ${quote(m.name)}`);
      for (const u of m.peerURLs) this.line(`"PeerURL" : ${quote(u)}`);
      for (const u of m.clientURLs) this.line(`"ClientURL" : ${quote(u)}`);
      this.line(`"IsLearner" : ${m.isLearner}`);
      this.line('');
    }
  }

  override endpointHealth(list: readonly EndpointHealth[]): void {
    for (const h of list) {
      this.line(`"Endpoint" : ${quote(h.endpoint)}`);
      this.line(`"Health" : ${h.health}`);
      this.line(`"Took" : ${h.took}`);
      this.line(`"Error" : ${h.error}`);
      this.line('');
    }
  }

  override endpointStatus(list: readonly EndpointStatus[]): void {
    for (const { endpoint, status } of list) {
      this.hdr(status.header);
      this.line(`"Version" : ${quote(status.version)}`);
      this.line(`"DBSize" : ${status.dbSize}`);
      this.line(`"Leader" : ${status.leader}`);
      this.line(`"IsLearner" : ${status.isLearner}`);
      this.line(`"RaftIndex" : ${status.raftIndex}`);
      this.line(`"RaftTerm" : ${status.raftTerm}`);
      this.line(`"RaftAppliedIndex" : ${status.raftAppliedIndex}`);
      this.line(`"Errors" : ${goStringSlice(status.errors)}`);
      this.line(`"Endpoint" : ${quote(endpoint)}`);
      this.line('');
    }
  }

  override endpointHashKV(list: readonly EndpointHashKV[]): void {
    for (const { endpoint, hashKV } of list) {
      this.hdr(hashKV.header);
      this.line(`"Endpoint" : ${quote(endpoint)}`);
      this.line(`"Hash" : ${hashKV.hash}`);
      this.line('');
    }
  }

  override alarm(r: AlarmResponse__Output): void {
    this.hdr(r.header);
    for (const a of r.alarms) {
      this.line(`"MemberID" : ${a.memberID}`);
      this.line(`"AlarmType" : ${a.alarm}`);
      this.line('');
    }
  }
}

/**
 * tetcdctl's codecs and message schemas come from protobufjs reflection instead of proto-loader's
 * package definition (which is slow to build); here they are checked against that definition:
 * the same bytes and objects for every method tetcdctl calls, and the same layout for every
 * message as proto-loader's descriptors give it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { loadEtcdProtos } from '../../src/etcdpb/load.js';
import { etcdMethod, type UnaryMethod } from '../../src/ctl/methods.js';
import { messageSchema, withoutDefaults, type FieldSchema } from '../../src/ctl/proto_schema.js';

const header = { cluster_id: '14841639068965178418', member_id: '10276657743932975437', revision: '9', raft_term: '2' };
const keyValue = { key: Buffer.from('k'), value: Buffer.from([0, 255]), create_revision: '3', mod_revision: '9', version: '2', lease: '0' };

test("every method tetcdctl calls writes requests and reads responses as proto-loader's does", () => {
  const pb = loadEtcdProtos().etcdserverpb;
  const cases: [UnaryMethod<never, unknown>, { requestSerialize(r: never): Buffer; responseSerialize(r: never): Buffer; responseDeserialize(b: Buffer): unknown }, object, object][] = [
    [etcdMethod('KV', 'Range'), pb.KV.service.Range, { key: Buffer.from('a'), range_end: Buffer.from([0]), limit: '2', sort_order: 'DESCEND', sort_target: 'MOD', serializable: true }, { header, kvs: [keyValue], more: true, count: '5' }],
    [etcdMethod('KV', 'Put'), pb.KV.service.Put, { key: Buffer.from('k'), value: Buffer.from('v'), lease: '7', prev_kv: true }, { header, prev_kv: keyValue }],
    [etcdMethod('KV', 'DeleteRange'), pb.KV.service.DeleteRange, { key: Buffer.from('k'), prev_kv: true }, { header, deleted: '1', prev_kvs: [keyValue] }],
    [etcdMethod('KV', 'Txn'), pb.KV.service.Txn, { compare: [{ target: 'MOD', result: 'LESS', key: Buffer.from('k'), mod_revision: '4' }], success: [{ request_delete_range: { key: Buffer.from('k') } }] }, { header, succeeded: true, responses: [{ response_range: { header, kvs: [keyValue], count: '1' } }] }],
    [etcdMethod('KV', 'Compact'), pb.KV.service.Compact, { revision: '5', physical: true }, { header }],
    [etcdMethod('Cluster', 'MemberAdd'), pb.Cluster.service.MemberAdd, { peerURLs: ['http://127.0.0.1:2380'], isLearner: true }, { header, member: { ID: '18446744073709551615', peerURLs: ['http://a:1'], isLearner: true }, members: [] }],
    [etcdMethod('Cluster', 'MemberList'), pb.Cluster.service.MemberList, {}, { header, members: [{ ID: '1', name: 'n', peerURLs: ['http://a:1'], clientURLs: ['http://a:2'] }] }],
    [etcdMethod('Cluster', 'MemberRemove'), pb.Cluster.service.MemberRemove, { ID: '12' }, { header, members: [] }],
    [etcdMethod('Cluster', 'MemberUpdate'), pb.Cluster.service.MemberUpdate, { ID: '12', peerURLs: ['http://b:1'] }, { header }],
    [etcdMethod('Cluster', 'MemberPromote'), pb.Cluster.service.MemberPromote, { ID: '12' }, { header }],
    [etcdMethod('Maintenance', 'Status'), pb.Maintenance.service.Status, {}, { header, version: '3.4.23', dbSize: '20480', leader: '3', raftIndex: '9', raftTerm: '2', errors: ['x'] }],
    [etcdMethod('Maintenance', 'HashKV'), pb.Maintenance.service.HashKV, { revision: '4' }, { header, hash: 4294967295, compact_revision: '2' }],
    [etcdMethod('Maintenance', 'MoveLeader'), pb.Maintenance.service.MoveLeader, { targetID: '7' }, { header }],
    [etcdMethod('Maintenance', 'Alarm'), pb.Maintenance.service.Alarm, { action: 'DEACTIVATE', memberID: '3', alarm: 'NOSPACE' }, { header, alarms: [{ memberID: '3', alarm: 'CORRUPT' }] }],
    [etcdMethod('Auth', 'Authenticate'), pb.Auth.service.Authenticate, { name: 'root', password: 'secret' }, { header, token: 't.1' }],
  ];
  for (const [ours, theirs, request, response] of cases) {
    assert.equal(ours.path, (theirs as unknown as { path: string }).path);
    assert.deepEqual(ours.requestSerialize(request as never), theirs.requestSerialize(request as never), ours.path);
    const bytes = theirs.responseSerialize(response as never);
    assert.deepEqual(ours.responseDeserialize(bytes), theirs.responseDeserialize(bytes), ours.path);
  }
});

interface DescriptorField {
  name: string;
  number: number;
  label: string;
  type: string;
}

/** What proto-loader's descriptors say a field is, in proto_schema's terms. */
function descriptorKind(f: DescriptorField): FieldSchema['kind'] {
  const kind = f.type.replace(/^TYPE_/, '').toLowerCase();
  const goKinds: Record<string, FieldSchema['kind']> = {
    sint64: 'int64',
    sfixed64: 'int64',
    fixed64: 'uint64',
    sint32: 'int32',
    sfixed32: 'int32',
    fixed32: 'uint32',
    float: 'double',
  };
  return goKinds[kind] ?? (kind as FieldSchema['kind']);
}

/**
 * The oneofs of etcd's protos. (proto-loader's descriptors cannot tell: they fill in oneofIndex 0
 * for every field.)
 */
const ONEOFS: Record<string, Record<string, string>> = {
  'etcdserverpb.RequestOp': { request_range: 'request', request_put: 'request', request_delete_range: 'request', request_txn: 'request' },
  'etcdserverpb.ResponseOp': { response_range: 'response', response_put: 'response', response_delete_range: 'response', response_txn: 'response' },
  'etcdserverpb.Compare': { version: 'target_union', create_revision: 'target_union', mod_revision: 'target_union', value: 'target_union', lease: 'target_union' },
  'etcdserverpb.WatchRequest': { create_request: 'request_union', cancel_request: 'request_union', progress_request: 'request_union' },
};

test("every message's schema follows proto-loader's descriptor: fields in order, numbers, kinds; and etcd's oneofs", () => {
  const packages = loadEtcdProtos() as unknown as Record<string, Record<string, MessageTypeDefinition<object, object>>>;
  let checked = 0;
  for (const pkg of ['etcdserverpb', 'mvccpb', 'authpb']) {
    for (const [name, def] of Object.entries(packages[pkg]!)) {
      if (def.format !== 'Protocol Buffer 3 DescriptorProto') continue;
      const fullName = `${pkg}.${name}`;
      const descriptor = def.type as unknown as { field: DescriptorField[] };
      const schema = messageSchema(fullName);
      const fields = descriptor.field.filter((f) => schema.fields.some((s) => s.name === f.name));
      const inDeclarationOrder = schema.members.flatMap((m) => ('field' in m ? [m.field] : m.oneof.members));
      assert.deepEqual(
        inDeclarationOrder.map((f) => [f.name, f.number, f.repeated, f.kind, f.oneof ?? null]),
        fields.map((f) => [f.name, f.number, f.label === 'LABEL_REPEATED', descriptorKind(f), ONEOFS[fullName]?.[f.name] ?? null]),
        fullName,
      );
      checked++;
    }
  }
  assert.ok(checked > 90, `${checked} messages`);
});

test('schemas name the message types and enum values of their fields', () => {
  const range = messageSchema('etcdserverpb.RangeResponse');
  assert.equal(range.fields.find((f) => f.name === 'kvs')?.messageType, 'mvccpb.KeyValue');
  const request = messageSchema('etcdserverpb.RangeRequest');
  assert.deepEqual([...request.fields.find((f) => f.name === 'sort_target')!.enumValues!], [
    ['KEY', 0],
    ['VERSION', 1],
    ['CREATE', 2],
    ['MOD', 3],
    ['VALUE', 4],
  ]);
  assert.deepEqual(
    messageSchema('etcdserverpb.HashKVResponse').fields.map((f) => f.name),
    ['header', 'hash', 'compact_revision'],
    'fields newer than etcd 3.4 are left out',
  );
});

test("a txn compare goes out as Go marshals it: zero fields left out, a set oneof member kept even when zero", () => {
  const request = { compare: [{ result: 'EQUAL', target: 'VERSION', key: Buffer.from('k'), version: '0' }], success: [], failure: [] };
  const plain = withoutDefaults(messageSchema('etcdserverpb.TxnRequest'), request);
  // compare (1) { key (3) = "k", version (4) = 0 }
  assert.deepEqual(etcdMethod('KV', 'Txn').requestSerialize(plain as never), Buffer.from([0x0a, 0x05, 0x1a, 0x01, 0x6b, 0x20, 0x00]));
});

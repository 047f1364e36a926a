/**
 * The stored (compiled) protos stand in for the .proto sources only while they are the same
 * thing: the gRPC package made from them equals proto-loader's loadSync of the sources in every
 * descriptor and codec, and stored protos that no longer match the sources are not used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, loadEtcdProtos } from '../../src/etcdpb/load.js';
import { compileEtcdProtos, etcdProtoJson, readCompiledProtos } from '../../src/etcdpb/root.js';

type Definition = Record<string, unknown>;

/** A definition with its functions left out and its file descriptors as comparable bytes. */
function comparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'function' ? undefined : Buffer.isBuffer(v) ? v.toString('base64') : v)),
  );
}

test("the package equals proto-loader's loadSync of the .proto sources, descriptors and all", () => {
  const fromSources = protoLoader.loadSync('etcd/etcdserverpb/rpc.proto', LOADER_OPTIONS) as Record<string, Definition>;
  const fromJson = protoLoader.fromJSON(etcdProtoJson(), LOADER_OPTIONS) as Record<string, Definition>;
  assert.deepEqual(Object.keys(fromJson), Object.keys(fromSources));
  for (const name of Object.keys(fromSources)) assert.deepEqual(comparable(fromJson[name]), comparable(fromSources[name]), name);
});

test('codecs of the package write and read the same bytes and objects as those of the sources', () => {
  const fromSources = protoLoader.loadSync('etcd/etcdserverpb/rpc.proto', LOADER_OPTIONS);
  const kv = (fromSources['etcdserverpb.KV'] as protoLoader.ServiceDefinition)['Txn']!;
  const txn = loadEtcdProtos().etcdserverpb.KV.service.Txn;
  const request = {
    compare: [{ target: 'VALUE', result: 'EQUAL', key: Buffer.from('k'), value: Buffer.from('v') }],
    success: [{ request_put: { key: Buffer.from('k'), value: Buffer.from([0, 255]), lease: '18446744073709551615' } }],
    failure: [{ request_range: { key: Buffer.from('a'), range_end: Buffer.from([0]), sort_order: 'DESCEND' } }],
  };
  const bytes = kv.requestSerialize(request);
  assert.deepEqual(txn.requestSerialize(request as never), bytes);
  assert.deepEqual(txn.requestDeserialize(bytes), kv.requestDeserialize(bytes));
});

test('stored protos are used only while their fingerprint matches the sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdpb-'));
  try {
    const compiled = compileEtcdProtos();
    assert.ok(compiled.files.includes('etcd/etcdserverpb/rpc.proto'), compiled.files.join(' '));
    const store = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    assert.deepEqual(readCompiledProtos(store('fresh.json', JSON.stringify(compiled))), JSON.parse(JSON.stringify(compiled)));
    const stale = { ...compiled, fingerprint: '0'.repeat(64) };
    assert.equal(readCompiledProtos(store('stale.json', JSON.stringify(stale))), undefined);
    const moved = { ...compiled, files: ['etcd/none.proto'] };
    assert.equal(readCompiledProtos(store('moved.json', JSON.stringify(moved))), undefined);
    assert.equal(readCompiledProtos(store('torn.json', JSON.stringify(compiled).slice(0, 100))), undefined);
    assert.equal(readCompiledProtos(join(dir, 'missing.json')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

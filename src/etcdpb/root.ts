/**
 * etcd's v3 API protos (proto/etcd/...) as protobufjs reflection, without gRPC: the source of
 * both the gRPC package definition (load.ts) and the codecs of short-lived clients (tetcdctl),
 * which need nothing else from proto-loader and grpc-js to encode and decode.
 *
 * Parsing the .proto text is a visible part of a short run's start-up, so the build
 * (scripts/gen-proto-json.mjs) stores the parsed protos as JSON beside this module. The JSON
 * carries a fingerprint of the parse options and of every .proto file it was made from, and is
 * used only while that still matches; otherwise the sources are parsed, as before the build.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from '@grpc/proto-loader';
import type * as Protobuf from 'protobufjs';

const HERE = dirname(fileURLToPath(import.meta.url));

export const PROTO_DIR = join(HERE, '..', '..', '..', 'proto');

/**
 * proto-loader's options for etcd's protos. Wire compatibility depends on them: keepCase (field
 * names as in the .proto), longs as decimal strings (member and lease IDs use all 64 bits), enums
 * as strings, defaults filled in, oneof discriminators. Bytes fields are Buffers; a string put
 * into a bytes field would be read as base64 by protobufjs, so never do that.
 */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

const ENTRY_FILE = 'etcd/etcdserverpb/rpc.proto';

/** Where the build puts the compiled protos. */
export const COMPILED_PROTOS_PATH = join(HERE, 'etcd_protos.json');

/** The parsed protos as the build stores them. */
export interface CompiledProtos {
  fingerprint: string;
  /** The .proto files read, relative to PROTO_DIR. */
  files: string[];
  root: Protobuf.INamespace;
}

// protobufjs loads only when a codec is needed (`--help` and argument errors never need one), and
// without its .proto parser unless the stored protos cannot be used.
const requireModule = createRequire(import.meta.url);
let protobufModule: typeof Protobuf | undefined;
function protobuf(): typeof Protobuf {
  return (protobufModule ??= requireModule('protobufjs/light') as typeof Protobuf);
}
function protobufWithParser(): typeof Protobuf {
  return requireModule('protobufjs') as typeof Protobuf;
}

/** The .proto options protobufjs's parser reads (proto-loader hands it all of LOADER_OPTIONS). */
function parseOptions(): Protobuf.IParseOptions {
  return { keepCase: LOADER_OPTIONS.keepCase ?? false };
}

function fingerprint(files: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify(parseOptions()));
  for (const file of files) hash.update(`\0${file}\0`).update(readFileSync(join(PROTO_DIR, file)));
  return hash.digest('hex');
}

/** Parses the sources as proto-loader's loadSync does (imports resolved against PROTO_DIR). */
export function compileEtcdProtos(): CompiledProtos {
  const root = new (protobufWithParser().Root)();
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(PROTO_DIR, target));
  root.loadSync(ENTRY_FILE, parseOptions());
  root.resolveAll();
  const files = root.files.map((f) => relative(PROTO_DIR, f)).sort();
  return { fingerprint: fingerprint(files), files, root: root.toJSON() };
}

/** The stored protos at `path` if they were made from the current sources, else undefined. */
export function readCompiledProtos(path: string): CompiledProtos | undefined {
  let compiled: CompiledProtos;
  try {
    compiled = JSON.parse(readFileSync(path, 'utf8')) as CompiledProtos;
    return compiled.fingerprint === fingerprint(compiled.files) ? compiled : undefined;
  } catch {
    // Not built yet, or a source file it lists is gone: the sources decide.
    return undefined;
  }
}

let cachedJson: Protobuf.INamespace | undefined;
let cachedRoot: Protobuf.Root | undefined;

/** The protos in protobufjs's JSON form, which proto-loader's fromJSON takes. */
export function etcdProtoJson(): Protobuf.INamespace {
  return (cachedJson ??= (readCompiledProtos(COMPILED_PROTOS_PATH) ?? compileEtcdProtos()).root);
}

/** The etcdserverpb/mvccpb/authpb types, resolved. */
export function etcdProtoRoot(): Protobuf.Root {
  if (!cachedRoot) {
    cachedRoot = protobuf().Root.fromJSON(etcdProtoJson());
    cachedRoot.resolveAll();
  }
  return cachedRoot;
}

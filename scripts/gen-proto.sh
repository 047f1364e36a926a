#!/usr/bin/env bash
# Regenerates the TypeScript types of the etcd protos in src/gen (committed; never edit by hand).
# Loader options must match src/api/proto.ts: keepCase, longs as strings, enums as strings, defaults, oneofs.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/gen
npx proto-loader-gen-types --keepCase --longs=String --enums=String --defaults --oneofs \
  --grpcLib=@grpc/grpc-js --includeDirs=proto --outDir=src/gen etcd/etcdserverpb/rpc.proto
# NodeNext resolution wants explicit extensions, even on type-only imports.
find src/gen -name '*.ts' -print0 | xargs -0 sed -i -E "s#from '(\.{1,2}/[^']+)';#from '\1.js';#"

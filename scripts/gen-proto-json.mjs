#!/usr/bin/env node
// Stores etcd's parsed protos as JSON beside the compiled loader (dist/src/etcdpb/), so that
// tetcdctl and tetcd start without parsing .proto text. Runs after tsc (`npm run build` does
// both); the loaders fall back to parsing the sources when this file is missing or out of date.
import { renameSync, writeFileSync } from 'node:fs';

const { COMPILED_PROTOS_PATH, compileEtcdProtos } = await import('../dist/src/etcdpb/root.js');

// Other processes may be reading the file: replace it in one step.
const partial = `${COMPILED_PROTOS_PATH}.${process.pid}.tmp`;
writeFileSync(partial, JSON.stringify(compileEtcdProtos()));
renameSync(partial, COMPILED_PROTOS_PATH);

#!/usr/bin/env node
// `npm start`: runs one tetcd member with etcd's defaults (client http://localhost:2379, data in
// ./default.etcd), forwarding signals so Ctrl-C stops it cleanly.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/tetcd', import.meta.url));
const child = spawn(process.execPath, [bin, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));

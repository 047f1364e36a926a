#!/usr/bin/env node
// `npm start`: runs the three-member cluster of the Procfile, with goreman when it is on the PATH
// and with our Procfile runner (scripts/procfile-runner.mjs, same commands) otherwise. Extra
// arguments go to the runner, e.g. `npm start -- -f OtherProcfile`.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const procfile = args.includes('-f') ? [] : ['-f', 'Procfile'];
const hasGoreman = spawnSync('sh', ['-c', 'command -v goreman'], { stdio: 'ignore' }).status === 0;
const [cmd, cmdArgs] = hasGoreman
  ? ['goreman', [...procfile, ...args, 'start']]
  : [process.execPath, [fileURLToPath(new URL('./procfile-runner.mjs', import.meta.url)), ...procfile, ...args, 'start']];
const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd: root });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 1)));

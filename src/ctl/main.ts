/** The tetcdctl process: argv, stdio and environment in, exit status out. */
import { runCtl } from './run.js';
import { StreamInput, type Output } from './io.js';

function processOutput(stream: NodeJS.WriteStream): Output & { drained(): Promise<void> } {
  // A reader that went away (`| head`) ends the output quietly, as SIGPIPE ends etcdctl.
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return {
    write: (chunk) => {
      stream.write(chunk);
    },
    drained: () => new Promise((resolve) => stream.write('', () => resolve())),
  };
}

async function main(): Promise<void> {
  const env = { ...process.env };
  const api = env.ETCDCTL_API;
  // etcdctl reads and then drops ETCDCTL_API, so it never counts as an unknown variable.
  delete env.ETCDCTL_API;
  const stdout = processOutput(process.stdout);
  const stderr = processOutput(process.stderr);
  let code: number;
  if (api !== undefined && api !== '' && api !== '3') {
    stderr.write(api === '2' ? 'tetcdctl speaks only the v3 API (ETCDCTL_API=2 is not supported)\n' : `unsupported API version ${api}\n`);
    code = 1;
  } else {
    const stdin = new StreamInput(process.stdin);
    code = await runCtl(process.argv.slice(2), { stdout, stderr, stdin, env, now: () => new Date() });
    stdin.close();
  }
  await Promise.all([stdout.drained(), stderr.drained()]);
  process.exit(code);
}

await main();

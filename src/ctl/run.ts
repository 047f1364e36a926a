/**
 * tetcdctl: etcdctl 3.4 (v3 API) for tetcd and etcd, with etcdctl's commands, flags, ETCDCTL_*
 * environment variables, output formats, error texts and exit codes. This is the in-process entry
 * (tests use it); main.ts wires it to the process.
 */
import { execute } from './cli/command.js';
import { rootCommand } from './commands/root.js';
import { CtlExit, type CtlIO } from './io.js';

/** Runs one tetcdctl command line; resolves with the exit status. Never calls process.exit. */
export async function runCtl(args: readonly string[], io: CtlIO): Promise<number> {
  try {
    await execute(rootCommand(), args, io);
    return 0;
  } catch (err) {
    if (err instanceof CtlExit) return err.code;
    throw err;
  }
}

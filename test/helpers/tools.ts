/**
 * External tools the process tests need (the real etcd and etcdctl, Go). A missing tool is never
 * a silent pass: under CI (`CI=true`) the test fails with how to install it; elsewhere the test is
 * reported as skipped with the same hint.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

const INSTALL_HINTS: Record<string, string> = {
  etcd: 'apt-get install etcd-server',
  etcdctl: 'apt-get install etcd-client',
  go: 'apt-get install golang-go',
};

/** The absolute path of `name` on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function isCI(): boolean {
  return process.env.CI === 'true';
}

/**
 * For `describe`/`test` options: `{ skip: skipUnlessTools(['etcd', 'etcdctl']) }`. Returns false
 * when every tool is present, else the skip reason; under CI it throws instead, failing the file.
 */
export function skipUnlessTools(names: readonly string[]): string | false {
  const missing = names.filter((n) => findTool(n) === undefined);
  if (missing.length === 0) return false;
  const reason = missing.map((n) => `${n} not installed: ${INSTALL_HINTS[n] ?? `install ${n}`}`).join('; ');
  if (isCI()) throw new Error(`required tool missing under CI: ${reason}`);
  return reason;
}

/**
 * Inside a test: true when `name` is available. Otherwise skips the test (or fails it under CI)
 * and returns false, so the caller returns at once: `if (!requireTool(t, 'etcdctl')) return;`.
 */
export function requireTool(t: TestContext, name: string): boolean {
  const reason = skipUnlessTools([name]);
  if (reason === false) return true;
  t.skip(reason);
  return false;
}

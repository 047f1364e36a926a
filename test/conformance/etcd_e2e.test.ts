/**
 * etcd's own etcdctl end-to-end tests (Debian golang-etcd-server-dev, tests/e2e) against
 * bin/tetcd, through scripts/conformance.sh: the suite spawns `etcd` (our wrapper around
 * bin/tetcd) with etcd's flags and drives the real etcdctl. The Go suite runs once; each Go test
 * is then reported as its own node:test. The first run builds the suite (about 1.5 min on two
 * cores, cached under .cache/ afterwards).
 *
 * Tests listed with a `todo` reason belong to work not done yet: they run and their result is
 * shown, but they do not fail the build until the reason is removed.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../helpers/proc.js';
import { isCI, skipUnlessTools } from '../helpers/tools.js';
import { PROJECT_ROOT, skipUnlessTetcd } from '../helpers/members.js';

const E2E_SOURCE = '/usr/share/gocode/src/go.etcd.io/etcd/tests/e2e';

const GO_TESTS: ReadonlyArray<{ name: string; todo?: string }> = [
  // the foundation (issue 2)
  { name: 'TestCtlV3PutNoTLS' },
  { name: 'TestCtlV3GetNoTLS' },
  { name: 'TestCtlV3DelNoTLS' },
  { name: 'TestCtlV3TxnInteractiveSuccessNoTLS' },
  // the cluster (issue 4)
  { name: 'TestCtlV3MemberListNoTLS' },
  { name: 'TestCtlV3MemberAddNoTLS' },
  { name: 'TestCtlV3MemberRemoveNoTLS' },
  { name: 'TestCtlV3MemberUpdateNoTLS' },
];

function skipUnlessSuite(): string | false {
  const missingTool = skipUnlessTools(['go', 'etcdctl']);
  if (missingTool) return missingTool;
  if (existsSync(E2E_SOURCE)) return false;
  const reason = `${E2E_SOURCE} missing: apt-get install golang-etcd-server-dev`;
  if (isCI()) throw new Error(`required package missing under CI: ${reason}`);
  return reason;
}

/** The lines the Go test runner printed for one test: its --- PASS/FAIL line and what it logged. */
function resultOf(output: string, name: string): { passed: boolean; log: string } | undefined {
  const lines = output.split('\n');
  const end = lines.findIndex((l) => new RegExp(`^--- (PASS|FAIL|SKIP): ${name} `).test(l));
  if (end < 0) return undefined;
  const start = lines.findIndex((l) => l === `=== RUN   ${name}`);
  return { passed: lines[end].startsWith('--- PASS'), log: lines.slice(Math.max(start, 0), end + 1).join('\n') };
}

describe("etcd's e2e suite against bin/tetcd", { skip: skipUnlessSuite() || skipUnlessTetcd() }, () => {
  let run: CommandResult;

  before(async () => {
    const regex = `^(${GO_TESTS.map((t) => t.name).join('|')})$`;
    run = await runCommand('bash', [join(PROJECT_ROOT, 'scripts', 'conformance.sh'), '-v', regex], {
      cwd: PROJECT_ROOT,
      timeoutMs: 15 * 60_000,
    });
  });

  for (const goTest of GO_TESTS) {
    test(goTest.name, { todo: goTest.todo }, () => {
      const result = resultOf(run.stdout, goTest.name);
      assert.ok(result, `${goTest.name} did not run (exit ${run.code ?? run.signal})\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
      assert.ok(result.passed, result.log);
    });
  }
});

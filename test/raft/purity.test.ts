/**
 * The core must stay pure: no I/O, no timers, no clock, no global randomness, no asynchrony
 * (a state transition that awaits is how JS Raft libraries double-vote). This scans the sources.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
const raftDir = join(root, 'src', 'raft');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Drops comments and the contents of string literals, so prose about `Date` does not count. */
function codeOnly(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/.*$/gm, ' ')
    .replace(/`(?:\\[\s\S]|\$\{[^}]*\}|[^`\\])*`/g, '``')
    .replace(/'(?:\\.|[^'\\\n])*'/g, "''")
    .replace(/"(?:\\.|[^"\\\n])*"/g, '""');
}

const forbidden: Array<[RegExp, string]> = [
  [/\bawait\b/, 'await'],
  [/\basync\b/, 'async'],
  [/\bPromise\b/, 'Promise'],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, 'timers'],
  [/\bDate\b/, 'Date'],
  [/\bperformance\b/, 'performance clock'],
  [/Math\.random/, 'Math.random'],
  [/\bprocess\s*\./, 'process'],
  [/\brequire\s*\(/, 'require'],
  [/\bBuffer\b/, 'Buffer (Node-only)'],
];

/**
 * Imports must be relative: within src/raft, or these base/ modules, which are pure. Type-only imports
 * (e.g. the Rand interface) erase at compile time and may name any base/ module.
 */
const allowedOutside = new Set(['base/assert.ts', 'base/logger.ts']);

const files = walk(raftDir);

test('the raft core has source files to check', () => {
  assert.ok(files.length > 10);
});

test('no async, timers, clock, randomness or process access in src/raft', () => {
  const problems: string[] = [];
  for (const f of files) {
    const code = codeOnly(readFileSync(f, 'utf8'));
    for (const [re, what] of forbidden) if (re.test(code)) problems.push(`${relative(root, f)}: uses ${what}`);
  }
  assert.deepEqual(problems, []);
});

test('src/raft imports only its own files and pure base/ modules', () => {
  const problems: string[] = [];
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+'([^']+)'/gm)) {
      const typeOnly = m[2] !== undefined;
      const spec = m[3]!;
      if (!spec.startsWith('.')) {
        problems.push(`${relative(root, f)}: imports package ${spec}`);
        continue;
      }
      const target = relative(join(root, 'src'), join(f, '..', spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('raft/')) continue;
      if (typeOnly && target.startsWith('base/')) continue;
      if (!allowedOutside.has(target)) problems.push(`${relative(root, f)}: imports ${target}`);
    }
    if (/\bimport\s*\(/.test(codeOnly(src))) problems.push(`${relative(root, f)}: dynamic import`);
  }
  assert.deepEqual(problems, []);
});

test('the base/ modules the core may import have no imports of their own', () => {
  for (const rel of allowedOutside) {
    const code = codeOnly(readFileSync(join(root, 'src', rel), 'utf8'));
    assert.ok(!/\bimport\b/.test(code), `${rel} imports something`);
    for (const [re, what] of forbidden) assert.ok(!re.test(code), `${rel} uses ${what}`);
  }
});

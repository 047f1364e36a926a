/**
 * Runs every scenario script in test/testdata/raft/ against the real core (see
 * test/harness/interaction_env.ts for the commands). REWRITE=1 regenerates the expected outputs.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resetRaftTestBugs } from '../../src/raft/index.js';
import { formatMismatches, runFile } from '../harness/datadriven.js';
import { InteractionEnv } from '../harness/interaction_env.js';

const dir = join(new URL('../../../', import.meta.url).pathname, 'test', 'testdata', 'raft');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort();

test('scenario scripts exist', () => {
  assert.ok(files.length > 0, `no scenario scripts in ${dir}`);
});

for (const file of files) {
  test(`scenario ${file}`, () => {
    resetRaftTestBugs();
    const env = new InteractionEnv();
    const path = join(dir, file);
    const mismatches = runFile(path, (c) => env.handle(c));
    assert.equal(mismatches.length, 0, formatMismatches(path, mismatches));
  });
}

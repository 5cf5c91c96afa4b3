/** `npx coarsegrad explain <file.ts>`: the report and the companions of a file, without a build. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'transformer', 'cli.js');

test('explain prints each loop’s class, the segments and the companions', () => {
  const run = spawnSync(process.execPath, [cli, 'explain', path.join(root, 'test', 'programs', 'bgd.ts')], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /bgd: 4 parameters/);
  assert.match(run.stdout, /line 8: recurrence on the tape, carrying k, w: it runs while a run-time condition holds/);
  assert.match(run.stdout, /line 11: reduction of d over a run-time trip count/);
  assert.match(run.stdout, /segments \(\d+\), cut where a value is used more than once:/);
  assert.match(run.stdout, /operations: primal \d+, gradient \d+/);
  assert.match(run.stdout, /function bgd\$grad\$2\(x, y, r, T\) \{/);
});

test('explain counts the operations of a gradient that only scatters into its array', () => {
  const file = path.join(root, 'test', 'programs', 'scatter.ts');
  const run = spawnSync(process.execPath, [cli, 'explain', file], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  // x's gradient is added at run-time indices only: its operations were reported as 0.
  const gradient = Number(/operations: primal \d+, gradient (\d+)/.exec(run.stdout)?.[1]);
  assert.ok(gradient > 0, run.stdout);
});

test('explain without a file says how to use it', () => {
  const run = spawnSync(process.execPath, [cli], { encoding: 'utf8' });
  assert.is(run.status, 2);
  assert.match(run.stderr, /usage: coarsegrad explain <file\.ts>/);
});

test.run();

// Runs every uvu suite in dist/test and ends with the line CI reads: `N passed, N failed`.
// uvu prints its totals in its own format, so they are read from its output and restated.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
const result = spawnSync(process.execPath, [uvu, 'dist/test', '\\.test\\.js$', ...process.argv.slice(2)], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 64 * 1024 * 1024,
});
process.stdout.write(result.stdout);
const count = (label) => Number(result.stdout.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
const passed = count('Passed');
const skipped = count('Skipped');
// A suite that crashes before reporting counts as a failure even when its tests were never counted.
const failed = Math.max(count('Total') - passed - skipped, result.status === 0 ? 0 : 1);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(result.status ?? 1);

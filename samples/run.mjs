// `npm run samples`: builds every sample with ts-patch's tspc, the way a user builds their project,
// runs it, and exits non-zero if any sample fails to build, fails its own checks, or is missing
// from the list below. Node built-ins only, so that it runs on a fresh clone after `npm ci`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkPackage } from '../scripts/link-package.mjs';

const samplesDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(samplesDir);

/** In the order a newcomer should read them. */
const samples = [
  { name: 'rosenbrock', title: 'minimising the Rosenbrock function with Adam (a JSDoc-marked function)' },
  { name: 'projectile', title: 'aiming a projectile by Gauss-Newton (the differentiable(...) wrapper, wrt)' },
  { name: 'cooling', title: "fitting Newton's law of cooling (a @differentiable method, called with .call)" },
  { name: 'springs', title: 'relaxing a ring of springs to rest by gradient descent (a loop over a Float64Array)' },
  { name: 'pendulum', title: 'tuning the damping of a pendulum by Newton (an object state stepped in a run-time loop)' },
  { name: 'chain', title: 'identifying the stiffness and damping of a chain of masses (state arrays stepped in place: the operation tape)' },
];

// A folder that is not listed would silently never run.
const folders = fs
  .readdirSync(samplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(samplesDir, entry.name, 'tsconfig.json')))
  .map((entry) => entry.name);
const unlisted = folders.filter((name) => !samples.some((s) => s.name === name));
if (unlisted.length > 0) stop(`samples/run.mjs does not list ${unlisted.join(', ')}; add it to \`samples\` there.`);

const tspc = path.join(root, 'node_modules', 'ts-patch', 'bin', 'tspc.js');
if (!fs.existsSync(tspc)) stop('ts-patch is not installed; run `npm ci` first.');
if (!fs.existsSync(path.join(root, 'dist', 'transformer', 'index.js'))) {
  stop('coarsegrad is not built (no dist/transformer/index.js); run `npm run build` (`npm ci` runs it too).');
}
warnIfStale();
const linkProblem = linkPackage(samplesDir);
if (linkProblem !== undefined) stop(linkProblem);

const failed = [];
for (const { name, title } of samples) {
  console.log(`\n=== ${name}: ${title} ===`);
  const dir = path.join(samplesDir, name);
  const out = path.join(dir, 'out');
  // Never run what an earlier build left behind.
  fs.rmSync(out, { recursive: true, force: true });
  const build = spawnSync(process.execPath, [tspc, '-p', path.relative(root, dir)], { cwd: root, stdio: 'inherit', timeout: 300_000 });
  if (build.status !== 0) {
    console.error(`samples/${name}: tspc failed (${describeExit(build)}); the build output above says why.`);
    failed.push(`${name} (build)`);
    continue;
  }
  const run = spawnSync(process.execPath, [path.join(out, 'main.js')], { cwd: root, stdio: 'inherit', timeout: 120_000 });
  if (run.status !== 0) {
    console.error(`samples/${name}: the sample failed (${describeExit(run)}).`);
    failed.push(`${name} (run)`);
  }
}

console.log();
if (failed.length > 0) stop(`${failed.length} of ${samples.length} samples failed: ${failed.join(', ')}`);
console.log(`all ${samples.length} samples built with tspc and passed their checks`);

function stop(message) {
  console.error(message);
  process.exit(1);
}

function describeExit(result) {
  if (result.error !== undefined) return String(result.error);
  return result.signal !== null ? `killed by ${result.signal}` : `exit code ${result.status}`;
}

/** The samples run dist/, not the sources: say so when the sources changed after the last build. */
function warnIfStale() {
  const built = fs.statSync(path.join(root, 'dist', 'transformer', 'index.js')).mtimeMs;
  const newer = ['transformer', 'runtime']
    .flatMap((dir) => fs.readdirSync(path.join(root, dir)).map((file) => path.join(dir, file)))
    .filter((file) => /\.m?ts$/.test(file) && fs.statSync(path.join(root, file)).mtimeMs > built);
  if (newer.length > 0) {
    console.warn(`warning: ${newer.join(', ')} changed after the last build; these samples use dist/. Run \`npm run build\` first.`);
  }
}

/**
 * Stale companions (DESIGN.md §9, "Incremental builds"): a companion inlines helpers from other
 * files, so when a helper's body changes (not its signature), every companion that inlined it must be
 * rebuilt, or loading the stale module (or calling its gradient) must throw an Error saying to
 * rebuild. A stale gradient is a wrong gradient. Each test builds a real project on disk with ts-patch's
 * tspc, changes the helper twice, rebuilds the way the build tool does it (`incremental`, `tsc -b`,
 * `--watch`) and runs the output after every build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createConsumer, describe, run, tspcCommand, type Ran } from './projects.js';


/** The helper's body at each step; its signature never changes. */
const helperBodies = ['x * x', 'x * x * x', 'Math.sin(x)'] as const;
/** ∂/∂x of shape(x) + x at x = 1.5, for each body. */
const expectedGradients = [2 * 1.5 + 1, 3 * 1.5 ** 2 + 1, Math.cos(1.5) + 1] as const;

function helperSource(body: string): string {
  return `/** The shape of the loss. Its body changes between builds; its signature does not. */
export function shape(x: number): number {
  return ${body};
}
`;
}

const mainSource = `import { shape } from './helper.js';

/** @differentiable */
export function loss(x: number): number {
  return shape(x) + x;
}
`;

// Outside src, so that no build touches it: loads the output and asks for the gradient, reporting
// what it throws, whether while loading or while differentiating.
const checkSource = `let result;
try {
  const { grad } = require('coarsegrad');
  const { loss } = require('./out/main.js');
  result = { gradient: grad(loss)(1.5) };
} catch (error) {
  result = { error: error instanceof Error ? error.message : String(error) };
}
console.log(JSON.stringify(result));
`;

/** A CommonJS consumer project with coarsegrad linked into node_modules, helper at step 0. */
function createProject(name: string, compilerOptions: object): string {
  const dir = createConsumer(name, { name: `${name}-consumer` }, compilerOptions, { 'helper.ts': helperSource(helperBodies[0]), 'main.ts': mainSource });
  fs.writeFileSync(path.join(dir, 'check.cjs'), checkSource);
  return dir;
}

function changeHelper(dir: string, step: number): void {
  fs.writeFileSync(path.join(dir, 'src', 'helper.ts'), helperSource(helperBodies[step]!));
}

/** The built output gives the current helper's gradient, or refuses with an Error saying to rebuild. */
async function assertNotStale(dir: string, step: number, build: string): Promise<void> {
  const ran = await run(process.execPath, [path.join(dir, 'check.cjs')], dir);
  let result: { gradient?: unknown[]; error?: string } = {};
  try {
    result = JSON.parse(ran.stdout.trim().split('\n').pop() ?? '') as typeof result;
  } catch {
    assert.unreachable(`the check did not print its result\n${describe(ran)}`);
  }
  const what = `after ${build}, with shape(x) = ${helperBodies[step]}`;
  if (result.error !== undefined) {
    // The only acceptable refusal: the stale module says so, and says to rebuild.
    assert.ok(step > 0, `${what}: the first build failed to run: ${result.error}`);
    assert.match(result.error, /rebuild/i, `${what}: threw, but not an error saying to rebuild: ${result.error}`);
    return;
  }
  const g = result.gradient?.[0];
  const expected = expectedGradients[step]!;
  const stale = expectedGradients.slice(0, step).some((old) => typeof g === 'number' && Math.abs(g - old) <= 1e-9 * Math.abs(old));
  assert.ok(
    typeof g === 'number' && Math.abs(g - expected) <= 1e-9 * Math.abs(expected),
    `${what}: gradient ${JSON.stringify(result.gradient)}, expected [${expected}]${stale ? ' (the gradient of an earlier helper: a stale companion)' : ''}`,
  );
}

function assertBuilt(ran: Ran, what: string): void {
  assert.is(ran.status, 0, `${what}\n${describe(ran)}`);
  assert.not.match(`${ran.stdout}\n${ran.stderr}`, /TS95999|internal error/i, `${what}\n${describe(ran)}`);
}

const incremental = suite('incremental builds never leave a stale companion');

const rebuilds: readonly { readonly title: string; readonly name: string; readonly options: object; readonly args: (dir: string) => string[]; readonly build: string }[] = [
  {
    title: 'tspc -p with "incremental": a helper in another file changes and the gradient follows it',
    name: 'incremental-p',
    options: { incremental: true },
    args: (dir) => ['-p', dir, '--pretty', 'false'],
    build: 'tspc -p . (incremental)',
  },
  {
    title: 'tspc -p with "incremental" and "declaration": a helper in another file changes and the gradient follows it',
    name: 'incremental-declaration',
    options: { incremental: true, declaration: true },
    args: (dir) => ['-p', dir, '--pretty', 'false'],
    build: 'tspc -p . (incremental, declaration)',
  },
  {
    title: 'tspc -b on a composite project: a helper in another file changes and the gradient follows it',
    name: 'incremental-b',
    options: { composite: true },
    args: (dir) => ['-b', dir],
    build: 'tspc -b .',
  },
];

for (const r of rebuilds) {
  incremental(r.title, async () => {
    const dir = createProject(r.name, r.options);
    const [command, prefix] = tspcCommand();
    for (let step = 0; step < helperBodies.length; step++) {
      if (step > 0) changeHelper(dir, step);
      assertBuilt(await run(command, [...prefix, ...r.args(dir)], dir), `${r.build}, step ${step}`);
      await assertNotStale(dir, step, r.build);
    }
  });
}

/** tspc --watch, and a way to wait for the end of its next compilation. */
function startWatch(dir: string): { child: ChildProcess; output: () => string; compiled: (count: number) => Promise<void> } {
  const [command, prefix] = tspcCommand();
  const child = spawn(command, [...prefix, '-p', dir, '--watch', '--preserveWatchOutput', '--pretty', 'false'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const finished = () => (output.match(/Found \d+ errors?\. Watching for file changes\./g) ?? []).length;
  const compiled = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (finished() >= count) {
          clearInterval(poll);
          resolve();
        } else if (child.exitCode !== null || Date.now() - started > 60_000) {
          clearInterval(poll);
          reject(new Error(`tspc --watch did not finish compilation ${count} (exit ${String(child.exitCode)}):\n${output}`));
        }
      }, 100);
    });
  return { child, output: () => output, compiled };
}

incremental('tspc --watch: a helper in another file changes and the gradient follows it', async () => {
  const dir = createProject('incremental-watch', {});
  const watch = startWatch(dir);
  try {
    for (let step = 0; step < helperBodies.length; step++) {
      if (step > 0) changeHelper(dir, step);
      await watch.compiled(step + 1);
      assert.not.match(watch.output(), /TS95999|internal error/i, watch.output());
      await assertNotStale(dir, step, 'tspc --watch');
    }
  } finally {
    watch.child.kill();
  }
});

incremental.run();

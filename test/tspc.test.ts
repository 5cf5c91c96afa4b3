/**
 * The real toolchain path: throwaway consumer projects that install coarsegrad through a
 * node_modules symlink, name the plugin in tsconfig.json, build with ts-patch's tspc, and run the
 * output with node. The in-memory harness cannot see what goes wrong here: package `exports`
 * resolution for ESM and CommonJS, how tspc loads and configures the plugin, and what a user's
 * terminal shows for diagnostics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createConsumer, describe, root, run, tspcCommand, tmpRoot, type Ran } from './projects.js';

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function tspc(project: string): Promise<Ran> {
  const [command, prefix] = tspcCommand();
  // Without --pretty false the diagnostic format would depend on whether a terminal is attached.
  return run(command, [...prefix, '-p', project, '--pretty', 'false'], project);
}


/** 1-based `(line,col)` of `needle` in `text`, searched from the first `after`, as tsc prints it. */
function positionOf(text: string, needle: string, after = ''): string {
  const index = text.indexOf(needle, text.indexOf(after));
  if (index < 0) throw new Error(`${needle} not in the program`);
  const lines = text.slice(0, index).split('\n');
  return `(${lines.length},${lines[lines.length - 1]!.length + 1})`;
}

interface Diagnostic {
  readonly file: string;
  readonly position: string;
  readonly code: number;
  readonly message: string;
}

function diagnosticsIn(output: string): Diagnostic[] {
  return [...output.matchAll(/^(.+?)(\(\d+,\d+\)): error TS(\d+): (.*)$/gm)].map((m) => ({
    file: m[1]!,
    position: m[2]!,
    code: Number(m[3]),
    message: m[4]!,
  }));
}

// One program for both module systems: the emitted import becomes `require` in the CommonJS project.
// Each result is computed on its own, so that one broken spelling does not hide the others.
const consumerProgram = `import { grad, valueAndGrad, differentiable } from 'coarsegrad';

/** @differentiable */
export function rosen(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}

const poly = differentiable((x: number, y: number) => x * x * y + 3 * y);

class Spring {
  stiffness = 3;

  @differentiable
  energy(w: number): number {
    return this.stiffness * w * w;
  }
}

function attempt(compute: () => unknown): unknown {
  try {
    return compute();
  } catch (error) {
    return { error: String(error) };
  }
}

const passedAround: (x: number, y: number) => number = rosen;
const spring = new Spring();

console.log(JSON.stringify({
  rosenPrimal: attempt(() => rosen(1.5, 2)),
  rosenGrad: attempt(() => grad(rosen)(1.5, 2)),
  rosenValueAndGrad: attempt(() => valueAndGrad(rosen)(1.5, 2)),
  rosenWrtY: attempt(() => grad(rosen, { wrt: [1] })(1.5, 2)),
  rosenFromRegistry: attempt(() => grad(passedAround)(1.5, 2)),
  polyPrimal: attempt(() => poly(2, 5)),
  polyGrad: attempt(() => grad(poly)(2, 5)),
  springPrimal: attempt(() => spring.energy(2)),
  springGrad: attempt(() => grad(spring.energy).call(spring, 2)),
}));
`;

const rejectedProgram = `import { grad } from 'coarsegrad';

/** @differentiable */
export function looped(x: number, n: number): number {
  let s = 0;
  while (s < n) {
    for (let i = 0; i < n; i++) s = Math.sin(s) + x;
  }
  return s + mystery(x);
}

/** @differentiable */
export function opaque(x: number): number {
  return 2 * mystery(x);
}

/** @differentiable */
export function fine(x: number, y: number): number {
  return x * y + 2 * x;
}

function attempt(compute: () => unknown): unknown {
  try {
    return compute();
  } catch (error) {
    return { error: String(error) };
  }
}

console.log(JSON.stringify({
  fineGrad: attempt(() => grad(fine)(3, 4)),
  loopedEmitted: typeof looped,
  loopedGrad: attempt(() => grad(looped)(1, 3)),
}));
`;

// The equality check of type-level test libraries: it tells apart `any`, unions and optional
// elements, which a pair of `extends` checks would let through.
const typesProgram = (flavour: string) => `import { differentiable, grad, valueAndGrad, type Data, type Int } from 'coarsegrad';
// ${flavour}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/** @differentiable */
function rosen(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}

/** @differentiable */
function gated(x: number, on: boolean): number {
  return on ? x : 0;
}

const full = grad(rosen);
const fullIsPair: Equal<ReturnType<typeof full>, [number, number]> = true;
const fullKeepsParameters: Equal<Parameters<typeof full>, [x: number, y: number]> = true;

const withValue = valueAndGrad(rosen);
const withValueNests: Equal<ReturnType<typeof withValue>, [number, [number, number]]> = true;

const onlyY = grad(rosen, { wrt: [1] });
const onlyYIsSingle: Equal<ReturnType<typeof onlyY>, [number]> = true;

const reordered = valueAndGrad(rosen, { wrt: [1, 0] });
const reorderedFollowsWrt: Equal<ReturnType<typeof reordered>, [number, [number, number]]> = true;

const reused = grad(rosen, { reuse: true });
const reuseKeepsTheTuple: Equal<ReturnType<typeof reused>, [number, number]> = true;
const reusedOnlyY = valueAndGrad(rosen, { wrt: [1], reuse: true });
const reuseWithWrt: Equal<ReturnType<typeof reusedOnlyY>, [number, [number]]> = true;

const switched = grad(gated);
const booleanHasNoGradient: Equal<ReturnType<typeof switched>, [number, undefined]> = true;

/** @differentiable */
function firstTerms(xs: Float64Array, n: Int): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]!;
  return s;
}
const sized = grad(firstTerms);
const sizeHasNoGradient: Equal<ReturnType<typeof sized>, [Float64Array, undefined]> = true;
firstTerms(new Float64Array(3), 2);

interface Model { w: Float64Array; bias: { b: number }; name: string; k?: number }
/** @differentiable */
function modelLoss(model: Model, x: number): number {
  return model.w[0]! * x + model.bias.b * (model.k ?? 1);
}
const modelGradient = grad(modelLoss);
const objectHasItsShape: Equal<
  ReturnType<typeof modelGradient>,
  [{ w: Float64Array; bias: { b: number }; name: undefined; k?: number | undefined }, number]
> = true;

/** @differentiable */
function polygonLength(pts: { x: number; y: number }[]): number {
  let s = 0;
  for (let i = 1; i < pts.length; i++) s += Math.hypot(pts[i]!.x - pts[i - 1]!.x, pts[i]!.y - pts[i - 1]!.y);
  return s;
}
const pointsGradient = grad(polygonLength);
const arrayOfObjectsHasItsShape: Equal<ReturnType<typeof pointsGradient>, [{ x: number; y: number }[]]> = true;

// @ts-expect-error rosen has no parameter at position 2
grad(rosen, { wrt: [2] });

class Regression {
  w = new Float64Array(2);
  b = 0;
  @differentiable
  loss(this: Regression, x: number): number {
    return this.w[0]! * x + this.b;
  }
  @differentiable
  lossUntyped(x: number): number {
    return this.w[1]! * x + this.b;
  }
}
const fit = new Regression();
const withThis = grad(fit.loss, { wrt: ['this', 0] });
const thisHasItsClassShape: Equal<ReturnType<typeof withThis>, [{ w: Float64Array; b: number; loss: undefined; lossUntyped: undefined }, number]> = true;
/** @differentiable */
function withData(w: Float64Array, xs: Data<number[][]>, y: Data<Float64Array>, model: { k: number; table: Data<Float64Array> }): number {
  return w[0]! * xs[0]![0]! * y[0]! * model.k * model.table[0]!;
}
const dataGradient = grad(withData);
const dataHasNoGradient: Equal<ReturnType<typeof dataGradient>, [Float64Array, undefined, undefined, { k: number; table: undefined }]> = true;
const untypedThis = grad(fit.lossUntyped, { wrt: ['this'] });
const untypedThisIsAnObject: Equal<ReturnType<typeof untypedThis>, [{ readonly [field: string]: unknown }]> = true;
// @ts-expect-error 'that' is neither a parameter position nor 'this'
grad(fit.loss, { wrt: ['that'] });

export { fullIsPair, fullKeepsParameters, withValueNests, onlyYIsSingle, reorderedFollowsWrt, reuseKeepsTheTuple, reuseWithWrt, booleanHasNoGradient, sizeHasNoGradient, objectHasItsShape, arrayOfObjectsHasItsShape, thisHasItsClassShape, untypedThisIsAnObject, dataHasNoGradient };
`;

interface Builds {
  readonly esm: { readonly dir: string; readonly build: Promise<Ran> };
  readonly cjs: { readonly dir: string; readonly build: Promise<Ran> };
  readonly rejected: { readonly dir: string; readonly build: Promise<Ran> };
  readonly types: { readonly dir: string; readonly build: Promise<Ran> };
}

let started: Builds | undefined;

/**
 * Every project is written and every compiler started on the first call, and each suite awaits only
 * its own: a tspc run takes seconds, and running them side by side keeps this file short to run.
 */
function builds(): Builds {
  if (started !== undefined) return started;
  fs.rmSync(tmpRoot, { recursive: true, force: true });
  const esm = createConsumer('esm', { name: 'esm-consumer', type: 'module' }, {}, { 'main.ts': consumerProgram });
  const cjs = createConsumer('cjs', { name: 'cjs-consumer' }, {}, { 'main.ts': consumerProgram });
  const rejected = createConsumer(
    'rejected',
    { name: 'rejected-consumer' },
    {},
    { 'main.ts': rejectedProgram, 'mystery.d.ts': 'declare function mystery(x: number): number;\n' },
  );
  // A .ts and a .cts file in a module package resolve `coarsegrad` through its `import` and its
  // `require` conditions, so one tsc run checks the types both kinds of consumer see.
  const types = createConsumer(
    'types',
    { name: 'types-consumer', type: 'module' },
    { noEmit: true, skipLibCheck: false },
    { 'esm.ts': typesProgram('resolved through the import condition'), 'cjs.cts': typesProgram('resolved through the require condition') },
  );
  started = {
    esm: { dir: esm, build: tspc(esm) },
    cjs: { dir: cjs, build: tspc(cjs) },
    rejected: { dir: rejected, build: tspc(rejected) },
    types: { dir: types, build: run(process.execPath, [tsc, '-p', types, '--pretty', 'false'], types) },
  };
  return started;
}

/** Runs a project's emitted main.js and parses the JSON line it prints. */
async function runOutput(dir: string): Promise<{ ran: Ran; results: Record<string, unknown> }> {
  const ran = await run(process.execPath, [path.join(dir, 'out', 'main.js')], dir);
  let results: Record<string, unknown> = {};
  try {
    results = JSON.parse(ran.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    // Left empty: each test then fails on its own key, with the run's output in its message.
  }
  return { ran, results };
}

function consumerSuite(title: string, pick: (b: Builds) => { dir: string; build: Promise<Ran> }, emittedImport: RegExp): void {
  const context = { dir: '', build: undefined as Ran | undefined, ran: undefined as Ran | undefined, results: {} as Record<string, unknown> };
  const test = suite(title, context);

  test.before(async (ctx) => {
    const project = pick(builds());
    ctx.dir = project.dir;
    ctx.build = await project.build;
    if (fs.existsSync(path.join(ctx.dir, 'out', 'main.js'))) Object.assign(ctx, await runOutput(ctx.dir));
  });

  const expectResult = (ctx: typeof context, key: string, expected: unknown): void => {
    // The whole output only when the program itself failed; otherwise the diff says it all.
    const detail = ctx.ran === undefined ? 'not run' : ctx.ran.status === 0 ? '' : `\n${describe(ctx.ran)}`;
    assert.equal(ctx.results[key], expected, `${key}${detail}`);
  };

  test('tspc builds it without diagnostics', (ctx) => {
    assert.is(ctx.build?.status, 0, describe(ctx.build!));
    assert.is(diagnosticsIn(ctx.build!.stdout).length, 0, describe(ctx.build!));
  });

  test('the output loads the runtime through the expected module system', (ctx) => {
    const js = fs.readFileSync(path.join(ctx.dir, 'out', 'main.js'), 'utf8');
    assert.match(js, emittedImport);
    assert.is(ctx.ran?.status, 0, ctx.ran === undefined ? 'not run' : describe(ctx.ran));
  });

  test('a JSDoc-tagged declaration keeps its primal and gets its exact gradient', (ctx) => {
    expectResult(ctx, 'rosenPrimal', 6.5);
    expectResult(ctx, 'rosenGrad', [151, -50]);
  });

  test('valueAndGrad returns the value beside the gradient', (ctx) => {
    expectResult(ctx, 'rosenValueAndGrad', [6.5, [151, -50]]);
  });

  test('wrt selects parameters by position', (ctx) => {
    expectResult(ctx, 'rosenWrtY', [-50]);
  });

  test('a function value passed around finds its companion in the registry', (ctx) => {
    expectResult(ctx, 'rosenFromRegistry', [151, -50]);
  });

  test('the differentiable(...) wrapper returns the function and gets its gradient', (ctx) => {
    // x²y + 3y at (2, 5): value 35, gradient [2xy, x² + 3].
    expectResult(ctx, 'polyPrimal', 35);
    expectResult(ctx, 'polyGrad', [20, 7]);
  });

  test('a @differentiable method reads this and gets its gradient', (ctx) => {
    // 3w² at w = 2: value 12, gradient 6w.
    expectResult(ctx, 'springPrimal', 12);
    expectResult(ctx, 'springGrad', [12]);
  });

  test.run();
}

consumerSuite('tspc builds and runs an ESM consumer', (b) => b.esm, /^import \* as \w+ from "coarsegrad";$/m);
consumerSuite('tspc builds and runs a CommonJS consumer', (b) => b.cjs, /require\("coarsegrad"\)/);

{
  const context = { dir: '', build: undefined as Ran | undefined, ran: undefined as Ran | undefined, results: {} as Record<string, unknown> };
  const test = suite('tspc reports what it cannot differentiate and still emits the file', context);

  test.before(async (ctx) => {
    const project = builds().rejected;
    ctx.dir = project.dir;
    ctx.build = await project.build;
    if (fs.existsSync(path.join(ctx.dir, 'out', 'main.js'))) Object.assign(ctx, await runOutput(ctx.dir));
  });

  const found = (ctx: typeof context): Diagnostic[] => diagnosticsIn(`${ctx.build!.stdout}\n${ctx.build!.stderr}`);

  test('the build fails', (ctx) => {
    assert.ok(ctx.build?.status !== 0 && ctx.build?.status !== null, describe(ctx.build!));
  });

  test('a call to a function known only from a .d.ts is reported at the call, past loops that the tape takes', (ctx) => {
    // The loop nest in `looped` goes to the operation tape; what neither mode can take is the call.
    const expected = positionOf(rejectedProgram, 'mystery(x)');
    const at = found(ctx).find((d) => d.file.endsWith('main.ts') && d.position === expected);
    assert.ok(at !== undefined, `no diagnostic at the call ${expected}\n${describe(ctx.build!)}`);
    assert.ok(at.code >= 95001 && at.code <= 95008, `TS${at.code} is not a coarsegrad diagnostic`);
  });

  test('a call to a function known only from a .d.ts is reported at the call', (ctx) => {
    const expected = positionOf(rejectedProgram, 'mystery(x)', 'function opaque');
    const at = found(ctx).find((d) => d.file.endsWith('main.ts') && d.position === expected);
    assert.ok(at !== undefined, `no diagnostic at the call ${expected}\n${describe(ctx.build!)}`);
    assert.ok(at.code >= 95001 && at.code <= 95008, `TS${at.code} is not a coarsegrad diagnostic`);
    assert.match(at.message, /mystery/);
  });

  test('the transformer does not crash', (ctx) => {
    const output = `${ctx.build!.stdout}\n${ctx.build!.stderr}`;
    assert.not.match(output, /^\s+at .+:\d+:\d+\)?$/m, `stack trace in the output\n${describe(ctx.build!)}`);
    assert.not.match(output, /TS95999|internal error/i, describe(ctx.build!));
  });

  test('the valid marked function in the same file gets its companion', (ctx) => {
    assert.ok(fs.existsSync(path.join(ctx.dir, 'out', 'main.js')), `main.js was not emitted\n${describe(ctx.build!)}`);
    // xy + 2x at (3, 4): gradient [y + 2, x].
    assert.equal(ctx.results.fineGrad, [6, 3], ctx.ran === undefined ? 'not run' : describe(ctx.ran));
  });

  test('a rejected function is emitted as written, without a companion', (ctx) => {
    assert.is(ctx.results.loopedEmitted, 'function', ctx.ran === undefined ? 'not run' : describe(ctx.ran));
    const error = (ctx.results.loopedGrad as { error?: string } | undefined)?.error ?? '';
    assert.match(error, /'looped' has no gradient companion/);
  });

  test.run();
}

{
  const test = suite('the published types give exact gradient shapes', { build: undefined as Ran | undefined });

  test.before(async (ctx) => {
    ctx.build = await builds().types.build;
  });

  test('tsc accepts every type-level assertion, for ESM and CommonJS consumers', (ctx) => {
    assert.is(ctx.build?.status, 0, describe(ctx.build!));
    assert.is(diagnosticsIn(ctx.build!.stdout).length, 0, describe(ctx.build!));
  });

  test.run();
}

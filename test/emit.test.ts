/**
 * What the transformer writes: one golden companion a reader can look at, the shape of emitted code,
 * and the marked functions themselves emitted exactly as plain tsc emits them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, finiteDifference } from './gradcheck.js';
import { build, compile, describeDiagnostics, load, prelude } from './harness.js';

const goldenDir = path.resolve(__dirname, '..', '..', 'test', 'golden');
const programsDir = path.resolve(__dirname, '..', '..', 'test', 'programs');

/** Compares with a file in test/golden; `UPDATE_GOLDEN=1 npm test` rewrites it after a deliberate change. */
function assertGolden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
  assert.fixture(actual, fs.readFileSync(file, 'utf8'));
}

const emit = suite('emitted code');

emit('golden: the Rosenbrock companions', () => {
  const source = `import { grad } from 'coarsegrad';

/** @differentiable */
export function rosen(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}

export const rosenGrad = grad(rosen);
`;
  const result = compile({ 'main.ts': source }, { module: ts.ModuleKind.ESNext });
  assert.equal(describeDiagnostics(result.diagnostics), []);
  assertGolden('rosenbrock.js', result.js['main.ts']!);
});

/** Programs in test/programs whose emitted JavaScript is kept in test/golden. */
const loopGoldens = ['reduction', 'recurrence', 'horner', 'bgd'];

for (const name of loopGoldens) {
  emit(`golden: ${name} companions`, () => {
    const source = fs.readFileSync(path.join(programsDir, `${name}.ts`), 'utf8');
    const result = compile({ 'main.ts': source }, { module: ts.ModuleKind.ESNext });
    assert.equal(describeDiagnostics(result.diagnostics), []);
    assertGolden(`${name}.js`, result.js['main.ts']!);
  });
}

emit('the gradient-only companion does not compute the value', () => {
  const js = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function f(x: number, y: number): number { return Math.exp(x * y) + Math.sin(x); }\n` }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  const gradOnly = js.slice(js.indexOf('function f$grad'));
  // Both partials need exp(x·y), which is kept; sin(x) only feeds the value and is gone.
  assert.match(gradOnly, /Math\.exp\(x \* y\)/);
  assert.not.match(gradOnly, /Math\.sin/);
  assert.match(js.slice(js.indexOf('function f$valueAndGrad'), js.indexOf('function f$grad')), /Math\.sin/);
});

emit('a value used twice is computed once and named after the variable it was assigned to', () => {
  const js = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function f(x: number): number {\n  const spread = Math.exp(x) - 1;\n  return spread * spread + Math.log1p(spread);\n}\n` }).js['main.ts']!;
  const body = js.slice(js.indexOf('function f$grad'));
  assert.is(body.match(/Math\.exp\(x\)/g)?.length, 1, body);
  // exp(x) is its own derivative, so it is named too, and reused by the reverse sweep.
  assert.match(body, /const (\w+) = Math\.exp\(x\);\n\s*const spread = \1 - 1;/);
});

function firstFunction(n: ts.Node): ts.Node | undefined {
  return ts.isFunctionLike(n) ? n : ts.forEachChild(n, firstFunction);
}

emit('quotients along a chain of partials cancel: the logistic loss needs two divisions, in a form that never overflows', () => {
  const source = `${prelude}const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));\n/** @differentiable */\nexport function loss(w: number, b: number): number {\n  return -Math.log(sigmoid(2 * w + b));\n}\n`;
  const js = compile({ 'main.ts': source }).js['main.ts']!;
  const gradOnly = js.slice(js.indexOf('function loss$grad'));
  // ∂/∂z of -log σ(z) is σ(z) - 1 = -t/(1 + t) with t = exp(-z), written -1/(1 + 1/t): one division
  // more than by hand, and -1 where t overflows (z = -800), not ∞/∞.
  assert.is(gradOnly.match(/ \/ /g)?.length, 2, gradOnly);
  assert.is(gradOnly.match(/Math\.exp/g)?.length, 1, gradOnly);
  assert.not.match(gradOnly, /Math\.log/);
  const m = load(compile({ 'main.ts': source }).js);
  assert.equal(m.grad(m.loss)(-350, 0), [-2, -1]);
  assert.equal(m.grad(m.loss)(400, 0), [-0, -0]);
});

emit('an adjoint that overflowed meets a partial of 0 in a loop over the data: the gradient there is 0, not NaN', () => {
  // s = Σ x·y feeds a recurrence whose adjoint grows like s^n: past n ≈ 31 at s ≈ 1e10 it overflows,
  // though w stays in [-1, 1]. ∂/∂x[i] = ds · y[i] is then exactly 0 where y[i] = 0.
  const source = `${prelude}/** @differentiable */
export function f(x: Float64Array, y: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  let w = 0.5;
  for (let k = 0; k < n; k++) w = Math.sin(w * s);
  return w;
}
`;
  for (const plugin of [{}, { mode: 'fine' as const }]) {
    const m = build(source, { plugin });
    const x = Float64Array.from([1e5, 1e5, 1]);
    const y = Float64Array.from([1e5, 0, 1]);
    assert.ok(Number.isFinite(m.f(x, y, 40)));
    const [dx] = m.grad(m.f)(x, y, 40) as [Float64Array];
    assert.ok(Object.is(dx[1], 0), `${plugin.mode ?? 'coarse'}: ∂/∂x[1] is 0, got ${dx[1]}`);
    // Where the adjoint is finite (n = 3), the gradient is the finite differences'.
    const [gx, gy] = m.grad(m.f)(Float64Array.from([0.3, 0.5, -1]), Float64Array.from([0.2, 0, 0.7]), 3) as [Float64Array, Float64Array];
    assert.is(gx[1], 0);
    assertClose(gy[1]!, finiteDifference((v) => m.f(Float64Array.from([0.3, 0.5, -1]), Float64Array.from([0.2, v, 0.7]), 3), [0], 0), '∂/∂y[1] at n = 3');
  }
});

emit('the careful run is given the parameters, not a closure over them (which would slow every read of them)', () => {
  const js = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function f(x: Float64Array, k: number): number {\n  let s = 0;\n  for (let i = 0; i < x.length; i++) s += Math.asinh(k * x[i]!);\n  return s;\n}\n` }).js['main.ts']!;
  assert.match(js, /return \(\(x, k\) => \{/);
  assert.match(js, /\}\)\(x, k\);/);
});

emit("the runtime import goes after the file's own imports, below its header comment", () => {
  const source = `/** Header of the file. */\nimport { grad } from 'coarsegrad';\n/** @differentiable */\nexport function f(x: number): number { return x * x; }\nexport const g = grad(f);\n`;
  const js = compile({ 'main.ts': source }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  assert.ok(js.startsWith("/** Header of the file. */\nimport { grad } from 'coarsegrad';\nimport * as __coarsegrad from \"coarsegrad\";\n"), js);
});

emit('a call site that names wrt gets a companion computing only those gradients', () => {
  const source = `${prelude}/** @differentiable */\nexport function rosen(x: number, y: number): number {\n  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;\n}\nexport const onlyY = grad(rosen, { wrt: [1] });\nexport const swapped = valueAndGrad(rosen, { wrt: [1, 0] });\n`;
  const js = compile({ 'main.ts': source }).js['main.ts']!;
  assert.match(js, /exports\.onlyY = rosen\$grad\$1;/);
  const onlyY = js.slice(js.indexOf('function rosen$grad$1('), js.indexOf('}', js.indexOf('function rosen$grad$1(')));
  assert.not.match(onlyY, /400|1 - x/, 'the x-gradient is not computed');
  const m = build(source);
  assert.equal(m.onlyY(1.5, 2), [-50]);
  assert.equal(m.swapped(1.5, 2), [6.5, [-50, 151]]);
});

/** The text of the function named `name` in emitted JavaScript (declaration, const, method, or wrapped const). */
function functionText(js: string, name: string): string {
  const file = ts.createSourceFile('out.js', js, ts.ScriptTarget.ES2022, true);
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return;
    if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name?.getText() === name) {
      found = node.getText();
    } else if (ts.isVariableDeclaration(node) && node.name.getText() === name && node.initializer !== undefined) {
      found = firstFunction(node.initializer)?.getText();
    } else if (ts.isBinaryExpression(node) && node.left.getText() === `exports.${name}`) {
      // CommonJS writes an exported const as an assignment.
      found = firstFunction(node.right)?.getText();
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (found === undefined) throw new Error(`no function ${name} in:\n${js}`);
  return found;
}

const primal = suite('the primal is untouched');

const corpus = `${prelude}
function helper(u: number): number { return u * u; }

/** @differentiable */
export function declared(x: number, y: number): number {
  const t = helper(x) + 1; // comments stay too
  return t * y;
}

/** @differentiable */
export function broken(x: number): number {
  return grad(arrow)(x, x)[0]!; // cannot be differentiated, and must still emit as written
}

/** @differentiable */
export const arrow = (x: number, y: number): number => Math.sin(x) * y;

/** @differentiable */
export const expression = function (x: number): number { let a = x; a **= 2; return a; };

export const wrapped = differentiable((x: number) => x * 3);

export class Model {
  k = 2;
  @differentiable
  loss(w: number): number { return this.k * w * w; }
}
`;

primal('every spelling emits its marked function exactly as plain tsc does, in both modes', () => {
  for (const [module, mode] of [ts.ModuleKind.CommonJS, ts.ModuleKind.ESNext].flatMap((m) => (['coarse', 'fine'] as const).map((mode) => [m, mode] as const))) {
    const plain = compile({ 'main.ts': corpus }, { plugin: false, module }).js['main.ts']!;
    const transformed = compile({ 'main.ts': corpus }, { module, plugin: { mode } });
    assert.equal(describeDiagnostics(transformed.diagnostics).map((d) => d.slice(0, 23)), ['main.ts(14,10): TS95002']);
    const js = transformed.js['main.ts']!;
    for (const name of ['declared', 'broken', 'arrow', 'expression', 'wrapped', 'loss']) {
      assert.fixture(functionText(js, name), functionText(plain, name), `${name} (${ts.ModuleKind[module]}, ${mode})`);
    }
    assert.match(js, /function declared\$grad/, 'the companion is there');
  }
});

emit.run();
primal.run();

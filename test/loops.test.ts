/**
 * Loops with a trip count known at compile time, unrolled (DESIGN.md §5, strategy 2), and local and
 * parameter arrays indexed by constants and loop counters. Each program is checked against finite
 * differences; array gradients element by element.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { assertClose, coordinates, finiteDifference, type Arg } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';


interface Program {
  readonly params: string;
  readonly body: string;
  readonly points: readonly (readonly Arg[])[];
}

const programs: Record<string, Program> = {
  countedFor: { params: 'x: number', body: 'let s = 0;\n  for (let i = 0; i < 4; i++) s += Math.sin(x * i);\n  return s;', points: [[0.7], [-1.3]] },
  stepAndDownward: { params: 'x: number', body: 'let s = 1;\n  for (let i = 10; i > 0; i -= 3) s = s * x + i;\n  return s;', points: [[0.5], [2]] },
  whileLoop: { params: 'x: number', body: 'let k = 0;\n  let p = 1;\n  while (k < 5) { p = p * Math.cos(x + k); k++; }\n  return p;', points: [[0.3]] },
  doWhile: { params: 'x: number', body: 'let k = 0;\n  let s = x;\n  do { s = Math.sqrt(1 + s * s); k++; } while (k < 3);\n  return s;', points: [[1.5], [-2]] },
  forOfLocal: { params: 'x: number, y: number', body: 'let s = 0;\n  for (const c of [1, -2, 0.5]) s = s * x + c * y;\n  return s;', points: [[0.8, 1.2]] },
  breakOnRunTimeCondition: {
    params: 'x: number',
    body: 'let t = x;\n  for (let k = 0; k < 6; k++) {\n    t = t * 1.5 + 0.1;\n    if (t > 2) break;\n  }\n  return t * t;',
    points: [[0.1], [0.5], [1.2], [3]],
  },
  continueOnRunTimeCondition: {
    params: 'x: number',
    body: 'let s = 0;\n  for (let k = 0; k < 5; k++) {\n    const v = Math.sin(x * (k + 1));\n    if (v < 0) continue;\n    s += v * v;\n  }\n  return s;',
    points: [[0.4], [1.1], [2.3]],
  },
  returnInsideLoop: {
    params: 'x: number, y: number',
    body: 'let s = y;\n  for (let k = 0; k < 4; k++) {\n    s = s * x;\n    if (s > 10) return s - k;\n  }\n  return -s;',
    points: [[2, 1.5], [0.5, 2], [3, 2]],
  },
  nestedLoops: {
    params: 'x: number, y: number',
    body: 'let s = 0;\n  for (let i = 0; i < 3; i++)\n    for (let j = 0; j <= i; j++) s += Math.exp(-((x * i - y * j) ** 2));\n  return s;',
    points: [[0.3, 0.7]],
  },
  breakOutOfInnerLoop: {
    params: 'x: number',
    body: 'let s = 0;\n  for (let i = 1; i < 4; i++) {\n    for (let j = 0; j < 4; j++) {\n      s += x * i + j;\n      if (s > 5 * i) break;\n    }\n  }\n  return s * x;',
    // Away from the x where s lands exactly on a threshold (0.5 and 1.5), where s jumps.
    points: [[0.6], [1.7], [3]],
  },
  loopInsideBranch: {
    params: 'x: number',
    body: 'let s = x;\n  if (x > 0) {\n    for (let k = 0; k < 3; k++) s = Math.log(1 + s);\n  } else {\n    for (let k = 0; k < 2; k++) s = s * s - 1;\n  }\n  return s;',
    points: [[2], [-0.5]],
  },
  branchInsideLoop: {
    params: 'x: number, y: number',
    body: 'let s = 0;\n  for (let k = 0; k < 4; k++) {\n    if ((x + k) % 2 < 1) s += x * y;\n    else s -= Math.sqrt(Math.abs(y) + k);\n  }\n  return s;',
    points: [[0.3, 2], [1.4, -1]],
  },
  localArrayFilledByAnEarlierLoop: {
    params: 'x: number',
    body: 'const a = new Float64Array(5);\n  for (let i = 0; i < 5; i++) a[i] = Math.sin(x + i);\n  let s = 0;\n  for (let i = 1; i < 5; i++) s += a[i]! * a[i - 1]!;\n  return s;',
    points: [[0.2], [1.7]],
  },
  arrayPushAndLength: {
    params: 'x: number',
    body: 'const v: number[] = [];\n  for (let i = 0; i < 4; i++) v.push(x ** i);\n  let s = 0;\n  for (let i = 0; i < v.length; i++) s += v[i]! / (i + 1);\n  return s;',
    points: [[1.3]],
  },
  arrayFillAndOverwrite: {
    params: 'x: number',
    body: 'const v = new Array<number>(3).fill(x);\n  v[1] = v[0]! * v[2]!;\n  v[2] += v[1]!;\n  v[0]++;\n  return v[0]! * v[1]! + v[2]!;',
    points: [[0.9]],
  },
  aliasedArray: { params: 'x: number', body: 'const a = [x, 2 * x];\n  const b = a;\n  b[0] = 5 * x;\n  return a[0]! + a[1]!;', points: [[1]] },
  float32Storage: { params: 'x: number', body: 'const a = new Float32Array(2);\n  a[0] = x * 3;\n  a[1] = a[0]! * x;\n  return a[1]!;', points: [[0.75]] },
  arrayElementsInBranches: {
    params: 'x: number',
    body: 'const a = [x, x * x];\n  if (x > 1) a[0] = Math.log(x);\n  else a[1] = -x;\n  return a[0]! * a[1]!;',
    points: [[2], [0.5]],
  },
  arrayParameterByIndex: { params: 'p: number[]', body: 'return (1 - p[0]!) ** 2 + 100 * (p[1]! - p[0]! * p[0]!) ** 2;', points: [[[1.5, 2]], [[-0.5, 0.3, 9]]] },
  arrayParametersInALoop: {
    params: 'x: readonly number[], w: Float64Array',
    body: 'let s = 0;\n  for (let i = 0; i < 3; i++) s += x[i]! * w[i]! + Math.tanh(w[i]!);\n  return s;',
    points: [[[1, 2, 3], new Float64Array([0.5, -0.25, 0.1])]],
  },
  float32Parameter: { params: 'v: Float32Array, y: number', body: 'return v[0]! * y + v[1]! ** 2;', points: [[new Float32Array([0.5, 1.5]), 2]] },
  polynomialByHorner: {
    params: 'x: number, c: number[]',
    body: 'let acc = 0;\n  for (let i = 3; i >= 0; i--) acc = acc * x + c[i]!;\n  return acc;',
    points: [[0.7, [1, -2, 0.5, 3]]],
  },
  springChainEnergy: {
    params: 'p: Float64Array',
    body: 'let e = 0;\n  for (let i = 0; i < 3; i++) {\n    const dx = p[2 * i + 2]! - p[2 * i]!;\n    const dy = p[2 * i + 3]! - p[2 * i + 1]!;\n    e += 0.5 * (Math.hypot(dx, dy) - 1) ** 2;\n  }\n  return e;',
    points: [[new Float64Array([0, 0, 1.1, 0.1, 2.0, 0.4, 3.2, 0.3])]],
  },
  eulerStepsOfAnOde: {
    params: 'k: number, y0: number',
    body: 'let y = y0;\n  const h = 0.1;\n  for (let step = 0; step < 20; step++) y += h * (-k * y + Math.sin(step * h));\n  return y;',
    points: [[0.8, 1.5]],
  },
  runningMaximum: {
    params: 'x: number, y: number',
    body: 'const v = [x, y, x * y, x - y];\n  let m = v[0]!;\n  for (let i = 1; i < v.length; i++) m = Math.max(m, v[i]!);\n  return m;',
    points: [[0.5, 2], [3, 1.2], [-2, -3]],
  },
  softmaxCrossEntropy: {
    params: 'z: number[]',
    body: 'let m = -Infinity;\n  for (let i = 0; i < 3; i++) m = Math.max(m, z[i]!);\n  let s = 0;\n  for (let i = 0; i < 3; i++) s += Math.exp(z[i]! - m);\n  return Math.log(s) + m - z[1]!;',
    points: [[[0.2, 1.5, -0.7]], [[3, 1, 2]]],
  },
};

const names = Object.keys(programs);
const source = prelude + names.map((name) => `/** @differentiable */\nexport function ${name}(${programs[name]!.params}): number {\n  ${programs[name]!.body}\n}\n`).join('\n');
const m = build(source);

const loops = suite('loops and arrays');

for (const name of names) {
  loops(`${name}: gradient against finite differences`, () => {
    const f = m[name] as (...a: Arg[]) => number;
    for (const at of programs[name]!.points) {
      const gradient = m.grad(f)(...at) as (number | Float64Array)[];
      const c = coordinates(at);
      for (let k = 0; k < c.count; k++) {
        const [i, j] = c.slot(k);
        const g = gradient[i]!;
        const got = j === undefined ? (g as number) : (assert.instance(g, Float64Array), (g as Float64Array)[j]!);
        if (j !== undefined) assert.is((g as Float64Array).length, (at[i] as ArrayLike<number>).length, 'an array gradient has the array’s length');
        const along = (...xs: number[]) => f(...c.with(k, xs[0]!));
        // Float32 storage rounds to 2^-24: difference quotients are that noisy relative to h.
        const rtol = at[i] instanceof Float32Array || name === 'float32Storage' ? 1e-3 : 1e-6;
        assertClose(got, finiteDifference(along, [c.get(k)], 0), `${name} ∂/∂(${i}${j === undefined ? '' : `[${j}]`}) at ${JSON.stringify(at.map((a) => (typeof a === 'number' ? a : Array.from(a))))}`, rtol);
      }
      assertClose(m.valueAndGrad(f)(...at)[0], f(...at), `${name} value`, 1e-12, 0);
    }
  });
}

loops('a constant loop is unrolled into straight-line code, with no loop left in the companion', () => {
  const source = `${prelude}/** @differentiable */\nexport function f(x: number): number {\n  let s = 0;\n  for (let i = 1; i <= 3; i++) s += x ** i;\n  return s;\n}\n`;
  const js = compile({ 'main.ts': source }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  assert.not.match(js.slice(js.indexOf('function f$grad')), /\bfor\b|\bwhile\b/);
  const unrolled = build(source);
  // d/dx (x + x² + x³) = 1 + 2x + 3x²
  assert.equal(unrolled.grad(unrolled.f)(2), [1 + 4 + 12]);
});

loops('a constant loop past the unrolling budget is lowered as a loop: a recurrence on the tape, the rest coarse', () => {
  const source = `${prelude}/** @differentiable */\nexport function f(x: number): number {\n  let s = x;\n  for (let i = 0; i < 700; i++) s = s * 0.99 + Math.sin(s) * 1e-3 + 0.01 * x;\n  return s * s;\n}\n`;
  const lines: string[] = [];
  const log = console.log;
  console.log = (text: string) => void lines.push(text);
  try {
    compile({ 'main.ts': source }, { plugin: { report: true } });
  } finally {
    console.log = log;
  }
  const report = lines.join('\n');
  assert.match(report, /line 6: recurrence on the tape, carrying s/);
  assert.not.match(report, /residue: the whole function/);
  const m700 = build(source);
  for (const x of [0.3, -0.2]) assertClose(m700.grad(m700.f)(x)[0], finiteDifference(m700.f, [x], 0), `700 steps at ${x}`);
});

loops('a derivative that swells exponentially as a tree stays linear as a DAG: emitted code grows linearly', () => {
  const swelling = (n: number) =>
    `${prelude}/** @differentiable */\nexport function f(x: number): number {\n  let a = x;\n  for (let i = 0; i < ${n}; i++) a = Math.sin(a) * a + x;\n  return a;\n}\n`;
  const sizes = [40, 80].map((n) => compile({ 'main.ts': swelling(n) }).js['main.ts']!.length);
  assert.ok(sizes[1]! < 2.2 * sizes[0]!, `code sizes ${sizes.join(', ')}`);
  const m40 = build(swelling(40));
  for (const x of [0.3, -0.7]) assertClose(m40.grad(m40.f)(x)[0], finiteDifference(m40.f, [x], 0), `swell at ${x}`);
  // Written out statement by statement, the same.
  const writtenOut = (n: number) =>
    `${prelude}/** @differentiable */\nexport function f(x: number): number {\n  let a = x;\n${'  a = Math.sin(a) * a + x;\n'.repeat(n)}  return a;\n}\n`;
  const written = [40, 80].map((n) => compile({ 'main.ts': writtenOut(n) }).js['main.ts']!.length);
  assert.ok(written[1]! < 2.2 * written[0]!, `code sizes ${written.join(', ')}`);
  const w40 = build(writtenOut(40));
  for (const x of [0.3, -0.7]) assert.is(w40.grad(w40.f)(x)[0], m40.grad(m40.f)(x)[0]);
});

loops('an array gradient is a new Float64Array of the parameter’s length, zero where not read', () => {
  const g = m.grad(m.arrayParameterByIndex)([-0.5, 0.3, 9]) as [Float64Array];
  assert.instance(g[0], Float64Array);
  assert.is(g[0].length, 3);
  assert.is(g[0][2], 0);
});


loops('a closed form\'s value is the loop as written: compound interest, and a test after an overflow', () => {
  // `s = s * r + s` is s·(r + 1) in Horner's form, which rounds differently (1.9487171000000014 for
  // 1.9487171 at r = 0.1), and at r = −2.4e154 is −∞ where the loop's s·r + s is ∞ − ∞ = NaN.
  const m = build(`${prelude}/** @differentiable */
export function grow(r: number, n: number): number {
  let s = 1;
  for (let j = 0; j < n; j++) s = s * r + s;
  if (!s) return 1;
  return s;
}
`);
  for (const [r, n] of [[0.1, 7], [0.07, 7], [0.3, 7], [-2.4412494287826122e154, 4]] as const) {
    const [value, [dr]] = m.valueAndGrad(m.grow)(r, n) as [number, number[]];
    assert.ok(Object.is(value, m.grow(r, n)), `value at r = ${r}: ${value}, the loop's ${m.grow(r, n)}`);
    // d/dr (1 + r)^n = n(1 + r)^(n−1), and 0 where the test returns the constant 1.
    const want = Number.isNaN(m.grow(r, n) * 0) || m.grow(r, n) === 1 ? 0 : n * (1 + r) ** (n - 1);
    assert.ok(Math.abs(dr! - want) <= 1e-12 * Math.abs(want), `∂/∂r at ${r}: ${dr}, expected ${want}`);
  }
  // No tape: the loop that computes the value runs forward only, and the derivative is the closed form's.
  const js = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function grow(r: number, n: number): number {\n  let s = 1;\n  for (let j = 0; j < n; j++) s = s * r + s;\n  return s;\n}\n` }).js['main.ts']!;
  const body = js.slice(js.indexOf('function grow$grad('));
  assert.not.ok(body.slice(0, body.indexOf('\n}\n')).includes('tape'), body);
});

loops.run();

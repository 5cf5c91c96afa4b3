/**
 * Loops that run a run-time number of times, as reductions `s += e_i` (DESIGN.md §5, strategy 3):
 * each is a sum node, its gradient another pass over the loop, with no tape. Checked against finite
 * differences element by element.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { assertClose, finiteDifference } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';

type Arg = number | number[] | Float64Array;

interface Program {
  readonly params: string;
  readonly body: string;
  readonly points: readonly (readonly Arg[])[];
}

const ramp = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

const programs: Record<string, Program> = {
  // Regressions found by comparing with the fine mode on random programs: a maximum taken only
  // under a branch that is the same in every iteration was once taken for an affine recurrence.
  maximumUnderAnInvariantBranch: {
    params: 'y: number, xs: number[], n: number',
    body: 'let m = -10;\n  for (let i = 0; i < n; i++) {\n    if (y > 0.2) m = Math.max(m, y * xs[i]!);\n  }\n  return m;',
    points: [[0.4, [0.2, 0.3, -0.4, 0.9], 3], [0.1, [0.2, 0.3, -0.4, 0.9], 3]],
  },
  sumOfSquares: { params: 'x: Float64Array', body: 'let s = 0;\n  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;\n  return s;', points: [[ramp(5, (i) => i - 2.3)]] },
  dotWithScalar: {
    params: 'x: number[], w: Float64Array, b: number',
    body: 'let s = b;\n  for (let i = 0; i < x.length; i++) s += x[i]! * w[i]!;\n  return Math.tanh(s);',
    points: [[[0.5, -1, 2], ramp(3, (i) => 0.1 * i - 0.05), 0.3]],
  },
  normAfterTheLoop: { params: 'x: Float64Array, w: number', body: 'let e = 0;\n  for (let i = 0; i < x.length; i++) e += w * x[i]! * x[i]!;\n  return Math.sqrt(e);', points: [[ramp(4, (i) => Math.sin(i + 1)), 1.7]] },
  subtractingAndCountingDown: {
    params: 'x: Float64Array, n: number',
    body: 'let s = 10;\n  for (let i = n - 1; i >= 0; i -= 2) s -= Math.exp(x[i]! / (i + 1));\n  return s;',
    points: [[ramp(6, (i) => 0.2 * i), 6]],
  },
  neighbours: {
    params: 'y: Float64Array',
    body: 'let s = 0;\n  for (let i = 0; i + 1 < y.length; i++) s += (y[i + 1]! - y[i]!) ** 2;\n  return s;',
    points: [[ramp(5, (i) => Math.cos(i))]],
  },
  ringWithModuloIndices: {
    params: 'p: Float64Array',
    body: 'const n = p.length / 2;\n  let e = 0;\n  for (let i = 0; i < n; i++) {\n    const j = (i + 1) % n;\n    const d = Math.hypot(p[2 * j]! - p[2 * i]!, p[2 * j + 1]! - p[2 * i + 1]!);\n    e += 0.5 * (d - 1) ** 2;\n  }\n  return e;',
    points: [[ramp(8, (k) => (k % 2 === 0 ? 1.1 * Math.cos((Math.PI * k) / 4) : 1.1 * Math.sin((Math.PI * (k - 1)) / 4)) + 0.01 * Math.sin(7 * k))]],
  },
  branchInTheBody: {
    params: 'x: Float64Array, t: number',
    body: 'let s = 0;\n  for (let i = 0; i < x.length; i++) {\n    if (x[i]! > t) s += Math.log(x[i]! - t);\n    else s -= x[i]! * t;\n  }\n  return s;',
    points: [[ramp(5, (i) => i * 0.7 - 1), 0.5]],
  },
  continueInTheBody: {
    params: 'x: Float64Array',
    body: 'let s = 0;\n  for (let i = 0; i < x.length; i++) {\n    if (x[i]! < 0) continue;\n    s += Math.sqrt(x[i]!);\n  }\n  return s;',
    points: [[ramp(6, (i) => i - 2.5)]],
  },
  twoReductionsInOneLoop: {
    params: 'x: Float64Array, y: Float64Array',
    body: 'let sxy = 0;\n  let sxx = 0;\n  for (let i = 0; i < x.length; i++) {\n    sxy += x[i]! * y[i]!;\n    sxx += x[i]! * x[i]!;\n  }\n  return sxy / sxx;',
    points: [[ramp(4, (i) => i + 0.5), ramp(4, (i) => 2 * i - 1)]],
  },
  nestedTriangular: {
    params: 'x: Float64Array',
    body: 'let s = 0;\n  for (let i = 0; i < x.length; i++)\n    for (let j = 0; j <= i; j++) s += x[i]! * x[j]! / (1 + i + j);\n  return s;',
    points: [[ramp(4, (i) => 0.3 * i - 0.4)]],
  },
  innerDotProductPerRow: {
    params: 'X: Float64Array, y: Float64Array, beta: Float64Array',
    body: 'const d = beta.length;\n  let u = 0;\n  for (let i = 0; i < y.length; i++) {\n    let z = 0;\n    for (let j = 0; j < d; j++) z += X[i * d + j]! * beta[j]!;\n    u += (y[i]! - 1) * z - Math.log1p(Math.exp(-z));\n  }\n  let bb = 0;\n  for (let j = 0; j < d; j++) bb += beta[j]! * beta[j]!;\n  return u - bb / 2000;',
    points: [[ramp(6, (k) => Math.sin(3 * k) * 2), Float64Array.from([1, 0, 1]), Float64Array.from([1, -0.5])]],
  },
  helperCalledInTheBody: {
    params: 'x: Float64Array, k: number',
    body: 'let s = 0;\n  for (let i = 0; i < x.length; i++) s += softplus(k * x[i]!);\n  return s;',
    points: [[ramp(4, (i) => i - 1.5), 0.8]],
  },
  indexFromAParameter: { params: 'x: Float64Array, k: number', body: 'return x[k]! * x[k + 1]!;', points: [[ramp(4, (i) => i + 1), 1]] },
  forOfOverAParameter: {
    params: 'x: Float64Array, w: number',
    body: 'let s = 0;\n  for (const v of x) s += Math.sin(v * w);\n  return s;',
    points: [[Float64Array.from([0.5, -1, 2]), 0.7]],
  },
  mapThenNeighbours: {
    params: 'x: Float64Array, w: number',
    body: 'const n = x.length;\n  const y = new Float64Array(n);\n  for (let i = 0; i < n; i++) y[i] = Math.tanh(w * x[i]!);\n  let s = 0;\n  for (let i = 1; i < n; i++) s += (y[i]! - y[i - 1]!) ** 2;\n  return s;',
    points: [[Float64Array.from([0.3, -1.2, 0.8, 2]), 0.7]],
  },
  branchInsideAMap: {
    params: 'x: Float64Array',
    body: 'const out = new Array<number>(x.length).fill(0);\n  for (let i = 0; i < x.length; i++) {\n    if (x[i]! > 0) out[i] = Math.sqrt(x[i]!);\n    else out[i] = -x[i]! * x[i]!;\n  }\n  let t = 0;\n  for (let j = 0; j < x.length; j++) t += out[j]! * (j + 1);\n  return t + out[1]!;',
    points: [[Float64Array.from([0.3, -1.2, 0.8, 2])]],
  },
  mapWithAnOffsetAndAFill: {
    params: 'x: Float64Array, c: number',
    body: 'const n = x.length;\n  const shifted = new Array<number>(n + 1).fill(c);\n  for (let i = 0; i < n; i++) shifted[i + 1] = x[i]! * x[i]!;\n  let s = 0;\n  for (let i = 0; i <= n; i++) s += shifted[i]! * (i + 0.5);\n  return s;',
    points: [[Float64Array.from([0.5, -1, 2]), 0.3]],
  },
  logSumExp: {
    params: 'x: Float64Array',
    body: 'let a = -Infinity;\n  for (let i = 0; i < x.length; i++) a = Math.max(a, x[i]!);\n  let s = 0;\n  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - a);\n  return a + Math.log(s);',
    points: [[Float64Array.from([0.3, 1.2, -0.5, 0.9])]],
  },
  maximumByIf: {
    params: 'x: Float64Array, w: number',
    body: 'let best = 0;\n  for (let i = 0; i < x.length; i++) {\n    const v = Math.sin(w * x[i]!);\n    if (v > best) best = v;\n  }\n  return best * w;',
    points: [[Float64Array.from([0.3, 1.2, -0.5, 0.9]), 1.3], [Float64Array.from([-1, -2]), 1.1]],
  },
  minimumOfDistances: {
    params: 'p: Float64Array, qx: number, qy: number',
    body: 'let m = Infinity;\n  for (let i = 0; i + 1 < p.length; i += 2) m = Math.min(m, Math.hypot(p[i]! - qx, p[i + 1]! - qy));\n  return m * m;',
    points: [[Float64Array.from([0, 0, 1, 2, 3, -1]), 0.8, 1.5]],
  },
  // A value computed before the loop and read only inside it once lost its adjoint.
  invariantComputedBeforeTheLoop: {
    params: 'x: Float64Array, w: number',
    body: 'const w2 = Math.sin(w) * 3;\n  let s = 0;\n  for (let i = 0; i < x.length; i++) s += w2 * x[i]!;\n  return s;',
    points: [[Float64Array.from([1, 2, -0.5]), 0.5]],
  },
  // Once split one inner loop into a pass that only loaded and one that reused the last values.
  innerLoopThenBranch: {
    params: 'beta: Float64Array, X: Float64Array, n: number',
    body: 'const d = beta.length;\n  let u = 0;\n  for (let i = 0; i < n; i++) {\n    let z = 0;\n    for (let j = 0; j < d; j++) z += X[i * d + j]! * beta[j]!;\n    u += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));\n  }\n  return u;',
    points: [[Float64Array.from([0.5, -0.25]), Float64Array.from([1, 3, 3, 4]), 2]],
  },
  brachistochrone: {
    params: 'yIn: Float64Array',
    body: [
      'const n = yIn.length + 2;',
      '  let t = 0;',
      '  for (let i = 1; i < n; i++) {',
      '    const x0 = (4 * (i - 1)) / (n - 1);',
      '    const x1 = (4 * i) / (n - 1);',
      '    const y0 = i - 1 === 0 ? 1 : yIn[i - 2]!;',
      '    const y1 = i === n - 1 ? 0 : yIn[i - 1]!;',
      '    const v0 = Math.sqrt(2 * 9.8 * (1 - y0));',
      '    const v1 = Math.sqrt(2 * 9.8 * (1 - y1));',
      '    t += Math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2) / ((v0 + v1) / 2);',
      '  }',
      '  return t;',
    ].join('\n'),
    points: [[ramp(4, (i) => 1 - (i + 1) / 5 - 0.05)]],
  },
};

const helpers = 'function softplus(z: number): number {\n  return z > 30 ? z : Math.log1p(Math.exp(z));\n}\n';
const names = Object.keys(programs);
const source = prelude + helpers + names.map((name) => `/** @differentiable */\nexport function ${name}(${programs[name]!.params}): number {\n  ${programs[name]!.body}\n}\n`).join('\n');
const m = build(source);

const reductions = suite('reductions over run-time loops');

for (const name of names) {
  reductions(`${name}: gradient against finite differences`, () => {
    const f = m[name] as (...a: Arg[]) => number;
    for (const at of programs[name]!.points) {
      const gradient = m.grad(f)(...at) as (number | Float64Array)[];
      at.forEach((arg, i) => {
        if (typeof arg === 'number') {
          // Integer parameters (sizes, indices) are not moved: their difference quotient means nothing.
          if (Number.isInteger(arg) && /n|k/.test(programs[name]!.params.split(',')[i]!)) return;
          const along = (v: number) => f(...at.map((a, j) => (j === i ? v : a)));
          assertClose(gradient[i] as number, finiteDifference(along, [arg], 0), `${name} ∂/∂arg${i}`);
          return;
        }
        const g = gradient[i] as Float64Array;
        assert.instance(g, Float64Array);
        assert.is(g.length, arg.length);
        for (let k = 0; k < arg.length; k++) {
          const along = (v: number) => {
            const moved = Float64Array.from(arg);
            moved[k] = v;
            return f(...at.map((a, j) => (j === i ? moved : a)));
          };
          assertClose(g[k]!, finiteDifference(along, [arg[k]!], 0), `${name} ∂/∂arg${i}[${k}]`);
        }
      });
      assertClose(m.valueAndGrad(f)(...at)[0], f(...at), `${name} value`, 1e-12, 0);
    }
  });
}

reductions('a reduction’s gradient is a second pass over the loop, with no tape', () => {
  const js = compile(
    { 'main.ts': `${prelude}/** @differentiable */\nexport function f(x: Float64Array, w: number): number {\n  let e = 0;\n  for (let i = 0; i < x.length; i++) e += w * x[i]! * x[i]!;\n  return Math.sqrt(e);\n}\n` },
    { module: ts.ModuleKind.ESNext },
  ).js['main.ts']!;
  const gradOnly = js.slice(js.indexOf('function f$grad'));
  // The usual path; where the split gradient w·Σxᵢ² is not finite, a careful run follows it.
  const usual = gradOnly.slice(0, gradOnly.indexOf('if (rare)'));
  assert.is(usual.match(/\bfor \(let i = 0; i < length; i\+\+\)/g)?.length, 2, gradOnly);
  assert.match(gradOnly, /dx\[i\] \+= /);
  assert.not.match(gradOnly, /tape|push|pop/);
});

reductions('log-sum-exp stays finite where exp overflows: its gradient is the softmax', () => {
  const x = Float64Array.from([800, 801, 799]);
  const [value, [g]] = m.valueAndGrad(m.logSumExp)(x) as [number, [Float64Array]];
  const shifted = Array.from(x, (v) => Math.exp(v - 801));
  const total = shifted.reduce((a, b) => a + b);
  assertClose(value, 801 + Math.log(total), 'value', 1e-15, 0);
  shifted.forEach((e, i) => assertClose(g[i]!, e / total, `softmax ${i}`, 1e-14, 1e-16));
});

reductions('an empty array gives a zero-length gradient and the initial value', () => {
  assert.equal(m.valueAndGrad(m.sumOfSquares)(new Float64Array(0)), [0, [new Float64Array(0)]]);
});

reductions.run();

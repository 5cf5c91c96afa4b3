/**
 * Every derivative rule, driven by one table: each row is a marked function, the points of its
 * domain to check it at, and where the maths gives it, the exact gradient. All rows compile in one
 * program through the plugin.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, assertGradient } from './gradcheck.js';
import { build, prelude } from './harness.js';

interface Row {
  /** Parameter list and body expression of the marked function. */
  readonly params: string;
  readonly body: string;
  readonly points: readonly (readonly number[])[];
  /** Exact gradients at some points, checked to the bit or nearly. */
  readonly exact?: readonly { readonly at: readonly number[]; readonly gradient: readonly number[] }[];
  /** Relative tolerance of the finite-difference check, where 1e-6 is too tight for a reason given. */
  readonly rtol?: number;
}

const unary = (body: string, points: number[], exact?: Row['exact']): Row => ({ params: 'x: number', body, points: points.map((p) => [p]), ...(exact ? { exact } : {}) });

const table: Record<string, Row> = {
  add: { params: 'x: number, y: number', body: 'x + y', points: [[1, 2], [-3, 0.5]], exact: [{ at: [1, 2], gradient: [1, 1] }] },
  sub: { params: 'x: number, y: number', body: 'x - y', points: [[1, 2]], exact: [{ at: [1, 2], gradient: [1, -1] }] },
  mul: { params: 'x: number, y: number', body: 'x * y', points: [[1.5, -2]], exact: [{ at: [3, 4], gradient: [4, 3] }] },
  div: { params: 'x: number, y: number', body: 'x / y', points: [[1.5, -2], [3, 0.7]], exact: [{ at: [3, 2], gradient: [0.5, -0.75] }] },
  mod: { params: 'x: number, y: number', body: 'x % y', points: [[5.3, 2.1], [-7.2, 3.1]] },
  pow: { params: 'x: number, y: number', body: 'x ** y', points: [[1.5, 2.5], [0.7, -1.3]] },
  powConst: unary('x ** 3', [-1.5, 0.5, 2], [{ at: [2], gradient: [12] }]),
  powHalf: unary('x ** 0.5', [0.3, 4], [{ at: [4], gradient: [0.25] }]),
  mathPow: { params: 'x: number, y: number', body: 'Math.pow(x, y)', points: [[1.5, 2.5], [2, -0.5]] },
  neg: unary('-x', [2], [{ at: [2], gradient: [-1] }]),
  plus: unary('+x * 3', [2], [{ at: [2], gradient: [3] }]),
  sin: unary('Math.sin(x)', [-2, 0, 0.5, 3]),
  cos: unary('Math.cos(x)', [-2, 0.5, 3], [{ at: [0], gradient: [-0] }]),
  tan: unary('Math.tan(x)', [-1.2, 0, 0.7]),
  asin: unary('Math.asin(x)', [-0.9, 0, 0.6]),
  acos: unary('Math.acos(x)', [-0.9, 0, 0.6]),
  atan: unary('Math.atan(x)', [-3, 0, 0.6, 10]),
  atan2: { params: 'y: number, x: number', body: 'Math.atan2(y, x)', points: [[1, 2], [-1, -0.5], [0.3, -2]] },
  sinh: unary('Math.sinh(x)', [-2, 0, 1.5]),
  cosh: unary('Math.cosh(x)', [-2, 0.1, 1.5]),
  tanh: unary('Math.tanh(x)', [-2, 0, 0.8]),
  asinh: unary('Math.asinh(x)', [-2, 0, 3]),
  acosh: unary('Math.acosh(x)', [1.1, 2, 10]),
  atanh: unary('Math.atanh(x)', [-0.8, 0, 0.5]),
  exp: unary('Math.exp(x)', [-3, 0, 2], [{ at: [0], gradient: [1] }]),
  expm1: unary('Math.expm1(x)', [-1, 1e-3, 2], [{ at: [0], gradient: [1] }]),
  log: unary('Math.log(x)', [0.1, 1, 20], [{ at: [4], gradient: [0.25] }]),
  log1p: unary('Math.log1p(x)', [-0.5, 0, 3]),
  log2: unary('Math.log2(x)', [0.3, 8]),
  log10: unary('Math.log10(x)', [0.3, 100]),
  sqrt: unary('Math.sqrt(x)', [0.2, 9], [{ at: [4], gradient: [0.25] }]),
  cbrt: unary('Math.cbrt(x)', [-8, 0.5, 27]),
  hypot: { params: 'x: number, y: number', body: 'Math.hypot(x, y)', points: [[3, 4], [-1, 2]], exact: [{ at: [3, 4], gradient: [0.6, 0.8] }, { at: [0, 0], gradient: [0, 0] }] },
  hypot3: { params: 'x: number, y: number, z: number', body: 'Math.hypot(x, y, z)', points: [[1, 2, 2], [-1, 0.5, 3]] },
  abs: unary('Math.abs(x)', [-2, 1.5], [{ at: [-2], gradient: [-1] }, { at: [0], gradient: [0] }]),
  sign: unary('Math.sign(x) * x', [-2, 3]),
  max: { params: 'x: number, y: number', body: 'Math.max(x, y)', points: [[1, 2], [3, -1]], exact: [{ at: [2, 2], gradient: [1, 0] }] },
  max3: { params: 'x: number, y: number, z: number', body: 'Math.max(x, y, z)', points: [[1, 5, 2]], exact: [{ at: [4, 4, 4], gradient: [1, 0, 0] }, { at: [1, 4, 4], gradient: [0, 1, 0] }] },
  min: { params: 'x: number, y: number', body: 'Math.min(x, y)', points: [[1, 2], [3, -1]], exact: [{ at: [2, 2], gradient: [1, 0] }] },
  floor: unary('Math.floor(x) + x', [1.5, -2.3], [{ at: [1.5], gradient: [1] }]),
  ceil: unary('Math.ceil(x) * x', [1.5, -2.3]),
  round: unary('Math.round(x) * x', [1.2, -2.3]),
  trunc: unary('Math.trunc(x) * x', [1.5, -2.3]),
  // Rounding to float32 makes difference quotients noisy by about 2^-24 / h = 1e-4 relative.
  fround: { ...unary('Math.fround(x)', [1.5, -20.3], [{ at: [1.1], gradient: [1] }]), rtol: 1e-3 },
  bitwise: unary('(x | 0) + x * 2', [3.5], [{ at: [3.5], gradient: [2] }]),
  constants: unary('Math.PI * x + Math.E * Math.SQRT2 * x * x + Math.LN2', [0.5], [{ at: [0], gradient: [Math.PI] }]),
  chain: unary('Math.exp(Math.sin(x) * Math.cos(x * x)) / (1 + Math.log1p(x * x))', [-1.3, 0.4, 2.2]),
};

const names = Object.keys(table);
const source =
  prelude +
  names.map((name) => `/** @differentiable */\nexport function ${name}(${table[name]!.params}): number {\n  return ${table[name]!.body};\n}\n`).join('\n');
const program = build(source);

const rules = suite('derivative rules');

for (const name of names) {
  const row = table[name]!;
  rules(`${name}: ${row.body} against finite differences`, () => {
    const f = program[name] as (...a: number[]) => number;
    const g = program.grad(f) as (...a: number[]) => number[];
    for (const at of row.points) assertGradient(f, g(...at), at, name, row.rtol);
  });
  if (row.exact !== undefined) {
    rules(`${name}: exact gradients`, () => {
      const g = program.grad(program[name]) as (...a: number[]) => number[];
      for (const { at, gradient } of row.exact!) {
        const got = g(...at);
        gradient.forEach((expected, i) => assertClose(got[i]!, expected, `${name} ∂/∂x${i} at (${at.join(', ')})`, 1e-15, 0));
      }
    });
  }
}

rules('valueAndGrad returns the primal value with every gradient', () => {
  for (const name of names) {
    const f = program[name] as (...a: number[]) => number;
    for (const at of table[name]!.points) {
      const [value, gradient] = program.valueAndGrad(f)(...at) as [number, number[]];
      assertClose(value, f(...at), `${name} value at (${at.join(', ')})`, 1e-12, 0);
      assert.equal(gradient, program.grad(f)(...at));
    }
  }
});

rules.run();

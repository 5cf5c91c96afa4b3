/**
 * Recursion (issue 11, item 8): a recursion whose depth the arguments known at compile time decide
 * is unrolled by the coarse mode; one decided at run time runs on the operation tape as the primal
 * runs it, call by call, in both modes. Each program is written as its author would, built in both
 * modes (`build` compares their gradients) and checked against 5-point finite differences.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAtPoint, type TableProgram } from './gradcheck.js';
import { build, compile, describeDiagnostics, prelude } from './harness.js';

const programs: Record<string, TableProgram> = {
  'compound growth by repeated squaring, the exponent given at run time': {
    name: 'growth',
    source: `function power(base: number, n: number): number {
  if (n === 0) return 1;
  const half = power(base, Math.floor(n / 2));
  return n % 2 === 0 ? half * half : half * half * base;
}
/** @differentiable */
export function growth(rate: number, years: number, principal: number): number {
  if (years < 0) throw new RangeError('years must not be negative');
  return principal * power(1 + rate, years);
}`,
    points: [[0.05, 10, 1000], [0.2, 7, 3], [0.01, 0, 5]],
    discrete: [1],
  },
  'a Bézier curve by de Casteljau, point by point down to one': {
    name: 'bezierX',
    source: `function casteljau(xs: number[], t: number): number[] {
  if (xs.length === 1) return xs;
  const next: number[] = [];
  for (let i = 0; i + 1 < xs.length; i++) next.push((1 - t) * xs[i]! + t * xs[i + 1]!);
  return casteljau(next, t);
}
/** @differentiable */
export function bezierX(control: number[], t: number): number {
  return casteljau(control, t)[0]!;
}`,
    points: [[[0, 1, 3, 2], 0.3], [[2, -1, 4, 0.5, 1], 0.8]],
  },
  'pairwise summation of squares, split in halves': {
    name: 'norm',
    source: `function sumSquares(v: Float64Array, lo: number, hi: number): number {
  if (hi - lo <= 2) {
    let s = 0;
    for (let i = lo; i < hi; i++) s += v[i]! * v[i]!;
    return s;
  }
  const mid = (lo + hi) >> 1;
  return sumSquares(v, lo, mid) + sumSquares(v, mid, hi);
}
/** @differentiable */
export function norm(v: Float64Array): number {
  return Math.sqrt(sumSquares(v, 0, v.length));
}`,
    points: [[Float64Array.from([3, -4, 1, 2, 0.5, 7, -1])], [Float64Array.from([1])]],
  },
  'a continued fraction, its depth a parameter': {
    name: 'fraction',
    source: `function tail(x: number, depth: number): number {
  return depth === 0 ? x : 1 / (1 + tail(x, depth - 1));
}
/** @differentiable */
export function fraction(x: number, depth: number): number {
  return tail(x, depth);
}`,
    points: [[0.7, 6], [2, 1]],
    discrete: [1],
  },
  'two functions calling each other': {
    name: 'ladder',
    source: `function rise(x: number, steps: number): number {
  return steps <= 0 ? x : fall(Math.sin(x) + x * 0.5, steps - 1);
}
function fall(x: number, steps: number): number {
  return steps <= 0 ? -x : rise(x * x * 0.3, steps - 1);
}
/** @differentiable */
export function ladder(x: number, steps: number): number {
  return rise(x, steps);
}`,
    points: [[0.4, 5], [1.3, 4]],
    discrete: [1],
  },
  'a marked function that calls itself, inside a loop': {
    name: 'tower',
    source: `/** @differentiable */
export function tower(x: number, n: number): number {
  if (n <= 0) return x;
  let total = 0;
  for (let k = 0; k < 2; k++) total += Math.sin(tower(x * (k + 1), n - 1));
  return total;
}`,
    points: [[0.3, 3], [1.1, 1]],
    discrete: [1],
  },
  'a factorial-like recursion with a guard, with a known depth': {
    name: 'series',
    source: `function term(x: number, k: number): number {
  if (k < 0) throw new RangeError('k must not be negative');
  return k === 0 ? 1 : (term(x, k - 1) * x) / k;
}
/** @differentiable */
export function series(x: number): number {
  return term(x, 0) + term(x, 1) + term(x, 2) + term(x, 3) + term(x, 4);
}`,
    points: [[0.5], [-1.2]],
  },
  'adaptive Simpson integration, the integrand passed down the recursion': {
    name: 'area',
    source: `function simpson(f: (x: number) => number, a: number, b: number): number {
  const m = (a + b) / 2;
  return ((b - a) / 6) * (f(a) + 4 * f(m) + f(b));
}
function adaptive(f: (x: number) => number, a: number, b: number, eps: number, whole: number, depth: number): number {
  const m = (a + b) / 2;
  const left = simpson(f, a, m);
  const right = simpson(f, m, b);
  if (depth <= 0 || Math.abs(left + right - whole) <= 15 * eps) return left + right + (left + right - whole) / 15;
  return adaptive(f, a, m, eps / 2, left, depth - 1) + adaptive(f, m, b, eps / 2, right, depth - 1);
}
function bump(t: number): number {
  return Math.exp(-t * t);
}
/** @differentiable */
export function area(upper: number): number {
  return adaptive(bump, 0, upper, 1e-6, simpson(bump, 0, upper), 12);
}`,
    points: [[1.7], [0.4]],
  },
  'a local recursive arrow reading the marked function\'s variables': {
    name: 'damped',
    source: `/** @differentiable */
export function damped(x: number, k: number, steps: number): number {
  const decay = Math.exp(-k);
  let calls = 0;
  const settle = (v: number, left: number): number => {
    calls++;
    return left <= 0 ? v : settle(v * decay + Math.sin(v) * k, left - 1);
  };
  return settle(x, steps) + calls * 0.001 * x;
}`,
    points: [[0.8, 0.3, 5], [2, 1.5, 2]],
    discrete: [2],
  },
};

const recursion = suite('recursion');

for (const [title, p] of Object.entries(programs)) {
  recursion(title, () => {
    const m = build(`${prelude}${p.source}\n`);
    const f = m[p.name] as (...a: unknown[]) => number;
    for (const at of p.points) checkAtPoint(m.valueAndGrad, f, at, p, title);
  });
}

recursion('a depth known at compile time is unrolled by the coarse mode; one decided at run time goes to the tape', () => {
  const source = `${prelude}function power(x: number, n: number): number {
  return n === 0 ? 1 : x * power(x, n - 1);
}
/** @differentiable */
export function cube(x: number): number {
  return power(x, 3);
}
/** @differentiable */
export function any(x: number, n: number): number {
  return power(x, n);
}
`;
  const { js, diagnostics } = compile({ 'main.ts': source }, { plugin: {} });
  assert.equal(describeDiagnostics(diagnostics), []);
  const companion = (name: string) => js['main.ts']!.slice(js['main.ts']!.indexOf(`function ${name}$valueAndGrad`));
  assert.not.match(companion('cube').split('\nfunction ')[0]!, /Taped|operations/);
  assert.match(companion('any').split('\nfunction ')[0]!, /powerTaped/);
  const m = build(source);
  assert.equal(m.grad(m.cube)(1.5), [3 * 1.5 ** 2]);
  assert.equal(m.grad(m.any)(1.5, 4), [4 * 1.5 ** 3, 0]);
});

recursion('deep recursion runs as deep as the primal does', () => {
  const m = build(`${prelude}function sum(x: number, n: number): number {
  return n === 0 ? 0 : Math.sin(x * n) / n + sum(x, n - 1);
}
/** @differentiable */
export function f(x: number, n: number): number {
  return sum(x, n);
}
`);
  let expected = 0;
  for (let k = 1; k <= 3000; k++) expected += Math.cos(0.2 * k);
  const [g] = m.grad(m.f)(0.2, 3000) as number[];
  assert.ok(Math.abs(g! - expected) <= 1e-9 * Math.abs(expected), `${g} against ${expected}`);
});

recursion.run();

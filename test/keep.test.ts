/**
 * Store or recompute (issue 12, item 3; DESIGN.md §6): a value one pass over a loop computes and a
 * later pass reads again is kept per iteration in a scratch buffer reused across calls when it costs
 * more to recompute than to keep (`exp`, `t ** j`, a reduction over an inner loop); and loops over
 * the same iterations are one loop, so that an array written by one loop and read by the next ones
 * (gmm's `beta[k]`) is computed once. Each program in both modes, against 5-point finite
 * differences, and the emitted code's shape: how many times the costly call is made.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAtPoint, type TableProgram } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';

const keep = suite('values kept for a later pass');

/** The usual companion `name$grad`, without the careful one it may run again (which recomputes). */
function companionOf(js: string, name: string): string {
  const start = js.indexOf(`function ${name}$grad(`);
  const body = js.slice(start, js.indexOf('\n}\n', start));
  const careful = body.indexOf('again, in the careful form');
  return careful < 0 ? body : body.slice(0, careful);
}

function count(text: string, what: string): number {
  return text.split(what).length - 1;
}

interface Program extends TableProgram {
  /** Costly calls, and how many times each appears in the usual companion. */
  readonly costly: readonly (readonly [string, number])[];
}

const programs: Record<string, Program> = {
  "log-sum-exp: the reverse loop reads each exp back": {
    name: 'lse',
    costly: [['Math.exp(', 1]],
    source: `/** @differentiable */
export function lse(x: Float64Array): number {
  let a = -Infinity;
  for (let i = 0; i < x.length; i++) a = Math.max(a, x[i]!);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - a);
  return a + Math.log(s);
}`,
    points: [[Float64Array.from([0.1, 2.5, -0.3, 1.1])], [Float64Array.from([3])]],
  },
  'least squares on a polynomial: the powers of an inner loop, kept per outer iteration': {
    name: 'llsq',
    costly: [['**', 1]],
    discrete: [1],
    source: `/** @differentiable */
export function llsq(x: Float64Array, n: number): number {
  let f = 0;
  for (let i = 0; i < n; i++) {
    const t = -1 + (2 * i) / (n - 1);
    let p = 0;
    for (let j = 0; j < x.length; j++) p += x[j]! * t ** j;
    const r = Math.sign(t) - p;
    f += r * r;
  }
  return 0.5 * f;
}`,
    points: [[Float64Array.from([0.3, -0.5, 0.25, 0.1]), 7]],
  },
  'loops counting down, from an offset and by twos, with a bound they reach': {
    name: 'strides',
    costly: [['Math.exp(', 2]],
    source: `/** @differentiable */
export function strides(x: Float64Array): number {
  let s = 0;
  for (let i = x.length - 1; i >= 1; i--) s += Math.exp(x[i]! * x[i - 1]!);
  let t = 0;
  for (let i = 1; i <= x.length - 2; i += 2) t += Math.exp(x[i]! + x[i + 1]!);
  return s * s + t * s + Math.cos(t);
}`,
    points: [[Float64Array.from([0.4, -1.2, 0.7, 2.1, -0.3, 0.9])], [Float64Array.from([0.5, 1.5])]],
  },
  // A score's sine once in the loop, once for the maximum's value after it; the reverse reads each
  // score and exponential back.
  "a mixture's per-point scores, written by one loop and read by three: computed once": {
    name: 'mixture',
    costly: [
      ['Math.sin(', 2],
      ['Math.exp(', 1],
    ],
    source: `/** @differentiable */
export function mixture(w: Float64Array, x: Float64Array): number {
  const K = w.length;
  const score = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    for (let k = 0; k < K; k++) score[k] = Math.sin(w[k]! * x[i]!) * 2;
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, score[k]!);
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(score[k]! - m);
    total += m + Math.log(z);
  }
  return total;
}`,
    points: [[Float64Array.from([0.1, -0.3, 0.5, 1.2]), Float64Array.from([0.3, 1.7, -0.4])]],
  },
};

for (const [title, p] of Object.entries(programs)) {
  keep(title, () => {
    const source = `${prelude}${p.source}\n`;
    const m = build(source);
    for (const at of p.points) checkAtPoint(m.valueAndGrad, m[p.name], at, p, title);
    const companion = companionOf(compile({ 'main.ts': source }, { plugin: {} }).js['main.ts']!, p.name);
    for (const [call, times] of p.costly) assert.is(count(companion, call), times, `${call}\n${companion}`);
    assert.ok(/kept\w* = new Float64Array/.test(companion), companion);
  });
}

keep('a cheap value is computed again, and the report says which was kept and which was not', () => {
  const source = `${prelude}/** @differentiable */
export function weighted(x: Float64Array): number {
  let a = -Infinity;
  for (let i = 0; i < x.length; i++) a = Math.max(a, x[i]!);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - a) * (x[i]! * 2 + 1);
  return Math.log(s);
}
`;
  const lines: string[] = [];
  const log = console.log;
  console.log = (text: string) => void lines.push(text);
  let js: string;
  try {
    js = compile({ 'main.ts': source }, { plugin: { report: true } }).js['main.ts']!;
  } finally {
    console.log = log;
  }
  const companion = companionOf(js, 'weighted');
  assert.is(count(companion, 'Math.exp('), 1, companion);
  // The exponential is read back; the product with the cheap factor is computed again from it.
  assert.is(count(companion, '= new Float64Array(Math.max'), 1, companion);
  const report = lines.join('\n');
  assert.match(report, /kept per iteration for a later pass, in scratch buffers reused across calls \(1\):\n {4}Math\.exp\(\(x\[i\] - /);
  assert.match(report, /computed again in a later pass, cheaper than keeping \(\d+\):(\n {4}.*)*\n {4}\(\(2 \* x\[i\]\) \+ 1\)/);
  const m = build(source);
  checkAtPoint(m.valueAndGrad, m.weighted, [Float64Array.from([0.2, -0.4, 0.3])], {}, 'weighted');
});

keep('the buffer is reused across calls and grows when a call needs more', () => {
  const source = `${prelude}/** @differentiable */
export function soft(x: Float64Array, scale: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(scale * x[i]!);
  let t = 0;
  for (let i = 0; i < x.length; i++) t += Math.exp(scale * x[i]!) * x[i]!;
  return t / s;
}
`;
  const m = build(source);
  // Longer, shorter, as long, longer again: a buffer too short would drop the stores past its end.
  for (const n of [3, 9, 2, 9, 12, 1]) checkAtPoint(m.valueAndGrad, m.soft, [Float64Array.from({ length: n }, (_, i) => Math.sin(i + n)), 0.7], {}, `soft at ${n}`);
});

keep('merged loops: an element of a map read at one index, whose value holds a maximum over the same loop', () => {
  // The map's loop and the maximum's are one loop: the element at 2 is the map's value with the
  // counter at 2, but the maximum inside it still runs over every iteration (the fuzzer's seed
  // 777001 found the companion's value NaN where the primal's is 2).
  const source = `${prelude}/** @differentiable */
export function f(x: number, xs: Float32Array): number {
  let p = x;
  for (let i = 0; i < xs.length; i++) p = Math.max(p, i * x);
  const out: number[] = new Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    if (p < 1) out[i] = 5;
    else out[i] = p * x;
  }
  return out[2]! + p;
}
`;
  const m = build(source);
  for (const x of [1.5, 0.25, -2]) {
    const xs = Float32Array.from([0.5, -1, 0.1]);
    const [value] = m.valueAndGrad(m.f)(x, xs) as [number];
    assert.is(value, m.f(x, xs));
    checkAtPoint(m.valueAndGrad, m.f, [x, xs], { discrete: [1] }, `f at ${x}`);
  }
});

keep('loop shapes a store must follow: a bound reached at a fraction, a start and step of 3, counting down by 2, a grid, a triangle, arms, a scratch array', () => {
  const source = `${prelude}/** @differentiable */
export function frac(x: Float64Array, n: number): number {
  // non-integer bound reached: i <= n / 2
  let s = 0;
  for (let i = 0; i <= n / 2; i++) s += Math.exp(x[i]! * 0.5);
  let t = 0;
  for (let i = 0; i <= n / 2; i++) t += Math.exp(x[i]! * 0.5) * x[i]!;
  return t / s;
}
/** @differentiable */
export function offset(x: Float64Array): number {
  // start 2, step 3
  let s = 0;
  for (let i = 2; i < x.length; i += 3) s += Math.tanh(x[i]! + x[i - 1]!);
  let t = 1;
  for (let i = 2; i < x.length; i += 3) t += Math.tanh(x[i]! + x[i - 1]!) ** 2 * s;
  return Math.log(t) * s;
}
/** @differentiable */
export function down(x: Float64Array): number {
  let m = -Infinity;
  for (let i = x.length - 1; i >= 2; i -= 2) m = Math.max(m, x[i]!);
  let s = 0;
  for (let i = x.length - 1; i >= 2; i -= 2) s += Math.exp(x[i]! - m) * Math.sin(x[i - 1]!);
  return s * s;
}
/** @differentiable */
export function grid(a: Float64Array, b: Float64Array): number {
  // rectangular nest, a value per (i, j) read by the reverse of an outer pass
  let total = 0;
  for (let i = 1; i < a.length; i++) {
    let row = 0;
    for (let j = 0; j < b.length; j++) row += Math.exp(a[i]! * b[j]! - 1);
    let acc = 0;
    for (let j = 0; j < b.length; j++) acc += Math.log1p(Math.exp(a[i]! * b[j]! - 1) / row);
    total += acc * a[i - 1]!;
  }
  return total;
}
/** @differentiable */
export function triangular(a: Float64Array): number {
  // inner bound depends on the outer counter: no rectangular store
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    let s = 0;
    for (let j = 0; j <= i; j++) s += Math.exp(a[j]! * (i + 1));
    let t = 0;
    for (let j = 0; j <= i; j++) t += Math.exp(a[j]! * (i + 1)) * a[i]!;
    total += t / s;
  }
  return total;
}
/** @differentiable */
export function branchy(x: Float64Array, c: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(-x[i]! * x[i]!);
  let t = 0;
  if (s > c) {
    for (let i = 0; i < x.length; i++) t += Math.exp(-x[i]! * x[i]!) * x[i]!;
  } else {
    for (let i = 0; i < x.length; i++) t -= Math.sqrt(1 + Math.exp(-x[i]! * x[i]!));
  }
  return t * s;
}
/** @differentiable */
export function mapped(w: Float64Array, x: Float64Array): number {
  // scratch array written by one loop, read by twins at offset and in reverse
  const h = new Float64Array(w.length);
  let out = 0;
  for (let n = 0; n < x.length; n++) {
    for (let k = 0; k < w.length; k++) h[k] = Math.tanh(w[k]! * x[n]!);
    let s = 0;
    for (let k = 0; k < w.length; k++) s += h[k]! * h[k]!;
    let u = 0;
    for (let k = 0; k < w.length; k++) u += h[k]! / (1 + s);
    out += u * u;
  }
  return out;
}
`;
  const m = build(source);
  const r = (n: number, s: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s) * 0.9);
  const cases: Record<string, { points: unknown[][]; discrete?: number[] }> = {
    frac: { points: [[r(8, 1), 7], [r(8, 2), 6.5], [r(3, 0.3), 0]], discrete: [1] },
    offset: { points: [[r(11, 1)], [r(3, 2)], [r(2, 1)]] },
    down: { points: [[r(9, 1)], [r(10, 0.5)], [r(3, 1)]] },
    grid: { points: [[r(5, 1), r(4, 2)], [r(2, 1), r(1, 0)]] },
    triangular: { points: [[r(6, 1)], [r(1, 2)]] },
    branchy: { points: [[r(6, 1), 0.5], [r(6, 1), 100]], discrete: [1] },
    mapped: { points: [[r(4, 1), r(3, 2)], [r(1, 1), r(2, 0)]] },
  };
  // Each twice, the second time on the buffers the first left, of another size in between.
  for (const [name, { points, discrete }] of Object.entries(cases)) for (const at of [...points, ...points]) checkAtPoint(m.valueAndGrad, m[name], at, { discrete }, name);
  const js = compile({ 'main.ts': source }, { plugin: {} }).js['main.ts']!;
  for (const name of Object.keys(cases)) assert.ok(/kept\w* = new Float64Array/.test(companionOf(js, name)), `${name} keeps a value`);
});

keep.run();

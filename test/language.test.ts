/**
 * The language the README says is differentiated, construct by construct, as users write it: each
 * program is built in both modes (`build` compares every gradient between them) and checked against
 * 5-point finite differences, and `valueAndGrad`'s value against the primal. Constructs the front end
 * rewrites (desugar.test.ts shows into what) are here checked for what they mean when run.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, coordinates, finiteDifference, type Arg } from './gradcheck.js';
import { build, prelude } from './harness.js';

interface Program {
  readonly source: string;
  readonly points: readonly (readonly Arg[])[];
  /** Other files of the program. */
  readonly files?: Readonly<Record<string, string>>;
  /** The program calls console.log. */
  readonly logs?: boolean;
}

const programs: Record<string, Program> = {
  'try/finally: the finally block runs where the block ends, returns, breaks and continues, nested': {
    source: `function clampedLog(x: number, log: number[]): number {
  try {
    if (x <= 0) return -10;
    return Math.log(x);
  } finally {
    log.push(x);
  }
}
export function f(x: number, y: number): number {
  const log: number[] = [];
  let s = 0;
  for (let i = 0; i < 4; i++) {
    try {
      if (i === 1) continue;
      try {
        s += clampedLog(x * i, log) * y;
        if (s > 50) break;
      } finally {
        s *= 1.5;
      }
    } finally {
      s += y;
    }
  }
  try {
    if (s > 3) return s * x;
  } finally {
    s = -1;
  }
  return s + log.length;
}`,
    points: [[0.7, 1.3], [2.5, 0.4], [1.2, 9]],
  },
  // Names of the standard library are told from the file's own per name (\`desugar.ts\`'s isGlobal):
  // a helper's own \`Math\` must stay its own while the marked function's is the library's.
  "a helper's own Math beside the library's": {
    source: `function tripled(x: number): number {
  const Math = { PI: 3 };
  return Math.PI * x;
}
export function f(x: number): number {
  return Math.sin(x) * Math.PI + tripled(x * x);
}`,
    points: [[0.7], [-1.3]],
  },
  'functions made by factories: two springs from one factory, an arrow factory, called in a loop': {
    source: `function makeSpring(k: number, rest: number) {
  const half = 0.5 * k;
  return (a: number, b: number) => half * (Math.abs(b - a) - rest) ** 2;
}
const makeDecay = (rate: number) => (t: number) => Math.exp(-rate * t);
function makeLoss(target: number, weight = 2) {
  if (weight < 0) throw new RangeError('weight must not be negative');
  return function (y: number): number {
    const d = y - target;
    return weight * d * d;
  };
}
export function f(x: number, y: number, k: number): number {
  const spring = makeSpring(k, 1);
  const stiff = makeSpring(2 * k, 0.5);
  const decay = makeDecay(k);
  const loss = makeLoss(y * y);
  let s = 0;
  for (let i = 0; i < 3; i++) s += decay(i * x);
  k = 100;
  return spring(x, y) + stiff(y, x * x) + s + loss(x) + makeDecay(x)(y);
}`,
    points: [[0.3, 1.7, 2], [-0.4, 0.2, 0.7]],
  },
  'functions made by factories given to helpers: an integrand for Simpson\'s rule, passed on, made in the call': {
    source: `function makeIntegrand(k: number, shift: number) {
  return (t: number) => Math.exp(-k * t) * (t + shift);
}
function simpson(f: (t: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 0 ? 2 : 4) * f(a + i * h);
  return (s * h) / 3;
}
function twice(g: (t: number) => number, t: number): number {
  return simpson(g, 0, t, 4) + g(t);
}
export function f(k: number, x: number): number {
  const integrand = makeIntegrand(k, x);
  return simpson(integrand, 0, 1, 8) + simpson(makeIntegrand(2 * k, 0), 0, x, 6) + twice(integrand, x);
}`,
    points: [[0.7, 1.3], [-0.2, 0.5]],
  },
  'functions made by factories as callbacks of array methods, named and given to a helper': {
    source: `function makeScale(k: number) {
  return (v: number) => k * v * v;
}
function total(xs: number[], f: (v: number) => number): number {
  return xs.map(f).reduce((s, v) => s + v, 0);
}
export function f(xs: number[], k: number): number {
  const sq = makeScale(k);
  return xs.map(sq).reduce((s, v) => s + v, 0) + xs.reduce((s, v) => s + sq(v), 0) + total(xs, makeScale(2 * k));
}`,
    points: [[[1, 2, 0.5], 0.7], [[-0.3, 1.1], 2]],
  },
  'rest parameters and spread arguments: a point spread into a helper, varargs helpers, Math.max over a spread': {
    source: `function norm3(x: number, y: number, z: number): number {
  return Math.sqrt(x * x + y * y + z * z);
}
function sumSquares(...xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x * x;
  return s;
}
function scaledSum(w: number, ...xs: number[]): number {
  return w * xs.reduce((a, b) => a + b, 0);
}
export function f(x: number, y: number, z: number): number {
  const p: [number, number, number] = [x, y, z];
  const m = Math.max(0, ...p, x * y);
  return norm3(...p) + sumSquares(x, y, x * z) + scaledSum(x, ...p) + scaledSum(y, z, ...p) + scaledSum(2, x, y) + m + sumSquares();
}`,
    points: [[0.5, -1.5, 2], [1.25, 0.7, -0.4]],
  },
  'filter, find, findIndex, indexOf and includes: a trimmed mean and a threshold': {
    source: `export function f(xs: number[], mu: number): number {
  const inliers = xs.filter((x) => Math.abs(x - mu) < 2);
  const mean = inliers.reduce((s, x) => s + x, 0) / inliers.length;
  const firstAbove = xs.find((x) => x > mu) ?? mu;
  const negative = xs.findIndex((x) => x < 0);
  const twos = xs.indexOf(2) + xs.lastIndexOf(2);
  const flagged = xs.includes(NaN) || xs.includes(mu) ? 1 : 0;
  return (mean - mu) ** 2 + firstAbove * mu + negative + twos + flagged;
}`,
    points: [
      [[1, -2, 2, 3.25, 0.5, 2], 1.5],
      [[0.3, 0.1, 0.2], 0.25],
    ],
  },
  'concat, pop, shift and reverse: a window of recent values': {
    source: `export function f(history: number[], x: number): number {
  const window = history.concat([x, x * x], 2 * x);
  const newest = window.pop()!;
  const oldest = window.shift()!;
  window.reverse();
  let s = 0;
  for (let k = 0; k < window.length; k++) s += window[k]! / (k + 1);
  const empty: number[] = [];
  const none = empty.pop();
  return s + newest * oldest + (none ?? 1) + window.length;
}`,
    points: [
      [[1, -2, 0.5], 0.7],
      [[3], -1.2],
    ],
  },
  'subarray views of a parameter and of a local typed array, written through': {
    source: `export function f(xs: Float64Array, t: number): number {
  const head = xs.subarray(0, 2);
  const tail = xs.subarray(-2);
  const w = new Float64Array(xs.length);
  const middle = w.subarray(1, -1);
  for (let k = 0; k < middle.length; k++) middle[k] = xs[k]! * t;
  let s = 0;
  for (const v of head) s += v * v;
  for (let k = 0; k < tail.length; k++) s += tail[k]! * t;
  for (const v of w) s += Math.sin(v);
  return s + xs.filter((x) => x > t).reduce((a, v) => a + v * v, 0);
}`,
    points: [
      [Float64Array.from([1, -2, 2, 3.5, 0.5]), 1.5],
      [Float64Array.from([0.2, 0.4]), -0.3],
    ],
  },
  'reads past the end of an array are undefined: ?? gives the default there, at a run-time index': {
    source: `export function f(xs: number[], w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i + 1] ?? 2) * xs[i]! + (w[i] === undefined ? 1 : w[i]!) * xs[i]!;
  return s;
}`,
    points: [
      [[1, 2, 3], Float64Array.from([0.5, -1])],
      [[0.3, -0.7], Float64Array.from([2, 1, 4])],
    ],
  },
  'var declarations, hoisted, and a let declared without a value': {
    source: `export function f(x: number, y: number): number {
  let h;
  if (x > 0) h = x * y;
  else h = -x;
  var acc: number | undefined;
  for (var i = 0; i < 3; i++) acc = (acc ?? 0) + h * i;
  return acc! + i;
}`,
    points: [[0.7, 1.3], [-0.4, 2]],
  },
  'destructuring of arrays and objects, with defaults, into locals and in assignments': {
    source: `export function f(x: number, y: number): number {
  const [a, b = 2] = [x * y];
  const { p, q: r = 3 } = { p: x + y } as { p: number; q?: number };
  let u = 0;
  let v = 0;
  [u, v] = [b * a, p * r];
  ({ u } = { u: u + v });
  return u * v + a;
}`,
    points: [[0.7, 1.3], [-1.1, 0.4]],
  },
  'switch: cases that return, fall through, break, a default in the middle, and continue in a loop': {
    source: `export function f(x: number, k: number, w: Float64Array): number {
  let s = 0;
  switch (k) {
    case 2:
      s += x * x;
    case 1:
      s += Math.sin(x);
      break;
    default:
      s = -x;
    case 3:
      s *= 2;
      break;
    case 4:
      return Math.exp(x);
  }
  for (let i = 0; i < w.length; i++) {
    const kind: string = i % 3 === 0 ? 'l1' : i % 3 === 1 ? 'l2' : 'skip';
    switch (kind) {
      case 'l1':
        s += Math.abs(w[i]! - x);
        break;
      case 'l2': {
        const d = w[i]! - x;
        s += d * d;
        break;
      }
      case 'skip':
        continue;
    }
    s *= 1.01;
  }
  return s;
}`,
    points: [
      [0.7, 2, [0.5, -1.5, 2, 0.25]],
      [0.7, 1, [0.5, -1.5, 2]],
      [-0.3, 0, [1.25]],
      [0.4, 3, [0.5, 0.1]],
      [0.4, 4, [0.5]],
    ],
  },
  '++ and -- as values, on variables, elements and fields, and assignments as values': {
    source: `export function f(x: number): number {
  const xs = [x, 2 * x, x * x];
  let i = 0;
  const first = xs[i++]! * xs[i++]!;
  const o = { n: x };
  const before = o.n++;
  let y = x;
  const z = --y;
  let w;
  const t = (w = z * 2) + w;
  return first + before * o.n + z * y + t + xs[--i]!;
}`,
    points: [[0.6], [1.7]],
  },
  '?? and || as number selectors, with their right sides run only when needed': {
    source: `const options: { scale?: number; shift?: number } = { shift: 0.5 };
function bump(a: number[]): number {
  a[0] = a[0]! + 1;
  return a[0]!;
}
export function f(x: number): number {
  const a = [x];
  const s = (options.scale ?? 2) * x + (options.shift ?? 7);
  const t = (x > 1 && bump(a)) || 3;
  return s * t * a[0]!;
}`,
    points: [[0.5], [1.5]],
  },
  'labelled break and continue out of nested loops': {
    source: `export function f(x: number, xs: number[]): number {
  let s = 0;
  outer: for (let i = 0; i < xs.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      if (j > i) continue outer;
      if (xs[i]! * xs[j]! > 4) break outer;
      s += xs[i]! * xs[j]! * x;
    }
  }
  return s;
}`,
    points: [[0.8, [0.5, -1.2, 1.7, 0.3]], [1.3, [2.5, 1.9, 0.2]]],
  },
  'for...of over a local array and over a parameter, with break and continue': {
    source: `export function f(x: number, xs: Float64Array): number {
  let s = 0;
  for (const v of [x, 2 * x, x * x]) {
    if (v > 3) break;
    s += v;
  }
  for (const v of xs) {
    if (v < 0) continue;
    s += Math.sin(v * x);
  }
  return s;
}`,
    points: [[0.7, Float64Array.from([0.5, -0.2, 1.1])], [1.9, Float64Array.from([0.3, 0.4])]],
  },
  'copies of arrays, slice, and setting the length of a plain array': {
    source: `export function f(xs: number[], y: number): number {
  const a = [xs[0]! * y, xs[1]!, y];
  const b = a.slice(1);
  const c = Float64Array.from(a);
  const d = new Float64Array(a);
  a.length = 2;
  a.push(y * y);
  return b[0]! * c[2]! + d[0]! + a[2]! + a.length;
}`,
    points: [[[0.5, 1.5], 0.7], [[-1.2, 0.3], 2]],
  },
  'a string option compared in a helper, and a console call': {
    // The harness compiles without lib.dom or @types/node, so console is declared as they declare it.
    files: { 'console.d.ts': 'declare const console: { log(...data: unknown[]): void };\n' },
    source: `function activate(u: number, kind: string): number {
  if (kind === 'tanh') return Math.tanh(u);
  return u > 0 ? u : 0.01 * u;
}
export function f(x: number, y: number): number {
  console.log('f at', x, y);
  return activate(x * y, 'tanh') + activate(x - y, 'leaky');
}`,
    points: [[0.7, 1.3], [-0.4, 0.9]],
    logs: true,
  },
  'constants of other modules, folded, and helpers imported from them': {
    files: {
      'physics.ts': `export const G = 9.81;
const HALF = 0.5;
export function drop(t: number): number {
  return HALF * G * t * t;
}
`,
    },
    source: `import { G, drop } from './physics.js';
export function f(t: number, v: number): number {
  return v * t - drop(t) + G * 0.1;
}`,
    points: [[0.7, 3], [1.4, -2]],
  },
  'a helper whose default applies when given undefined, with a destructured parameter': {
    source: `interface Point { x: number; y: number }
function scaled({ x, y }: Point, k = 2): number {
  return k * (x * x + y);
}
export function f(a: number, b: number): number {
  const none: number | undefined = a > 10 ? a : undefined;
  return scaled({ x: a, y: b }) + scaled({ x: b, y: a }, none) + scaled({ x: a, y: a }, 3);
}`,
    points: [[0.7, 1.3], [-1.5, 0.2]],
  },
  'a helper that changes the array it is given, and a closure reading the enclosing variables': {
    source: `function accumulate(into: number[], v: number): void {
  into[0] = into[0]! + v;
  into[1] = into[1]! * v;
}
export function f(x: number, y: number): number {
  const acc = [0, 1];
  const k = x * y;
  const term = (u: number): number => k * u + x;
  accumulate(acc, term(2));
  accumulate(acc, term(y));
  return acc[0]! + acc[1]!;
}`,
    points: [[0.7, 1.3], [-0.4, 2.1]],
  },
  'methods called on an object built in the function and on this': {
    source: `class Spring {
  constructor(readonly k: number) {}
  energy(d: number): number {
    return 0.5 * this.k * d * d;
  }
}
const spring = new Spring(3);
export function f(x: number, y: number): number {
  return spring.energy(x - y) + spring.energy(x * y);
}`,
    points: [[0.7, 1.3], [-0.4, 2.1]],
  },
  'a constant loop past the unrolling budget, and a map over a length known at run time': {
    source: `export function f(x: number, xs: Float64Array): number {
  let y = x;
  for (let i = 0; i < 200; i++) y = y * 0.99 + 0.01 * Math.sin(x + i);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.tanh(xs[i]! * y);
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i]! * out[i]!;
  return s;
}`,
    points: [[0.7, Float64Array.from([0.5, -0.2, 1.1])]],
  },
  'array methods with callbacks written inline or named: reduce, map, forEach changing a total, some, every': {
    source: `function square(v: number): number {
  return v * v;
}
export function f(xs: Float64Array, w: number): number {
  const s = xs.reduce((acc, v, i) => acc + w * v * v + i * 0.1, 0);
  const ys = xs.map((v) => Math.tanh(w * v));
  let t = 0;
  ys.forEach((y, i) => {
    if (y < -0.9) return;
    t += y * (i + 1);
  });
  const big = xs.some((v) => v > 1);
  const positive = xs.every((v) => v > 0);
  const q = xs.map(square).reduce((a, b) => a + b, 0);
  return s + t + (big ? q : 2 * q) + (positive ? w : -w);
}`,
    points: [[Float64Array.from([0.5, -1.2, 2]), 0.7], [Float64Array.from([0.5, 0.2, 0.3]), -1.3], [Float64Array.from([-3, 0.25]), 0.4]],
  },
  "defaults computed from constants: Math's, the module's": {
    source: `const STIFFNESS = 3;
export function f(x: number, period = 2 * Math.PI, k = STIFFNESS / 4 + Math.sqrt(2)): number {
  return k * Math.sin((2 * Math.PI * x) / period) ** 2;
}`,
    points: [[0.7], [0.7, 3], [-0.4, 5, 0.5]],
  },
  'Array.from({ length: n }, fn), Float64Array.from(xs, fn) and a spread copy [...xs]': {
    source: `export function f(xs: Float64Array, w: number): number {
  const squares = Array.from({ length: xs.length + 1 }, (_, i) => (i + 1) * w * w);
  const scaled = Float64Array.from(xs, (v, i) => v * w + i);
  const copy = [...scaled];
  let s = 0;
  for (let i = 0; i < squares.length; i++) s += squares[i]!;
  for (let i = 0; i < copy.length; i++) s += Math.sin(copy[i]!);
  return s;
}`,
    points: [[Float64Array.from([0.5, 1.5]), 0.7], [Float64Array.from([-1, 0.25, 2]), -0.3]],
  },
  'Math.max(...xs) and Math.min(...xs), a log-sum-exp with map and reduce, and reduceRight as Horner': {
    source: `export function f(z: number[], x: number): number {
  const m = Math.max(...z);
  const lse = Math.log(z.map((v) => Math.exp(v - m)).reduce((a, b) => a + b, 0)) + m;
  const poly = z.reduceRight((acc, c) => acc * x + c, 0);
  const local = [x, 2 * x, x * x].map((v, i) => v * (i + 1)).reduce((a, v) => a + v, 0);
  return lse + poly + Math.min(...z) * x + local;
}`,
    points: [[[0.3, -1.1, 2.2], 0.8], [[5, 5.5], -0.4]],
  },
  'functions as values: a quadrature helper given an arrow over the variables around it, a function passed on through two helpers, a const arrow named, an IIFE': {
    source: `function simpson(f: (t: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 0 ? 2 : 4) * f(a + i * h);
  return (s * h) / 3;
}
function twice(g: (t: number) => number, x: number): number {
  return g(g(x));
}
function applyAll(h: (t: number) => number, x: number): number {
  return twice(h, x) + simpson(h, 0, x, 8);
}
const cube = (t: number): number => t * t * t;
export function f(w: number, x: number): number {
  const area = simpson((t) => Math.sin(w * t), 0, x, 16);
  const iife = (() => {
    const k = w * 2;
    return k * k;
  })();
  return area + twice(cube, w) + applyAll((t) => w * t, x) + iife;
}`,
    points: [[0.7, 1.3], [-0.4, 2.2]],
  },
};

const language = suite('the language the README lists');

const names = Object.keys(programs);
for (const name of names) {
  language(name, () => {
    const p = programs[name]!;
    // The mark goes on f, whatever the program declares before it.
    const source = p.source.replace('export function f(', '/** @differentiable */\nexport function f(');
    const m = build({ 'main.ts': `${prelude}${source}\n`, ...(p.files ?? {}) });
    const f = m.f as (...a: Arg[]) => number;
    // What the programs log is counted, not printed.
    const log = console.log;
    let logged = 0;
    console.log = () => void logged++;
    try {
      for (const at of p.points) {
        const [value, gradient] = m.valueAndGrad(f)(...at) as [number, unknown[]];
        assertClose(value, f(...at), `${name}: value`, 1e-12, 1e-12);
        const c = coordinates(at);
        for (let k = 0; k < c.count; k++) {
          const [i, j] = c.slot(k);
          const g = gradient[i];
          const got = j === undefined ? (g as number) : (g as Float64Array)[j]!;
          const along = (...v: number[]) => f(...c.with(k, v[0]!));
          assertClose(got, finiteDifference(along, [c.get(k)], 0), `${name}: ∂/∂(${i}${j === undefined ? '' : `[${j}]`}) at ${JSON.stringify(at.map((a) => (typeof a === 'number' ? a : Array.from(a))))}`);
        }
      }
    } finally {
      console.log = log;
    }
    if (p.logs === true) assert.ok(logged > 0, `${name}: the primal logs`);
  });
}

language('a factory\'s argument check throws where the factory is called, the made function unused, in both modes', () => {
  const source = `${prelude}function makeLoss(target: number, weight: number) {
  if (weight < 0) throw new RangeError('weight must not be negative');
  return (y: number) => weight * (y - target) ** 2;
}
/** @differentiable */
export function f(x: number, w: number): number {
  const loss = makeLoss(1, w);
  return x < 0 ? loss(x) : 2 * x;
}
`;
  for (const plugin of [{}, { mode: 'fine' as const }]) {
    const m = build(source, { plugin });
    assert.throws(() => m.f(1, -1), /weight must not be negative/);
    assert.throws(() => m.grad(m.f)(1, -1), (e: Error) => e instanceof RangeError && /weight must not be negative/.test(e.message));
    assert.equal(m.grad(m.f)(1, 2), [2, 0]);
  }
});

language.run();

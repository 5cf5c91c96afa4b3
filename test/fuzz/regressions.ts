/**
 * Programs the fuzzer found failing, shrunk: each is a regression test in `../fuzz.test.ts`, which
 * checks it with every oracle of `check.ts` (not only the one it failed). `npm run fuzz` writes new
 * entries, ready to paste, to test/fuzz/found/<seed>-<index>.ts.
 *
 * `known` describes a bug that the code as checked out still has: such an entry fails until the bug
 * is fixed, and then stays as a regression test, its `known` line renamed `fixed`.
 */
import type { ParamKind } from './ast.js';
import { checkBatch, type CaseSpec, type Failure } from './check.js';
import type { PointValue } from './generate.js';

export interface Regression {
  name: string;
  /** The oracle it failed when found. */
  oracle: string;
  /** The bug, while it is not fixed. */
  known?: string;
  /** The bug it found, since fixed. */
  fixed?: string;
  id: string;
  call: CaseSpec['call'];
  kinds: ParamKind[];
  points: PointValue[][];
  source: string;
}

/** Every failure (refusals included) of a regression program, checked alone in all builds. */
export function checkRegression(r: Regression): { failures: Failure[]; text: string[] } {
  const [result] = checkBatch([{ id: r.id, source: r.source, call: r.call, kinds: r.kinds, points: r.points }]);
  const failures = [
    ...result!.failures,
    ...result!.generatorErrors.map((message) => ({ oracle: 'generator', message })),
    ...result!.refusals.map((f) => ({ oracle: `refused:${f.mode}`, message: `TS${f.code}: ${f.message}` })),
  ];
  return { failures, text: failures.map((f) => `${f.oracle}: ${f.message}`) };
}

export const regressions: Regression[] = [
  {
    name: "seed 3, program 91",
    oracle: "throw:fine",
    fixed: "fine mode: a companion throws \"Assignment to constant variable\" when the function assigns to a number parameter",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
/** @differentiable */
export function f(x: number): number {
  x += 1;
  return 1;
}
`,
  },
  {
    name: "seed 2, program 15",
    oracle: "throw:coarse",
    fixed: "both modes: `y--` on a number parameter makes the companion throw \"Assignment to constant variable\" (in the coarse mode once the function goes to the operation tape, as the statement `1;` makes it)",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
/** @differentiable */
export function f(y: number): number {
  y--;
  1;
  return 1;
}
`,
  },
  {
    name: "seed 2, program 0",
    oracle: "internal:fine",
    fixed: "both modes: TS95999 \"'h1' is assigned an active value but the analysis found it constant\" for `let h;` declared without a type and assigned later",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
/** @differentiable */
export function f(x: number): number {
  let h1;
  h1 = x;
  return 0;
}
`,
  },
  {
    name: "seed 1, program 3",
    oracle: "internal:fine",
    fixed: "fine mode: TS95999 \"'b3' holds an active value but the analysis found it constant\" for a local arrow that reads a parameter of the enclosing marked function",
    id: 'f',
    call: 'fn',
    kinds: ["num", "num"],
    points: [[1, 1]],
    source: `
export const f = differentiable((x: number, y: number): number => {
  const g1 = (u2: number): number => {
    const b3 = x;
    return y;
  };
  let p4 = g1(x);
  return x;
});
`,
  },
  {
    name: "seed 3, program 69",
    oracle: "internal:fine",
    fixed: "both modes: TS95999 \"an active value returned where the analysis found none\" for a helper returning an object whose result is not used",
    id: 'f',
    call: 'fn',
    kinds: [],
    points: [[]],
    source: `
interface f_V { x: number; y: number }
function f_h1(u: number, v: number = 0.5): f_V {
  return { x: v, y: 2 };
}
/** @differentiable */
export function f(): number {
  const o1 = f_h1(0);
  return 1;
}
`,
  },
  {
    name: "seed 2, program 11",
    oracle: "internal:coarse",
    fixed: "both modes: TS95999 \"an active value returned where the analysis found none\" for a helper, called as a statement, that builds an object",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
interface f_V { x: number; y: number }
function f_h1(u: number): number {
  const o4: f_V = { y: u, x: u };
  return o4.x;
}
/** @differentiable */
export function f(x: number): number {
  f_h1(1);
  return x;
}
`,
  },
  {
    name: "seed 2, program 33",
    oracle: "parse:coarse",
    fixed: "both modes: `(-1) ** 2` is emitted as `-1 ** 2`, a syntax error, so the whole module does not load",
    id: 'f',
    call: 'fn',
    kinds: [],
    points: [[]],
    source: `
export const f = differentiable((): number => {
  let p7 = (-1) ** 2;
  return p7;
});
`,
  },
  {
    name: "seed 6, program 530",
    oracle: "parse:coarse",
    fixed: "coarse mode: the closed form of `s -= s + s` in a loop is emitted with a unary minus before `**` unparenthesised, a syntax error",
    id: 'f',
    call: 'fn',
    kinds: ["int"],
    points: [[3]],
    source: `
export const f = differentiable((k: Int): number => {
  let s1 = 0;
  for (let i = 0; i < k; i++) {
    s1 -= s1 + s1;
  }
  return s1;
});
`,
  },
  {
    name: "seed 2, program 17",
    oracle: "fd:both",
    fixed: "both modes: a postfix decrement used as a value (`x * s3--`) is differentiated as if it were the decremented value (the fine mode always; the coarse mode on the operation tape, where `1;` sends the function)",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
export const f = differentiable((x: number): number => {
  let s3 = 0;
  1;
  return x * s3--;
});
`,
  },
  {
    name: "seed 3, program 12",
    oracle: "fd:both",
    fixed: "both modes: `xs[j++]` reads the element after the one JavaScript reads (the gradient goes to xs[1], the value is wrong)",
    id: 'f',
    call: 'fn',
    kinds: ["f64"],
    points: [[[-1.40625]]],
    source: `
/** @differentiable */
export function f(xs: Float64Array): number {
  let j2 = 0;
  const z3 = xs[j2++];
  return z3;
}
`,
  },
  {
    name: "seed 3, program 153",
    oracle: "value:fine",
    fixed: "fine mode: `return s7++` returns the incremented value (valueAndGrad gives 1, the function 0)",
    id: 'f',
    call: 'fn',
    kinds: [],
    points: [[]],
    source: `
/** @differentiable */
export function f(): number {
  let s7 = 0;
  return s7++;
}
`,
  },
  {
    name: "seed 3, program 85",
    oracle: "fd:fine",
    fixed: "fine mode: `p3 = Math.tanh(p3++)` differentiates tanh at the incremented value",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
/** @differentiable */
export function f(x: number): number {
  let p3 = x;
  p3 = Math.tanh(p3++);
  return p3;
}
`,
  },
  {
    name: "seed 3, program 7",
    oracle: "value:coarse",
    fixed: "both modes: `s += ++s` reads s after the increment (valueAndGrad gives 2, JavaScript 1; the coarse mode on the operation tape, where `1;` sends the function)",
    id: 'f',
    call: 'fn',
    kinds: [],
    points: [[]],
    source: `
/** @differentiable */
export function f(): number {
  1;
  let s11 = 0;
  s11 += ++s11;
  return s11;
}
`,
  },
  {
    name: "seed 5, program 97",
    oracle: "fd:coarse",
    fixed: "coarse mode: the closed form of the affine recurrence `s = s * y + 1` over a parameter array gives d/dy 2 instead of 3 (with an early return before the loop)",
    id: 'f',
    call: 'fn',
    kinds: ["num", "num", "f64"],
    points: [[1, 0.5, [-0.359375, -1.125]]],
    source: `
/** @differentiable */
export function f(x: number, y: number, xs: Float64Array): number {
  if (x < x) {
    return y;
  }
  let s4 = 0;
  for (let i = 0; i < xs.length; i++) {
    s4 = (s4 * y) + 1;
  }
  return s4 * s4;
}
`,
  },
  {
    name: "seed 6, program 343",
    oracle: "nonfinite:coarse",
    fixed: "coarse mode: the closed form of `m = m * z + 1` gives NaN for d/dz at z = 0 (finite differences: 1)",
    id: 'f',
    call: 'fn',
    kinds: ["num", "f64"],
    points: [[0, [-1.015625]]],
    source: `
/** @differentiable */
export function f(z: number, xs: Float64Array): number {
  let m3 = 1;
  for (let i = 0; i < xs.length; i++) {
    m3 = (m3 * z) + 1;
  }
  return m3;
}
`,
  },
  {
    name: "seed 6, program 614",
    oracle: "fd:coarse",
    fixed: "coarse mode: a sum over an array inside a loop that is a recurrence (`g += xs[j] + i; w -= g`) sends one step's adjoint to xs instead of k steps' (-1 instead of -5)",
    id: 'f',
    call: 'fn',
    kinds: ["int", "arr", "num"],
    points: [[5, [0.921875], 1]],
    source: `
export const f = differentiable((k: Int, xs: number[], y: number): number => {
  let w1 = y;
  for (let i = 0; i < k; i++) {
    let g2 = 0;
    for (let j = 0; j < xs.length; j++) {
      g2 += xs[j]! + i;
    }
    w1 -= g2;
  }
  return w1;
});
`,
  },
  {
    name: "seed 5, program 59",
    oracle: "fd:coarse",
    fixed: "coarse mode: a sum of xs[j] * xs[i] (i a local 0) before a branch on a parameter: wrong d/dxs[0]",
    id: 'f',
    call: 'fn',
    kinds: ["num", "num", "f64"],
    points: [[1, 1, [-0.109375, 0.890625]]],
    source: `
/** @differentiable */
export function f(x: number, y: number, xs: Float64Array): number {
  let w5 = 0;
  let i = 0;
  let g6 = 0;
  for (let j = 0; j < xs.length; j++) {
    g6 += (xs[j] * xs[i]) + x;
  }
  w5 -= Math.tanh(g6);
  if (!x) {
    return y;
  }
  return w5;
}
`,
  },
  {
    name: "seed 6, program 139",
    oracle: "internal:coarse",
    fixed: "coarse mode: TS95999 ScheduleCycle \"the passes over its loops depend on each other in a cycle\": a sum, then a loop over an array of length k adding that sum",
    id: 'f',
    call: 'fn',
    kinds: ["num", "f64", "int"],
    points: [[1, [1.15625], 3]],
    source: `
/** @differentiable */
export function f(x: number, ys: Float64Array, k: Int): number {
  let s3 = 0;
  for (let i = 0; i < ys.length; i += 2) {
    s3 += x;
  }
  const out4: number[] = new Array(k).fill(0);
  let p5 = 1;
  for (let i = 0; i < out4.length; i++) {
    p5 += s3;
  }
  return p5;
}
`,
  },
  {
    name: "seed 6, program 285",
    oracle: "grad-vs-vag:coarse",
    fixed: "coarse mode: grad and valueAndGrad disagree (0.00987 vs 0.41997, the right one) for a map of length k summed by a later loop",
    id: 'f',
    call: 'fn',
    kinds: ["num", "int"],
    points: [[1, 3]],
    source: `
export const f = differentiable((x: number, k: Int): number => {
  const out3 = new Float64Array(k);
  let i = 0;
  out3[i] = x;
  const out5 = new Float64Array(out3.length);
  let s6 = 0;
  for (let i = 0; i < out5.length; i++) {
    s6 = s6 + out3[i]!;
  }
  return Math.tanh(s6);
});
`,
  },
  {
    name: "seed 6, program 391",
    oracle: "shape:coarse",
    fixed: "coarse mode: a plain number used only as a trip count (the length of an array a loop runs over) gets a nonzero derivative (-21.49) from the closed form of an affine recurrence",
    id: 'f',
    call: 'fn',
    kinds: ["count"],
    points: [[5]],
    source: `
/** @differentiable */
export function f(n: number): number {
  const out6: number[] = new Array(n);
  let m7 = 2;
  for (let i = out6.length - 1; i >= 0; i--) {
    m7 = (2 * m7) + 1;
  }
  return m7;
}
`,
  },
  {
    name: "seed 6, program 162",
    oracle: "nonfinite:coarse",
    fixed: "coarse mode: NaN in d/dxs[0] for a helper keeping a maximum, called in a loop over n (finite differences: -0.024)",
    id: 'f',
    call: 'fn',
    kinds: ["count", "f32", "num"],
    points: [[4, [0.5625], 1]],
    source: `
function f_h1(a: Float32Array, u: number = 2): number {
  let p6 = 0;
  for (const v7 of a) {
    p6 = Math.max(p6, 0);
    p6 += v7;
  }
  return p6;
}
/** @differentiable */
export function f(n: number, xs: Float32Array, y: number): number {
  let m5 = y;
  for (let i = 0; i < n; i++) {
    m5 += f_h1(xs);
  }
  let w12 = 0;
  let g13 = 0;
  g13 += m5;
  w12 -= Math.tanh(g13);
  return w12;
}
`,
  },
  {
    name: "seed 3, program 123",
    oracle: "nonfinite:fine",
    fixed: "fine mode: an unused value with an infinite partial (Math.cbrt at 0, in an object field never read) makes the gradient NaN; the coarse mode gives 0",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
interface f_V { x: number; y: number }
const f_h1 = (u: number, v: number = 0.5): f_V => ({ y: Math.cbrt(u), x: u });
/** @differentiable */
export function f(y: number): number {
  const o2 = f_h1(1 - y, 0);
  return 0 * y;
}
`,
  },
  {
    name: "seed 6, program 250",
    oracle: "cmp",
    fixed: "the modes disagree at a singular point: Math.cbrt(x) at x = 0 in a loop over k gives Infinity in the coarse mode, NaN in the fine one",
    id: 'f',
    call: 'fn',
    kinds: ["num", "int"],
    points: [[0, 2]],
    source: `
export const f = differentiable((x: number, k: Int): number => {
  let b1: number = 3;
  for (let i = 0; i < k; i++) {
    b1 = Math.cbrt(x);
  }
  return b1;
});
`,
  },
  {
    name: 'seed 12, program 61',
    oracle: 'grad-vs-vag:coarse',
    fixed: "coarse mode: the gradient-only companion (grad) differs from valueAndGrad's, which is right, for `(Math.hypot(1, x) % 2) ** 2` (0.586 vs 2)",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
/** @differentiable */
export function f(x: number): number {
  const c9 = Math.hypot(1, x) % 2;
  return c9 * c9;
}
`,
  },
  {
    name: 'seed 12, program 267',
    oracle: 'fd:coarse',
    fixed: "coarse mode: an early return on a parameter before a sum over an array that is a polynomial in x (`g += ys[j] * x + 1`) gives a wrong d/dx (2.056 vs 2.561); probably the cause of the other early-return entries",
    id: 'f',
    call: 'fn',
    kinds: ["num", "f32", "num", "f64"],
    points: [[1, [-0.078125, -0.625], 1, [-0.40625, -1.296875]]],
    source: `
/** @differentiable */
export function f(x: number, xs: Float32Array, y: number, ys: Float64Array): number {
  if (!y) {
    return 0;
  }
  let w11 = x;
  let g12 = 0;
  for (let j = 0; j < xs.length; j++) {
    g12 += (ys[j] * x) + 1;
  }
  w11 -= Math.tanh(g12);
  return w11;
}
`,
  },
  {
    name: 'seed 12, program 687',
    oracle: 'internal:coarse',
    fixed: "coarse mode: TS95999 \"coarsegrad emit: (y * (s9@loop1 ** \u2026)) is read in root but computed in root/loop0\" for an affine recurrence whose coefficient is a helper with a loop of its own",
    id: 'f',
    call: 'fn',
    kinds: ["num", "f32"],
    points: [[1, [-1.4375]]],
    source: `
function f_h2(a: Float32Array, u: number = 0.5): number {
  let s9 = 0;
  for (let i = 0; i < a.length; i++) {
    if (s9) {
    } else {
      s9 += u;
    }
  }
  return s9;
}
/** @differentiable */
export function f(y: number, xs: Float32Array): number {
  let a5 = y;
  for (let i = 0; i < xs.length; i++) {
    a5 = a5 * f_h2(xs, y);
  }
  return a5;
}
`,
  },
  {
    name: 'seed 11, program 118',
    oracle: 'internal:coarse',
    fixed: "coarse mode: TS95999 \"coarsegrad emit: \u2026 is read in root but computed in root/loop0/loop2\" for a maximum of a helper's results inside a do loop",
    id: 'f',
    call: 'fn',
    kinds: ["num", "roarr", "roarr"],
    points: [[1, [-0.8125], [0.015625]]],
    source: `
const f_h1 = (a: readonly number[], u: number = 2): number => {
  let p1 = 1;
  let m2 = 0;
  for (let i = 0; i < a.length; i++) {
    m2 += p1;
    p1 += 0;
  }
  return p1;
};
/** @differentiable */
export function f(x: number, xs: readonly number[], ys: readonly number[]): number {
  let c6 = 0;
  do {
    c6++;
    let s16 = 0;
    for (let j = 1; j < ys.length; j++) {
      const e17 = f_h1(ys, 1);
      if (e17 > s16) {
        s16 = e17;
      }
    }
    x += s16;
  } while (c6 < 2);
  const o29 = { x: 1, y: Math.pow(x, xs[1]) };
  return o29.y;
}
`,
  },
  {
    name: 'seed 11, program 1267',
    oracle: 'internal:coarse',
    fixed: "coarse mode: TS95999 \"TypeError: Cannot read properties of undefined (reading 'kind')\" (a crash) for a `return` inside a `do` loop inside a loop",
    id: 'f',
    call: 'fn',
    kinds: [],
    points: [[]],
    source: `
/** @differentiable */
export function f(): number {
  let c7 = 0;
  do {
    let c8 = 0;
    do {
      return 1;
    } while (c8 < 4);
  } while (c7 < 2);
}
`,
  },
  {
    name: 'seed 12, program 2513',
    oracle: 'grad-vs-vag:coarse',
    fixed: "coarse mode: grad gives 4, valueAndGrad 2 (right) for a map written at one constant index whose last element a later loop keeps",
    id: 'f',
    call: 'fn',
    kinds: ["arr", "num"],
    points: [[[-1.390625, -0.5625], 1]],
    source: `
/** @differentiable */
export function f(ys: number[], y: number): number {
  const out1 = new Float64Array(ys.length);
  out1[1] = y;
  let s6 = 0;
  for (let i = 0; i < ys.length; i++) {
    const c7 = out1[i];
    s6 = c7;
  }
  return s6 * s6;
}
`,
  },
  {
    name: 'seed 12, program 128',
    oracle: 'internal:coarse',
    fixed: "coarse mode: TS95999 ScheduleCycle for a loop whose state is a recurrence of sums (gradient descent) followed by `new Array(4).fill(0)`",
    id: 'f',
    call: 'fn',
    kinds: ["count", "f32", "num"],
    points: [[4, [1.5], 1]],
    source: `
/** @differentiable */
export function f(n: number, xs: Float32Array, x: number): number {
  let w2 = 1;
  for (let i = 0; i < n; i++) {
    let g3 = 0;
    for (let j = 0; j < xs.length; j++) {
      g3 += x;
    }
    w2 -= g3;
  }
  const a4: number[] = new Array(4).fill(0);
  return w2;
}
`,
  },
  {
    name: 'seed 11, program 4',
    oracle: 'internal:fine',
    fixed: "both modes: a helper that builds an object, called with no active argument, returned a value with a slot (an internal error)",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","num"],
    points: [[1,1,1]],
    source: `
interface f_V { x: number; y: number }
const f_h7 = (u: number, v: number): f_V => ({ y: v, x: u });
const f_h6 = (u: number): number => {
const o8 = f_h7(u, u);
return o8.y;
};
const f_h2 = function (u: number, v: number = 0.5): f_V {
return { x: f_h6(0), y: v };
};
/** @differentiable */
export function f(x: number, y: number, w: number): number {
const o4 = f_h2(w, x);
return y;
}
`,
  },
  {
    name: 'seed 11, program 13',
    oracle: 'internal:coarse',
    fixed: "both modes: a helper returning an object built from constants inside a run-time loop (an internal error)",
    id: 'f',
    call: 'fn',
    kinds: ["int"],
    points: [[2]],
    source: `
function f_h1(u: number, v: number): number {
let p9 = Math.cos(v);
let c10 = 0;
while ((p9 < 2) && (c10 < 2)) {
  c10++;
}
const a13: number[] = new Array(4);
return a13[1];
}
function f_h2(u: number, v: number): number {
const o14 = { y: u, x: f_h1(0, 0) };
return 1;
}
export const f = differentiable((k: Int): number => {
for (let i = 0; i < k; i++) {
  return f_h2(1, 0);
}
return 1;
});
`,
  },
  {
    name: 'seed 11, program 75',
    oracle: 'internal:fine',
    fixed: "a number parameter compared with a constant variable outside any loop test was taken as discrete, and its later active values had no shadow (an internal error)",
    id: 'f',
    call: 'fn',
    kinds: ["num","roarr"],
    points: [[1,[0.875]]],
    source: `
/** @differentiable */
export function f(x: number, ys: readonly number[]): number {
let w1 = ys[2];
let i = 0;
if (i < x) {
}
x += w1;
return x;
}
`,
  },
  {
    name: 'seed 11, program 101',
    oracle: 'internal:coarse',
    fixed: "a number parameter of a helper reassigned with active values inside a loop (an internal error)",
    id: 'f',
    call: 'fn',
    kinds: ["num","arr"],
    points: [[1,[0.203125]]],
    source: `
const f_h1 = (u: number, v: number): number => {
let p3 = u;
let c4 = 0;
do {
} while ((p3 < 2) && (c4 < 4));
let i = 0;
u += (i < p3) ? 3 : i;
return v;
};
/** @differentiable */
export function f(y: number, xs: number[]): number {
let p5 = 1;
for (let i = 1; i < xs.length; i++) {
  p5 = i * p5;
  let a12 = f_h1(y, 1);
}
y = xs[1];
return 1;
}
`,
  },
  {
    name: 'seed 11, program 50',
    oracle: 'internal:coarse',
    fixed: "coarse: a return inside a run-time loop under a branch left the loop body's path behind for what followed (an internal error)",
    id: 'f',
    call: 'fn',
    kinds: ["roarr","num","f32"],
    points: [[[0.734375],1,[-1.015625]]],
    source: `
/** @differentiable */
export function f(xs: readonly number[], x: number, ys: Float32Array): number {
let s2 = 0;
let s3 = xs[1]!;
for (let i = 1; i < ys.length; i++) {
  if (x) {
    s2 += --x;
    return 1;
  }
}
return s3;
}
`,
  },
  {
    name: 'seed 11, program 2',
    oracle: 'internal:coarse',
    fixed: "coarse: two calls of a helper whose constant loop returns early (an internal error)",
    id: 'f',
    call: 'fn',
    kinds: ["roarr","f64"],
    points: [[[-0.3125],[1.109375]]],
    source: `
const f_h1 = (a: Float64Array, u: number): number => {
let s3 = 0;
for (const v4 of a) {
  if (s3) {
    return 1;
  }
  s3 = 1;
}
return 1;
};
/** @differentiable */
export function f(xs: readonly number[], ys: Float64Array): number {
let h1;
h1 = f_h1(ys, 1);
const t7 = xs[0];
let p9 = 0;
let m10 = t7;
if (f_h1(ys, 0)) {
} else {
  let t26 = h1 ? m10 : 1;
  p9 -= t26;
}
return p9;
}
`,
  },
  {
    name: 'seed 11, program 145',
    oracle: 'nonfinite:coarse',
    fixed: "coarse: a reverse loop that two scatters need ran twice, the first time before its adjoint was seeded (NaN)",
    id: 'f',
    call: 'fn',
    kinds: ["f64"],
    points: [[[-1.1875]]],
    source: `
/** @differentiable */
export function f(xs: Float64Array): number {
let m3 = 1;
let i = 3;
let s4 = 0;
for (const v6 of xs) {
  s4 = s4 * Math.pow(1 + Math.sin(v6), xs[i % 1]!);
}
m3 += s4;
return m3;
}
`,
  },
  {
    name: 'seed 11, program 180',
    oracle: 'fd:coarse',
    fixed: "coarse: a scatter that reads nothing of its loop was made once instead of once per iteration (gradient halved)",
    id: 'f',
    call: 'fn',
    kinds: ["roarr"],
    points: [[[-1.359375,0.390625]]],
    source: `
/** @differentiable */
export function f(xs: readonly number[]): number {
let m13 = 0;
for (let i = 0; i < xs.length; i++) {
  for (let j = 0; j < xs.length; j++) {
    let h14;
    h14 = i;
    m13 += h14;
    m13 += xs[j];
  }
}
return m13;
}
`,
  },
  {
    name: 'seed 11, program 255',
    oracle: 'fd:coarse',
    fixed: "coarse: the same in a loop over the length of a map",
    id: 'f',
    call: 'fn',
    kinds: ["arr","num","count"],
    points: [[[-0.125],1,3]],
    source: `
export const f = differentiable((xs: number[], x: number, n: number): number => {
const out1: number[] = new Array(n);
const out2: number[] = new Array(out1.length);
let w6 = x;
for (let i = 0; i < out2.length; i++) {
  let g7 = 0;
  for (let j = 0; j < xs.length; j++) {
    g7 += xs[j] + i;
  }
  w6 -= g7;
}
return w6;
});
`,
  },
  {
    name: 'seed 11, program 118',
    oracle: 'internal:coarse',
    fixed: "coarse: a maximum over a loop that runs a helper's loop on the tape in each iteration (an internal error)",
    id: 'f',
    call: 'fn',
    kinds: ["num","roarr","roarr"],
    points: [[1,[-0.8125],[0.015625]]],
    source: `
const f_h1 = (a: readonly number[], u: number = 2): number => {
let p1 = 1;
let m2 = 0;
for (let i = 0; i < a.length; i++) {
  m2 += p1;
  p1 += 0;
}
return p1;
};
/** @differentiable */
export function f(x: number, xs: readonly number[], ys: readonly number[]): number {
let c6 = 0;
do {
  c6++;
  let s16 = 0;
  for (let j = 1; j < ys.length; j++) {
    const e17 = f_h1(ys, 1);
    if (e17 > s16) {
      s16 = e17;
    }
  }
  x += s16;
} while (c6 < 2);
const o29 = { x: 1, y: Math.pow(x, xs[1]) };
return o29.y;
}
`,
  },
  {
    name: 'seed 23, program 741',
    oracle: 'nonfinite:coarse',
    fixed: "coarse: a scatter inside a reverse loop ran in the pass before the one that seeds its adjoint (NaN)",
    id: 'f',
    call: 'fn',
    kinds: ["roarr"],
    points: [[[-0.828125]]],
    source: `
function f_h4(a: readonly number[], u: number): number {
let s16 = 0;
for (const v17 of a) {
  s16 = s16 * v17;
}
return s16;
}
/** @differentiable */
export function f(xs: readonly number[]): number {
let s1 = 0;
for (let i = 0; i < xs.length; i++) {
  s1 = f_h4(xs, 2);
}
return Math.tanh(s1);
}
`,
  },
  {
    name: 'seed 23, program 90',
    oracle: 'nonfinite:coarse',
    fixed: "coarse: a carried variable nothing reads sent 0 \u00b7 infinity into the reverse loop (NaN)",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","f32"],
    points: [[0,1,[-0.1875]]],
    source: `
/** @differentiable */
export function f(x: number, y: number, xs: Float32Array): number {
let m2 = 0;
for (let i = xs.length - 1; i >= 0; i--) {
  let h4;
  h4 = Math.cbrt(x);
  y += h4;
  m2 -= Math.sign(m2);
}
return m2;
}
`,
  },
  {
    name: 'seed 37, program 74',
    oracle: 'internal:coarse',
    fixed: "coarse: the pass of a sum met again through a recurrence's state recursed without end (stack overflow)",
    id: 'f',
    call: 'fn',
    kinds: ["num","roarr","arr"],
    points: [[1,[0.53125],[-1.03125]]],
    source: `
export const f = differentiable((x: number, xs: readonly number[], ys: number[]): number => {
let s1 = 0;
let s2 = 1;
for (const v3 of ys) {
  s2 += 1;
  let s4 = 0;
  for (let j = 0; j < xs.length; j++) {
    s4 += s2;
  }
  s1 += s4;
  s1 = Math.max(s1, x);
}
return s1;
});
`,
  },
  {
    name: 'seed 37, program 219',
    oracle: 'internal:coarse',
    fixed: "coarse: a guard inside a sum re-run in a reverse loop opened the loops in the wrong order (an internal error)",
    id: 'f',
    call: 'fn',
    kinds: ["f64"],
    points: [[[0.859375]]],
    source: `
function f_h1(a: Float64Array, u: number = 2): number {
let s2 = 0;
for (let i = 0; i < a.length; i++) {
  for (const v5 of a) {
    s2 += v5 ? v5 : 1;
  }
  let p6 = i;
  p6 += s2;
  u = p6;
}
return u;
}
/** @differentiable */
export function f(xs: Float64Array): number {
let e1 = f_h1(xs, 0);
return e1;
}
`,
  },
  {
    name: 'seed 37, program 1130',
    oracle: 'fd:coarse',
    fixed: "coarse: a return after a break in a nested branch of a constant loop was always taken (a wrong value and gradient)",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
/** @differentiable */
export function f(x: number): number {
for (let i = 0; i < 3; i++) {
  if (x) {
    if (x) {
      break;
    }
  }
  return 0;
}
return x;
}
`,
  },
  {
    name: 'seed 37, program 1667',
    oracle: 'fd:fine',
    fixed: "fine: an element of new Array(n).fill(x), typed any[], had no shadow (gradient 0)",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1]],
    source: `
/** @differentiable */
export function f(x: number): number {
const a5 = new Array(3).fill(x);
let c6 = a5[2];
return c6;
}
`,
  },
  {
    name: 'seed 41, program 2165',
    oracle: 'fd:coarse',
    fixed: "coarse: a write past the end of new Array(x) did not grow it (a wrong value)",
    id: 'f',
    call: 'fn',
    kinds: ["num","num"],
    points: [[1,1]],
    source: `
/** @differentiable */
export function f(x: number, y: number): number {
const out3: number[] = new Array(x);
out3[1] = 1;
let s4 = y;
for (let i = 1; i < out3.length; i++) {
  s4 -= y;
}
return s4;
}
`,
  },
  {
    name: 'seed 303, program 1392',
    oracle: 'nonfinite:coarse',
    fixed: "coarse: a reverse loop's state that is 0 on the path taken (y, unused after `if (x) return x`) times a partial that is NaN there (sin of y minus an overflowed s1) gave NaN; the tape skips zero adjoints",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","count"],
    points: [[1,1,6]],
    source: `
interface f_V { x: number; y: number }
const f_h3 = (u: number): number => {
  let a5 = [2, u];
  return a5[0]!;
};
const f_h2 = (u: number, v: number): f_V => ({ x: f_h3(u), y: v });
const f_h1 = (u: number, v: number): number => {
  let o4 = f_h2(0, 3);
  return o4.x;
};
/** @differentiable */
export function f(x: number, y: number, n: number): number {
  let s1 = 0;
  for (let i = 0; i < n; i++) {
    y = Math.sin(y - s1);
    s1 = Math.max(s1, f_h1(i, 0));
    x -= 1;
    s1 *= s1;
    s1 = s1 * s1;
  }
  if (x) {
    return x;
  }
  return y;
}
`,
  },
  {
    name: 'seed 404, program 2978',
    oracle: 'cmp',
    fixed: "fuzzer: the modes differed by 3e-17 in a gradient entry of 2e-8, what is left of terms that cancelled (s1 + (s1 + 1)·k with 1 + k near 0), added by the modes in different orders; rounding at the value's scale is no disagreement",
    id: 'f',
    call: 'fn',
    kinds: ["f32","arr"],
    points: [[[-0.015625,-0.546875,-0.6875,-0.921875,0.828125],[-0.4375,0.59375,-1.1875]]],
    source: `
/** @differentiable */
export function f(xs: Float32Array, ys: number[]): number {
  let s1 = -0.9;
  for (const v2 of xs) {
    s1 += ((++s1) * ys[2]) * Math.cos(ys[1]!);
  }
  let h3: number;
  h3 = s1;
  return h3;
}
`,
  },
  {
    name: 'seed 202, program 387',
    oracle: 'nonfinite:coarse',
    fixed: "coarse: a reverse loop that ran before a later forward loop left the top of the tape at its own start, so that loop's pushes overwrote the values of another loop whose reverse loop had not run yet (NaN and wrong gradients)",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","f64","bool"],
    points: [[-1.015625,-0.5,[-0.84375,-0.34375,-0.3125,1.484375],false]],
    source: `
function h1(a: Float64Array, u: number): number {
  let m4 = Math.asin(0.9 * Math.tanh(u));
  let m5 = Math.asinh(a[1]!);
  for (let i = 0; i < a.length; i++) {
    let s6 = Math.cosh(Math.sin(m5));
    m5 += Math.tanh(s6);
    m5 += a[i] * a[a.length - 1]!;
  }
  return m5 + (0.5 * m4);
}
/** @differentiable */
export function f(x: number, y: number, xs: Float64Array, flag: boolean): number {
  if (x < 0) {
    let p1 = y;
    let c2 = 0;
    do {
      c2++;
      p1 = (p1 * 0.8) - (0.1 * Math.sin(y ** 3));
    } while ((Math.abs(p1) < 1) && (c2 < 6));
    return p1 * h1(xs, xs[2]!);
  }
  let s10 = 0;
  let m11 = 0;
  for (let i = 0; i < xs.length; i++) {
    m11 = (m11 * x) + ((xs[i]! * 1.5) * (y * y));
    x -= s10;
  }
  return m11 + s10 + x;
}
`,
  },
  {
    name: 'seed 808, program 2381',
    oracle: 'shape:coarse',
    fixed: "both modes (coarse wrong): a number parameter that only says where a loop's counter starts (for (let i = n - 1; i >= 0; i--)) decides the trip count, so it is discrete; the affine closed form differentiated 2^n in it",
    id: 'f',
    call: 'fn',
    kinds: ["num","count"],
    points: [[1,3]],
    source: `
/** @differentiable */
export function f(y: number, n: number): number {
  let s3 = 0;
  for (let i = n - 1; i >= 0; i--) {
    s3 += y + s3;
  }
  return s3;
}
`,
  },
  {
    name: 'seed 707, program 312',
    oracle: 'fd:coarse',
    fixed: "fuzzer: values exploding to 1e39, whose gradient is what terms of 1e52 cancel to; the modes sum them in different orders (coarse 6e-5 off the exact rational answer, fine on it); past 1e30 the gradients are not compared",
    id: 'f',
    call: 'fn',
    kinds: ["num","f64"],
    points: [[1,[-0.140625,1.03125,-0.921875]]],
    source: `
/** @differentiable */
export function f(x: number, xs: Float64Array): number {
  for (let i = 0; i < 3; i++) {
    let g2 = 0;
    for (let j = 0; j < xs.length; j++) {
      g2 += x * (xs[j] - xs[i]);
      x *= g2 + g2;
    }
    let s3 = 0;
    for (let j = 0; j < 4; j += 2) {
      s3 += x - 2;
    }
    x += s3;
  }
  return x;
}
`,
  },
  {
    name: 'seed 4242, program 5081',
    oracle: 'nonfinite:coarse',
    fixed: "coarse: in a constant loop unrolled around `if (c) return`, conditions like `c || !c && c` and `!c && c` were not folded, so the adjoints of the path never taken were zero only at run time, times partials that overflowed there (NaN); `!c && c` is now 0 and `!c || c` 1 for a boolean c",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1.25]],
    source: `
/** @differentiable */
export function f(x: number): number {
  let s12 = 0;
  s12 = x;
  let m14 = 1;
  for (let i = 0; i < 7; i++) {
    if (1 >= x) {
      return s12;
    }
    for (let j = 0; j < 3; j++) {
      s12 += m14 * s12;
      const t19: number = s12;
      m14 -= t19;
    }
  }
  return 1;
}
`,
  },
  {
    name: 'seed 4242, program 5081, shrunk again',
    oracle: 'nonfinite:coarse',
    fixed: "coarse: with `else if (x) break` the paths of the unrolled loop are known only at run time; an adjoint 0 there (a φ whose arm is a φ with a zero arm) times a partial that overflowed gave NaN",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1.25]],
    source: `
/** @differentiable */
export function f(x: number): number {
  let s12 = 0;
  s12 = x;
  let m14 = 1;
  for (let i = 0; i < 7; i++) {
    if (m14 >= x) {
      return s12;
    } else if (x) {
      break;
    }
    for (let j = 0; j < 3; j++) {
      s12 += m14 * s12;
      const t19: number = s12;
      m14 -= t19;
    }
  }
  return 1;
}
`,
  },
  {
    name: 'seed 4242, program 4935',
    oracle: 'nonfinite:coarse',
    fixed: "coarse mode: a logistic `1 / (1 + Math.exp(-v))` where `exp` overflows: the product of the adjoint (0, from `-1/(1 + ∞)²`) and the partial `exp(-v)` (∞) was NaN inside a segment; the operation tape skips a zero adjoint",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","num","arr"],
    points: [[1,1,1,[-0.171875,0.8125,-0.671875,-0.34375]]],
    source: `
/** @differentiable */
export function f(x: number, y: number, z: number, xs: number[]): number {
  for (let i = 0; i < 2; i++) {
    let p3 = y;
    for (let j = 0; j < xs.length; j++) {
      p3 += i - (x * x);
      let c7 = 0;
      while (c7 < 2) {
        c7++;
        x += 1;
        z += 1 / (1 + Math.exp(-(p3 + p3)));
      }
    }
  }
  return z;
}
`,
  },
  {
    name: 'seed 20261202, program 9357',
    oracle: 'nonfinite:coarse',
    fixed: "coarse mode: the same 0·∞ of a logistic whose argument comes from helpers with loops",
    id: 'f',
    call: 'fn',
    kinds: ["f64"],
    points: [[[1.09375,-0.0625,-0.328125,0.53125,-1]]],
    source: `
const f_h4 = (a: Float64Array, u: number): number => {
  let m16 = 1;
  for (let i = 0; i < a.length; i++) {
    for (let j = 2; j >= 0; j--) {
      let c20 = 0;
      while (c20 < 3) {
        c20++;
        if (m16--) {
        }
      }
    }
  }
  return m16;
};
const f_h3 = (a: Float64Array, u: number = 1.5): number => {
  let p13 = 0;
  let p14 = a[1];
  for (let i = 0; i < a.length; i++) {
    p13 = (p13 * u) + f_h4(a, 1);
  }
  return p13 - p14;
};
const f_h2 = (a: Float64Array, u: number = 2): number => {
  let m10 = 1;
  m10 = f_h3(a);
  return 2 * m10;
};
/** @differentiable */
export const f = (ys: Float64Array): number => 1 / (1 + Math.exp(-f_h2(ys, 1)));
`,
  },
  {
    name: 'seed 20261202, program 2076',
    oracle: 'cmp',
    fixed: "coarse mode: the same 0·∞ of a logistic in a recurrence whose state overflows",
    id: 'f',
    call: 'fn',
    kinds: ["f32","num"],
    points: [[[-0.984375,1.25,-0.03125,0.171875],-1]],
    source: `
/** @differentiable */
export function f(ys: Float32Array, z: number): number {
  let m6 = z;
  for (let i = 0; i < ys.length; i++) {
    for (const v8 of ys) {
      m6 = m6 * z;
    }
    z--;
    m6 += 1 / (1 + Math.exp(-m6));
  }
  let m13 = m6;
  return m13;
}
`,
  },
  {
    name: 'seed 90210, program 3981',
    oracle: 'nonfinite:coarse',
    fixed: "coarse mode: a map's elements read by a loop that runs no iteration have an adjoint that is a sum of nothing, 0 at run time, which multiplied a partial that is NaN where the helper computing the elements overflows",
    id: 'f',
    call: 'fn',
    kinds: ["num","count"],
    points: [[1,1]],
    source: `
function f_h1(u: number = 1.5): number {
  let c2 = 0;
  while (c2 < 2) {
    c2++;
    for (let j = 0; j < 4; j++) {
      let p5 = 1;
      for (let q = 0; q < 4; q++) {
        p5 = (p5 * u) + 1;
      }
      u -= p5;
    }
  }
  return u;
}
/** @differentiable */
export function f(x: number, n: number): number {
  const out1 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out1[i] = f_h1(x);
  }
  let s13 = 0;
  for (let i = 1; i < out1.length; i++) {
    s13 = out1[i]!;
  }
  return s13;
}
`,
  },
  {
    name: 'seed 20261205, program 2267',
    oracle: 'nonfinite:coarse',
    fixed: "coarse mode: a value squared in a loop overflows and `Math.tanh` saturates it: 0 (1 − tanh²(∞)) times the partial of the squares (∞) was NaN; a product of two varying values is now taken as one that may overflow",
    id: 'f',
    call: 'fn',
    kinds: ["arr"],
    points: [[[1.46875]]],
    source: `
/** @differentiable */
export function f(ys: number[]): number {
  let s1 = 0;
  for (let i = 0; i < 7; i++) {
    for (let j = 1; j >= 0; j--) {
      s1 *= s1;
    }
    let j = 0;
    s1 += ys[j]!;
  }
  return Math.tanh(s1);
}
`,
  },
  {
    name: 'seed 20261205, program 5792',
    oracle: 'value:coarse',
    fixed: "coarse mode: the closed form of `s = s * x` from 0 multiplied xⁿ, which overflowed, by the initial 0: a NaN value where the primal is 0",
    id: 'f',
    call: 'fn',
    kinds: ["arr","num","count"],
    points: [[[-1.015625,0.03125,0.71875,1.0625,-0.265625],1,5]],
    source: `
export const f = differentiable((xs: number[], x: number, n: number): number => {
  let p1 = 1;
  for (let i = 0; i < n; i++) {
    x += x;
    x += p1 + (x + x);
    p1 -= (x * x) * x;
  }
  let s4 = 0;
  for (let i = 0; i < xs.length; i++) {
    s4 = s4 * x;
  }
  return s4;
});
`,
  },
  {
    name: 'seed 20261205, program 8647',
    oracle: 'fd:both',
    fixed: "both modes: the adjoint of `x - x` (large: x grows in the loop) was added to x's gradient and taken away again, leaving 1e-4 of rounding; `x - x` is now a stable form with derivative 0",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","int"],
    points: [[1,1,6]],
    source: `
/** @differentiable */
export function f(x: number, y: number, k: Int): number {
  let a1 = y;
  let s2 = 0;
  let c3 = 0;
  while (c3 < k) {
    c3++;
    s2 = x - x;
    for (let j = 0; j < k; j++) {
      const z6 = x * Math.acos(0 * 1);
      x += z6;
      a1 -= (s2 + y) * x;
    }
  }
  s2 += a1;
  return s2;
}
`,
  },
  {
    name: 'seed 20261207, program 1378',
    oracle: 'cmp',
    fixed: "coarse mode: a reverse loop whose scatter is guarded by a loop-invariant condition (`if (x) return xs[i]`) ran twice, once for the state another reverse loop starts from and once under the guard, the second from the adjoints the first had left: the element's gradient was 0 instead of 1; such a loop is now shared and runs once",
    id: 'f',
    call: 'fn',
    kinds: ["num","f32","count"],
    points: [[1,[1.140625],3]],
    source: `
/** @differentiable */
export function f(x: number, xs: Float32Array, n: number): number {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    s2 %= 1;
    s1 += xs[i];
  }
  const out15 = new Float64Array(n);
  let s16 = 0;
  for (let i = 0; i < out15.length; i++) {
    s16 = s2;
    if (x) {
      return xs[i];
    }
  }
  s1 -= s16;
  return s1;
}
`,
  },
  {
    name: 'seed 20261208, program 1133',
    oracle: 'cmp',
    fixed: "coarse mode (this session, before its fix): the closed form of `p2 = p2 * a + b_i` chose 0 where p2 starts at a run-time 0, to keep 0 · ∞ out, and with it dropped the derivative aⁿ with respect to that start; only a constant initial 0 is now taken as 0",
    id: "f",
    call: "method",
    kinds: ["num","num","f64"],
    points: [[-1,-0.65625,[1.140625,-1,0.21875,0.734375,-1.21875,0.0625]]],
    source: `
export class f_C {
  k1 = 1.2;
  @differentiable
  m(x: number, y: number, xs: Float64Array): number {
    ++x;
    y = xs[2];
    const out1 = new Float64Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      if (!(Math.acosh(1.5 + (this.k1 * this.k1)) <= (x - this.k1))) {
        out1[i] = this.k1 - Math.acos(0.9 * Math.sin(x));
      } else {
        out1[i] = Math.asin(0.9 * Math.tanh((Math.PI * 0.25) - this.k1));
      }
    }
    let p2 = Math.tan(0.6 * Math.tanh(x));
    let s3 = 0;
    for (let i = 0; i < out1.length; i++) {
      p2 = (p2 * out1[i]) + (((out1.length * 0.5) >= out1[(i + 2) % out1.length]!) ? 0.1 : 0.9);
    }
    s3 *= 0.8 + (0.2 * (((1.5 + Math.cos(y)) ** Math.sin(xs[0]!)) / (1 + (((1.5 + Math.cos(y)) ** Math.sin(xs[0]!)) * ((1.5 + Math.cos(y)) ** Math.sin(xs[0]!))))));
    if ((Math.cbrt(2 + Math.sin(1.5)) <= (0.75 * y)) || ((this.k1 - y) <= (xs.length * 0.1))) {
      return Math.expm1(Math.sin(xs[2]));
    }
    let e4 = this.k1;
    return (((out1[2] + (0.3 * x)) + (2 * s3)) + p2) + (0.3 * e4);
  }
}
`,
  },
  {
    name: 'seed 20261209, program 7484',
    oracle: 'internal:coarse',
    fixed: "coarse mode: a constant loop whose body returns on every path (a branch whose condition folds to true, with run-time loops before the return) left no exit to read, and the lowering threw (TS95999); such a loop now ends the function",
    id: 'f',
    call: 'fn',
    kinds: ["num","num"],
    points: [[1,1]],
    source: `
/** @differentiable */
export function f(x: number, y: number): number {
  for (let i = 0; i < 4; i++) {
    if (x >= x) {
      for (let j = 0; j < 2; j++) {
        let c20 = 0;
        while (c20 < 4) {
          c20++;
        }
      }
      return y;
    }
  }
  return x;
}
`,
  },
  {
    name: 'seed 31, program 427',
    oracle: 'cmp',
    fixed: "coarse mode: products were reassociated in the function's own values, constants gathered in front: `x * (0 * x)` became `0 * (x * x)`, NaN where x·x overflows (x = 1.6e300), so a truthiness test took the other arm and the value and the gradient were wrong; values now keep the order written, but for integer factors 2 ≤ |c| ≤ 2⁵³",
    id: 'f',
    call: 'fn',
    kinds: ["num"],
    points: [[1.599713578587398e+300]],
    source: `
/** @differentiable */
export function f(x: number): number {
  let s6 = 0;
  let s7 = s6 * x;
  let e9 = 1 + (x * s7);
  s7 -= e9;
  let s13 = s7;
  return s13 || x;
}
`,
  },
  {
    name: 'seed 31, program 10',
    oracle: 'cmp',
    fixed: "coarse mode: an adjoint that saturated (1 − tanh²(∞), the tanh of a loop's sum that overflowed) times a partial that was itself a loop's sum of products overflowing: 0·∞, NaN where the tape gives 0; a loop's sum now may overflow (and saturate) when its terms may, and such a product is guarded as the tape skips a zero adjoint",
    id: 'f',
    call: 'fn',
    kinds: ["num","arr"],
    points: [[1,[1.5069897521752866e+300]]],
    source: `
/** @differentiable */
export function f(x: number, xs: number[]): number {
  let w3 = 1;
  let g4 = 0;
  for (let j = 0; j < xs.length; j++) {
    g4 += xs[j]! * (xs[j]! * x);
  }
  w3 -= Math.tanh(g4);
  return w3;
}
`,
  },
  {
    name: 'seed 31, program 1308',
    oracle: 'cmp',
    fixed: "coarse mode: an adjoint that saturated (1 − tanh²(∞), the tanh of a loop's sum that overflowed) times a partial that was itself a loop's sum of products overflowing: 0·∞, NaN where the tape gives 0; a loop's sum now may overflow (and saturate) when its terms may, and such a product is guarded as the tape skips a zero adjoint",
    id: 'f',
    call: 'fn',
    kinds: ["num","arr"],
    points: [[1,[-1.4715685106348248e+300]]],
    source: `
/** @differentiable */
export function f(x: number, xs: number[]): number {
  let w2 = 1;
  let g3 = 0;
  for (let j = 0; j < xs.length; j++) {
    g3 += x * (xs[j] * xs[j]);
  }
  w2 -= Math.tanh(g3);
  return w2;
}
`,
  },
  {
    name: 'seed 31, program 1530',
    oracle: 'cmp',
    fixed: "coarse mode: an adjoint that saturated (1 − tanh²(∞), the tanh of a loop's sum that overflowed) times a partial that was itself a loop's sum of products overflowing: 0·∞, NaN where the tape gives 0; a loop's sum now may overflow (and saturate) when its terms may, and such a product is guarded as the tape skips a zero adjoint",
    id: 'f',
    call: 'fn',
    kinds: ["arr","num"],
    points: [[[-7.804043544456363e+154],1]],
    source: `
/** @differentiable */
export function f(xs: number[], x: number): number {
  let w3 = 1;
  let g4 = 0;
  for (let j = 0; j < xs.length; j++) {
    g4 += xs[j] * (xs[j] * x);
  }
  w3 -= g4;
  return Math.tanh(w3);
}
`,
  },
  {
    name: 'seed 31, program 533',
    oracle: 'cmp',
    fixed: "coarse mode: the closed form of `s = s * a` added Σ 0·aᵏ, and multiplied aⁿ by a start that is 0 at run time (a state an outer loop carries): both NaN where aⁿ overflows, while the loop's own products stay 0 (value NaN instead of 0); nothing is added now, and a run-time 0 start is kept as itself with derivative aⁿ",
    id: 'f',
    call: 'fn',
    kinds: ["arr","f64","num"],
    points: [[[-1.03125,0.3125],[-1.3226684932596983e-300,1.2217533886432649e+300],1]],
    source: `
/** @differentiable */
export function f(xs: number[], ys: Float64Array, y: number): number {
  let s7 = 0;
  for (let i = xs.length - 1; i >= 0; i--) {
    for (const v14 of ys) {
      s7 = s7 * ys[i];
    }
  }
  y = s7;
  return y;
}
`,
  },
  {
    name: 'seed 31, program 678',
    oracle: 'nonfinite:coarse',
    fixed: "both modes: `s = s * x[i]` from 0 on the tape: the adjoint of s grew to Π x[j], past the range (1e154 · 1e300), and times the partial for x[i], the state 0, gave NaN instead of 0; an adjoint that is not finite now sends nothing along a zero partial on the tape, and a reverse loop's products are guarded by their partial too",
    id: 'f',
    call: 'fn',
    kinds: ["arr"],
    points: [[[1.209015257190913e+154,-0.515625,4.969515060540288e-162,-1.2760815029032529e+300,-1.078125,-9.47216842113994e+154]]],
    source: `
/** @differentiable */
export function f(xs: number[]): number {
  let s2 = 0;
  for (let i = 0; i < xs.length; i++) {
    s2 = s2 * xs[i];
  }
  let w4 = s2;
  return w4;
}
`,
  },
  {
    name: 'seed 31, program 1907',
    oracle: 'cmp',
    fixed: "coarse mode: reduction splitting in the function's own values turned Σ ys[j]·(x·xs[j] + w), whose products underflow to 0, into x·Σ ys·xs + w·Σ ys: value 4 instead of 0; the fuzzer also compared the modes where a product underflowed and the true gradient is past the range of doubles (1e700 × 1e-400), now points where finite differences are blind and gradients are compared only where finite",
    id: 'f',
    call: 'fn',
    kinds: ["num","roarr","f64"],
    points: [[-1.020575778093189e-300,[807.6284790877253,-9.137664112495258e-162],[3.6687615106347945e-162,-1.4488116709981114e+300]]],
    source: `
/** @differentiable */
export function f(x: number, xs: readonly number[], ys: Float64Array): number {
  let w11 = 0;
  for (let i = 0; i < 5; i++) {
    let g12 = 0;
    for (let j = 0; j < ys.length; j++) {
      g12 += ys[j] * ((x * xs[j]!) + w11);
    }
    w11 -= Math.tanh(g12);
  }
  return w11;
}
`,
  },
  {
    name: 'seed 31, program 1868',
    oracle: 'fd:both',
    fixed: "fuzzer: `if (x) break` at x = 0 exactly is a switch finite differences cannot see (as `x || y` at 0): the probe now counts tests of a number that is 0 in `if`, loops, `?:` and `!`",
    id: 'f',
    call: 'fn',
    kinds: ["num","int"],
    points: [[0,1]],
    source: `
/** @differentiable */
export function f(x: number, k: Int): number {
  let s4 = 0;
  for (let j = k - 1; j >= 0; j--) {
    if (x) {
      break;
    }
    s4 -= x;
  }
  return s4;
}
`,
  },
  {
    name: 'seed 32, program 1030',
    oracle: 'cmp',
    fixed: "coarse mode: Math.fround of a number past float32's range is ±∞, which the 0·∞ guard did not know: 1 − tanh²(∞) times fround(x) inside one segment's partial gave NaN (the tape gives 0); fround now counts as a function that may overflow",
    id: 'f',
    call: 'fn',
    kinds: ["f64"],
    points: [[[-0.703125,-0.640625,-1.287589040817693e-300,-1.428130373125896e+300]]],
    source: `
/** @differentiable */
export function f(xs: Float64Array): number {
  let s2 = 0;
  for (let i = 0; i < xs.length; i++) {
    s2 = Math.tanh((s2 * Math.fround(xs[i])) + 1);
  }
  return s2;
}
`,
  },
  {
    name: 'seed 32, program 1147',
    oracle: 'value:coarse',
    fixed: "coarse mode: the closed form of `s = s * a + j` summed j·aⁿ⁻¹⁻ʲ, 0·∞ at j = 0 where a² overflows, though the loop adds 0 to a finite product: value NaN instead of 1.5e300; a b that is 0 at run time now adds nothing (its derivative still the power)",
    id: 'f',
    call: 'fn',
    kinds: ["arr"],
    points: [[[-1.4775737242307514e+300,3.08e-321,-1.2762442626990378e-300]]],
    source: `
/** @differentiable */
export function f(xs: number[]): number {
  let s1 = 1;
  let i = 0;
  let s3 = 0;
  for (let j = 0; j < xs.length; j++) {
    s3 = (s3 * xs[i]!) + j;
  }
  s1 -= s3;
  return s1;
}
`,
  },
  {
    name: 'seed 32, program 1081',
    oracle: 'fd:both',
    fixed: "fuzzer: finite differences at steps far above the scale of the function's shape (cbrt(2 + x·y) in y, x = 1.2e154) agreed on the slope of its asymptote; a ladder of finer steps, down to where rounding allows, must now agree too",
    id: 'f',
    call: 'fn',
    kinds: ["num","num"],
    points: [[-1.221992809092626e+154,0]],
    source: `
export const f = differentiable((x: number, y: number): number => {
  const z1 = y * x;
  let t8: number = Math.cbrt(2 + z1);
  return z1 - t8;
});
`,
  },
  {
    name: 'seed 33, program 1031',
    oracle: 'fd:both',
    fixed: "fuzzer: a Float32Array element near 857 moved by steps finer than a float32 ulp is rounded back, and `Math.floor(x) - x` looked flat to every step (its period 1 divides the coarse ones); the finest step is now a few float32 ulps",
    id: 'f',
    call: 'fn',
    kinds: ["num","f32","int"],
    points: [[0,[796.6912063304335,857.0960275363177],2]],
    source: `
/** @differentiable */
export function f(x: number, ys: Float32Array, k: Int): number {
  let p4 = ys[1];
  let m5 = x;
  for (let i = 0; i < k; i++) {
    m5 = ys[i]!;
  }
  let h11: number;
  h11 = Math.floor(p4);
  return h11 - m5;
}
`,
  },
  {
    name: 'seed 34, program 153',
    oracle: 'cmp',
    fixed: "coarse mode: the closed form of an affine recurrence (`m = m * u + 1`) computed its value from powers of u that overflow where the loop's values do not, or to ∞ − ∞ where the loop's state overflows to one ∞ that a tanh then reads as ±1: value NaN; the value is now the loop's own, in Horner's form, and the closed form serves the derivative only",
    id: 'f',
    call: 'fn',
    kinds: ["roarr","num"],
    points: [[[7.656369045376778e+154,-7.988071505911649e+154,-0.609375],-5.82863056845963e+154]],
    source: `
const f_h1 = (a: readonly number[], u: number): number => {
  let m1 = 1;
  for (let i = 0; i < a.length; i++) {
    m1 *= u;
    let p4 = m1++;
  }
  return m1;
};
/** @differentiable */
export function f(xs: readonly number[], x: number): number {
  x *= Math.tanh(f_h1(xs, x));
  let m12 = x;
  let p14 = Math.cos(x);
  let c15 = 0;
  while ((p14 < 2) && (c15 < 4)) {
    c15++;
    m12 = 1;
  }
  return m12;
}
`,
  },
  {
    name: 'seed 34, program 1471',
    oracle: 'value:coarse',
    fixed: "coarse mode: the closed form of an affine recurrence (`m = m * u + 1`) computed its value from powers of u that overflow where the loop's values do not, or to ∞ − ∞ where the loop's state overflows to one ∞ that a tanh then reads as ±1: value NaN; the value is now the loop's own, in Horner's form, and the closed form serves the derivative only",
    id: 'f',
    call: 'fn',
    kinds: ["num","arr"],
    points: [[4.3633906848263e+154,[1.94011714681983e-300,0.96875,0.671875]]],
    source: `
/** @differentiable */
export function f(x: number, xs: number[]): number {
  for (const v2 of xs) {
    let s3 = 0;
    for (const v4 of xs) {
      s3 = (s3 * v2) + Math.fround(x);
    }
    x = Math.tanh(s3);
  }
  return x;
}
`,
  },
  {
    name: 'seed 34, program 1578',
    oracle: 'value:coarse',
    fixed: "coarse mode: the closed form of an affine recurrence (`m = m * u + 1`) computed its value from powers of u that overflow where the loop's values do not, or to ∞ − ∞ where the loop's state overflows to one ∞ that a tanh then reads as ±1: value NaN; the value is now the loop's own, in Horner's form, and the closed form serves the derivative only",
    id: 'f',
    call: 'fn',
    kinds: ["f64","num"],
    points: [[[-1.537e-321,0.125,-0.921875,848.7750826403499],-3.346241217572242e+154]],
    source: `
function f_h1(a: Float64Array, u: number): number {
  let m3 = u;
  for (let i = 0; i < a.length; i++) {
    m3 = (m3 * u) + 1;
  }
  return m3;
}
/** @differentiable */
export function f(xs: Float64Array, x: number): number {
  const b2 = f_h1(xs, x);
  x += Math.tanh(b2);
  return x;
}
`,
  },
  {
    name: 'seed 33, program 1442',
    oracle: 'value:coarse',
    fixed: "coarse mode: the closed form of `s = s * u + i` summed i·u^(n−1−i), ∞ − ∞ where the loop's state overflows to −∞ (atan2 then gives −π/2): value NaN; the value is now the loop's own, in Horner's form",
    id: 'f',
    call: 'fn',
    kinds: ["num","arr"],
    points: [[1,[-4.08e-321,-1.055113620357588e+300,8.137920476030558e-162,4.867180970497429e-162,2.0818319455720483e-162]]],
    source: `
function f_h1(a: readonly number[], u: number): number {
  let s8 = 0;
  for (let i = 0; i < a.length; i++) {
    s8 = (s8 * u) + i;
  }
  return s8;
}
/** @differentiable */
export function f(y: number, xs: number[]): number {
  const z6 = xs[1];
  let p7 = f_h1(xs, z6);
  let p9 = Math.atan2(++p7, 2 + y);
  return p9;
}
`,
  },
  {
    name: 'seed 34, program 214',
    oracle: 'cmp',
    fixed: "coarse mode: a reverse loop's adjoint that only constants had scaled (1.5 · ds) was taken as already guarded, so 0 (1 − tanh²(−∞)) times a partial that overflowed (1 − 2s at s = −∞) gave NaN; a constant multiple of a carried adjoint is now guarded as the adjoint itself",
    id: 'f',
    call: 'fn',
    kinds: ["num","count"],
    points: [[-1.1531098631676287e+300,4]],
    source: `
/** @differentiable */
export function f(x: number, n: number): number {
  let s1 = x;
  for (let i = 0; i < n; i++) {
    s1 -= s1 * s1;
    s1 += s1 / (1 + 1);
  }
  let b2 = Math.tanh(s1);
  return b2;
}
`,
  },
  {
    name: 'seed 36, program 549',
    oracle: 'cmp',
    fixed: "coarse mode: Math.atan2(u * u, x) at u = 4e154, where u² is ∞ and atan2 is π/2: the partials' scaled fallback divided ∞ by ∞ (NaN, then times 2u); where an argument is ±∞ the partials are their limit, 0 — and a root a rule makes (the fallback's hypot) counts as saturating",
    id: 'f',
    call: 'fn',
    kinds: ["num","f64","f64"],
    points: [[0,[1.171875,-1.09375,1.3816966582089663e+300],[4.048553487285972e+154]]],
    source: `
function f_h1(a: Float64Array, u: number): number {
  let p3 = u * u;
  return p3;
}
/** @differentiable */
export function f(y: number, xs: Float64Array, ys: Float64Array): number {
  let h2;
  h2 = Math.atan2(f_h1(ys, xs[xs.length - 1]!), 2 + Math.cos(y));
  return h2;
}
`,
  },
  {
    name: 'seed 36, program 64',
    oracle: 'cmp',
    fixed: "coarse mode: s = tanh(s * y[i]) from an s that overflowed (y[0]² = ∞): 1 − tanh² = 0 times the partial s = ∞ inside one step's segment gave NaN (the tape gives 0); a loop's carried state now may overflow for the 0·∞ guard",
    id: 'f',
    call: 'fn',
    kinds: ["arr"],
    points: [[[-1.2169060644228012e+300]]],
    source: `
/** @differentiable */
export function f(ys: number[]): number {
  let s2 = 0;
  let i = 0;
  s2 = ys[i] * ys[i];
  for (let i = 0; i < ys.length; i += 2) {
    s2 = Math.tanh(s2 * ys[i]!);
  }
  return s2;
}
`,
  },
  {
    name: 'seed 36, program 75',
    oracle: 'cmp',
    fixed: "a loop-invariant factor split off a sum in a derivative: z·Σ xs[i]² is 0·∞ at z = 0 where Σ z·xs[i]·xs[i] is 0; where the split is not finite the careful run sums as written",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","arr","int"],
    points: [[1,0,[0,-1.1585922769736498e+300,1.078125,0.28125],4]],
    source: `
/** @differentiable */
export function f(x: number, z: number, xs: number[], k: Int): number {
  let w8 = 3;
  for (let i = 0; i < k; i++) {
    let g9 = 0;
    g9 += x * ((z * xs[i]) * xs[i]);
    w8 -= g9;
  }
  return w8;
}
`,
  },
  {
    name: 'seed 36, program 1052',
    oracle: 'value:coarse',
    fixed: "x·i·Σ xs[j] split in the value inside a run-time outer loop: (−∞)·0 at i = 0 where the inner sum as written is 0; the careful run sums as written",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","roarr","f64","count"],
    points: [[1.473104503704235e+300,1,[-1.21875,-1.0407937748823316e+300],[-0.296875,2.76e-321],1]],
    source: `
/** @differentiable */
export function f(x: number, y: number, xs: readonly number[], ys: Float64Array, n: number): number {
  let w1 = y;
  for (let i = 0; i < n; i++) {
    let g2 = 0;
    for (let j = 0; j < ys.length; j++) {
      g2 += x * (i * xs[j]);
    }
    w1 -= g2;
  }
  return w1;
}
`,
  },
  {
    name: 'seed 37, program 106',
    oracle: 'cmp',
    fixed: "y += -y is x + -x, a stable form (flat): the tape sent 1 and −1 times xs[0]² = ∞ (NaN)",
    id: 'f',
    call: 'fn',
    kinds: ["num","f64"],
    points: [[1,[-5.3698734594509e+154]]],
    source: `
export const f = differentiable((y: number, xs: Float64Array): number => {
  y += -y;
  let e1 = y * xs[0]!;
  const o2 = { x: 1, y: e1 * xs[0]! };
  return o2.y + y;
});
`,
  },
  {
    name: 'seed 38, program 1825',
    oracle: 'cmp',
    fixed: "x·(x·(y·x)) at y = 0, x = −1.9e300: y times x·x = ∞ is NaN in the adjoint, 0 in truth; the careful companion's products take 0 as a strong zero",
    id: 'f',
    call: 'fn',
    kinds: ["num","num"],
    points: [[-1.931494474876672e+300,0]],
    source: `
export const f = differentiable((x: number, y: number): number => {
  let s1 = 0;
  s1 += x * (x * (y * x));
  return s1;
});
`,
  },
  {
    name: 'seed 38, program 1531',
    oracle: 'cmp',
    fixed: "y += ys[x]·y three times from 0: the adjoint (1 + ys[0])³ overflows and meets the state 0; the careful companion takes 0 · ∞ as 0",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","f64"],
    points: [[0,1,[8.891450130380691e+154]]],
    source: `
export const f = differentiable((x: number, y: number, ys: Float64Array): number => {
  y = x;
  let c3 = 0;
  while (c3 < 3) {
    c3++;
    const z5 = ys[x] * y;
    y += z5;
  }
  return y;
});
`,
  },
  {
    name: 'seed 38, program 1825 (in a loop)',
    oracle: 'cmp',
    fixed: "the same sum in a loop over xs: the gradient is a sum assigned in a branch on the count, checked there too",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","f32"],
    points: [[-1.931494474876672e+300,0,[0]]],
    source: `
export const f = differentiable((x: number, y: number, xs: Float32Array): number => {
  let s1 = 0;
  for (let i = 0; i < xs.length; i++) {
    s1 += x * (x * (y * x));
  }
  return s1;
});
`,
  },
  {
    name: 'seed 39, program 306',
    oracle: 'cmp',
    fixed: "z² of a closed form's weight overflows where z·x² does not: the power rule's b·r/a reads r only where it is finite, else b·a^(b−1)",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","roarr"],
    points: [[-5.438395373290404e-162,-8.605300876544788e+154,[6.65593524929136e+154,1.3078405521810056e+300,3.315698689781129e-162]]],
    source: `
/** @differentiable */
export function f(x: number, z: number, xs: readonly number[]): number {
  x **= 2;
  let s10 = 0;
  for (let i = 0; i < xs.length; i++) {
    s10 = (s10 * z) + x;
  }
  return s10;
}
`,
  },
  {
    name: 'seed 39, program 268',
    oracle: 'cmp',
    fixed: "oracle: x − w with w = x, times xs[3] = 1.7e300: the fine tape's sums of ±1.7e300 lose the 1 (its rounding, largestAdjoint), the coarse gradient cancels them",
    id: 'f',
    call: 'fn',
    kinds: ["num","f64"],
    points: [[1,[841.8976394459605,-1.0994934828486294e-300,-0.9375,1.7433590933214875e+300]]],
    source: `
/** @differentiable */
export function f(x: number, xs: Float64Array): number {
  let w8 = x;
  let g9 = 0;
  for (let j = 0; j < xs.length; j++) {
    g9 += xs[j] * (x - w8);
  }
  w8 -= g9;
  return w8;
}
`,
  },
  {
    name: 'seed 39, program 980',
    oracle: 'nonfinite:coarse',
    fixed: "oracle: sin(m·x) with m·x past 10^300 jumps by 1 between steps of 1e297; slopes of 1e-297 agree within an absolute slack, which is now in the value's units per the coordinate's",
    id: 'f',
    call: 'fn',
    kinds: ["roarr"],
    points: [[[0.109375,0.375,0,1.0219321581535042e+300]]],
    source: `
/** @differentiable */
export function f(ys: readonly number[]): number {
  let m1 = 1;
  for (let i = 0; i < ys.length; i++) {
    m1 = Math.sin(m1 * ys[ys.length - 1]);
  }
  return m1;
}
`,
  },
  {
    name: 'seed 39, program 1219',
    oracle: 'fd:both',
    fixed: "oracle: Math.floor(xs[0]) of 788.8 changes within the stencil: finite differences see the staircase's slope",
    id: 'f',
    call: 'fn',
    kinds: ["num","f32"],
    points: [[-719,[788.813773682341]]],
    source: `
/** @differentiable */
export function f(x: number, xs: Float32Array): number {
  let s3 = 0;
  s3 += x * x;
  const a8 = new Array(4).fill(Math.floor(xs[0]!));
  return a8[0] + (x * s3);
}
`,
  },
  {
    name: 'seed 37, program 633',
    oracle: 'cmp',
    fixed: "oracle: the fine tape adds 1 among ±8.9e154 that cancel and loses it, within its rounding; the coarse gradient is 1",
    id: 'f',
    call: 'fn',
    kinds: ["num","num"],
    points: [[4.457446239423007e+154,1]],
    source: `
const f_h1 = (u: number, v: number): number => {
  u += (v - v) - u;
  return u;
};
/** @differentiable */
export function f(x: number, y: number): number {
  x *= f_h1(y, y);
  return (y + x) + x;
}
`,
  },
  {
    name: 'seed 37, program 1486',
    oracle: 'fd:both',
    fixed: "oracle: xs[0] = 0 is absorbed by x = 1.3e300 a step away, where the probe sees it",
    id: 'f',
    call: 'fn',
    kinds: ["num","roarr"],
    points: [[1.2974156772252174e+300,[0]]],
    source: `
/** @differentiable */
export function f(x: number, xs: readonly number[]): number {
  return (x - xs[0]) - x;
}
`,
  },
  {
    name: 'seed 37, program 941',
    oracle: 'value:coarse',
    fixed: "s += s + u as written, on a loop of its own: the value loop shared the closed form's loop and ran once in each branch of its sums",
    id: 'f',
    call: 'fn',
    kinds: ["num","arr"],
    points: [[1,[-0.96875]]],
    source: `
const f_h2 = function (a: number[], u: number = 2): number {
  let s10 = 0;
  for (let i = 0; i < a.length; i++) {
    s10 += s10 + u;
  }
  return s10;
};
const f_h3 = (a: number[], u: number): number => {
  let s12 = 0;
  for (let i = 0; i < a.length; i++) {
    s12 = a[i]!;
  }
  return s12;
};
/** @differentiable */
export function f(y: number, xs: number[]): number {
  let e9 = f_h2(xs, f_h3(xs, y));
  return e9;
}
`,
  },
  {
    name: 'seed 37, program 1492',
    oracle: 'value:coarse',
    fixed: "a value loop as written under a branch, its loop stepping by 2: computed once where its value is read",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","arr"],
    points: [[0,1,[1.3578770027961583e-300,3.73e-321]]],
    source: `
interface f_V { x: number; y: number }
function f_h1(u: number, v: number): f_V {
  return { y: u, x: v };
}
const f_h5 = (a: readonly number[], u: number): number => {
  let s7 = 0;
  for (let i = 0; i < a.length; i++) {
    s7 = Math.hypot(a[1]!, a[i]!, s7);
  }
  return s7;
};
/** @differentiable */
export function f(x: number, y: number, xs: number[]): number {
  const o2 = f_h1(f_h5(xs, y), 1);
  const o10 = o2;
  if (x) {
    return x;
  }
  const out11 = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    out11[i] = x;
  }
  let s12 = 0;
  for (let i = 0; i < out11.length; i += 2) {
    s12 += y;
    x = 1;
  }
  return (o10.y + out11[0]!) + s12;
}
`,
  },
  {
    name: 'seed 37, program 1516',
    oracle: 'cmp',
    fixed: "u /= 0 in a loop stepping by 2 beside a sum: the value loop on its own loop",
    id: 'f',
    call: 'fn',
    kinds: ["num","f32"],
    points: [[1,[-0.984375,0.171875]]],
    source: `
function f_h1(a: Float64Array, u: number = 0.5): number {
  let s7 = 0;
  for (let i = 0; i < a.length; i += 2) {
    s7 += a[1]!;
    u /= 0;
  }
  return s7;
}
/** @differentiable */
export function f(x: number, xs: Float32Array): number {
  const out1 = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    out1[i] = xs[i]!;
  }
  return x * f_h1(out1);
}
`,
  },
  {
    name: 'seed 37, program 106 (sin)',
    oracle: 'cmp',
    fixed: "oracle: the fine tape's adjoint of y overflows (xs[0]² ≈ 3e309) and meets 1 − cos(0) as ∞ − ∞; the coarse gradient is 0, coarsening's value",
    id: 'f',
    call: 'fn',
    kinds: ["num","f64"],
    points: [[0,[-5.3698734594509e+154]]],
    source: `
export const f = differentiable((y: number, xs: Float64Array): number => {
  y += Math.sin(-y);
  let e1 = y * xs[0]!;
  const o2 = { x: 1, y: e1 * xs[0]! };
  return o2.y + e1;
});
`,
  },
  {
    name: 'seed 16489, program 1408',
    oracle: 'internal:coarse',
    fixed: "a closed form with a helper's while loop in another variable's update: the value loop as written could not take that loop (read in root, computed in the original loop); such a loop keeps Horner's form",
    id: 'f',
    call: 'fn',
    kinds: ["num","num","roarr"],
    points: [[1,1,[0.640625]]],
    source: `
function f_h1(u: number): number {
  let p3 = Math.exp(1);
  let c4 = 0;
  while ((p3 < 1) && (c4 < 3)) {
    p3 = p3;
  }
  return p3;
}
/** @differentiable */
export function f(x: number, y: number, xs: readonly number[]): number {
  let p1 = 1;
  for (let i = 0; i < xs.length; i++) {
    p1 = p1;
    y = f_h1(2);
  }
  let h13;
  if (p1) {
    h13 = x;
  } else {
    h13 = xs[2]!;
  }
  return h13;
}
`,
  },
  {
    name: 'seed 60, program 972',
    oracle: 'value:coarse',
    fixed: 'a running maximum written as if (e > m) m = e was coarsened as Math.max, which takes a NaN (sin(∞)); the comparison never does',
    id: 'f',
    call: 'fn',
    kinds: ["num","num","roarr"],
    points: [[1,5.570102950325236e+154,[0]]],
    source: `
export const f = differentiable((x: number, z: number, xs: readonly number[]): number => {
  let h4;
  h4 = z;
  let s9 = 1;
  for (const v10 of xs) {
    const e11 = Math.sin(h4 * h4);
    if (e11 > s9) {
      s9 = e11;
    }
  }
  x += s9;
  return x;
});
`,
  },
  {
    name: 'seed 61, program 1784',
    oracle: 'cmp',
    fixed: "a split sum's careful form summed a·(v·v), whose v² overflows where the chain rule's (a·v)·v is finite (-1.79e308): the careful sum of a derivative multiplies in the chain rule's order",
    id: 'f',
    call: 'fn',
    kinds: ["num","f64"],
    points: [[0,[0,-0.109375,-0.09375,1.7788237277418375e+154]]],
    source: `
const f_K2 = 0.6;
const f_h1 = (a: Float64Array, u: number): number => {
  let s3 = u;
  for (const v4 of a) {
    s3 += (v4 * u) * v4;
  }
  return s3 + f_K2;
};
/** @differentiable */
export function f(x: number, ys: Float64Array): number {
  x = Math.cos(f_h1(ys, x));
  return x;
}
`,
  },
];

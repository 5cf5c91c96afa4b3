/**
 * Benchmark problems: each is a marked function, a hand-written gradient of the kind a careful
 * person writes, and inputs to evaluate them at. The straight-line and branchy problems are here;
 * the loop-and-array problems of BENCHMARKS.md are in loops.ts.
 */
import { grad } from 'coarsegrad';
import { loopProblems } from './loops.js';

/** An argument of a benchmark function. */
export type Arg = number | Float64Array;

/** One entry of a gradient: a number for a number parameter, a Float64Array for an array. */
export type GradientEntry = number | Float64Array | undefined;

export interface Problem {
  readonly name: string;
  /** The configuration, as BENCHMARKS.md gives its sizes; '' for a problem of fixed size. */
  readonly size: string;
  /** Position among the sizes of the same problem: `--quick` runs the first (0) only. */
  readonly sizeIndex: number;
  readonly primal: (...args: any[]) => number;
  readonly coarse: (...args: any[]) => readonly GradientEntry[];
  /** Returns the same entries as `coarse`. */
  readonly hand: (...args: any[]) => readonly GradientEntry[];
  /** The positions of the arguments differentiated, in the order of the gradient's entries; all of them by default. */
  readonly wrt?: readonly number[];
  /** The argument lists to evaluate at, a power of two of them; made only when the problem runs. */
  readonly inputs: () => readonly (readonly Arg[])[];
}

/** 1024 points of a problem of a few numbers, spread over [0, 1) by the golden ratio. */
function points(point: (seed: number) => number[]): () => number[][] {
  return () => Array.from({ length: 1024 }, (_, k) => point((k * 0.6180339887) % 1));
}

/** @differentiable */
export function rosen(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}

function rosenHand(x: number, y: number): number[] {
  const r = y - x * x;
  return [-2 * (1 - x) - 400 * x * r, 200 * r];
}

/** Distance of a two-link arm's hand from a target, squared. */
/** @differentiable */
export function arm(a: number, b: number, tx: number, ty: number): number {
  const hx = Math.cos(a) + 0.8 * Math.cos(a + b);
  const hy = Math.sin(a) + 0.8 * Math.sin(a + b);
  return (hx - tx) ** 2 + (hy - ty) ** 2;
}

function armHand(a: number, b: number, tx: number, ty: number): number[] {
  const c1 = Math.cos(a), s1 = Math.sin(a), c12 = Math.cos(a + b), s12 = Math.sin(a + b);
  const ex = c1 + 0.8 * c12 - tx;
  const ey = s1 + 0.8 * s12 - ty;
  const db = 2 * (ex * -0.8 * s12 + ey * 0.8 * c12);
  const da = 2 * (ex * -s1 + ey * c1) + db;
  return [da, db, -2 * ex, -2 * ey];
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Logistic loss of one sample with three features. */
/** @differentiable */
export function logistic(w0: number, w1: number, w2: number, b: number): number {
  const p = sigmoid(0.3 * w0 - 1.2 * w1 + 0.7 * w2 + b);
  return -(1 * Math.log(p) + 0 * Math.log(1 - p));
}

function logisticHand(w0: number, w1: number, w2: number, b: number): number[] {
  const p = sigmoid(0.3 * w0 - 1.2 * w1 + 0.7 * w2 + b);
  const dz = p - 1;
  return [0.3 * dz, -1.2 * dz, 0.7 * dz, dz];
}

/** Elastic energy of a triangle of three springs, one corner pinned at the origin. */
/** @differentiable */
export function triangle(x1: number, y1: number, x2: number, y2: number): number {
  const l01 = Math.sqrt(x1 * x1 + y1 * y1);
  const l02 = Math.sqrt(x2 * x2 + y2 * y2);
  const l12 = Math.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2);
  return 0.5 * ((l01 - 1) ** 2 + (l02 - 1) ** 2 + (l12 - 1) ** 2);
}

function triangleHand(x1: number, y1: number, x2: number, y2: number): number[] {
  const l01 = Math.sqrt(x1 * x1 + y1 * y1);
  const l02 = Math.sqrt(x2 * x2 + y2 * y2);
  const dx = x2 - x1, dy = y2 - y1;
  const l12 = Math.sqrt(dx * dx + dy * dy);
  const k01 = (l01 - 1) / l01, k02 = (l02 - 1) / l02, k12 = (l12 - 1) / l12;
  return [k01 * x1 - k12 * dx, k01 * y1 - k12 * dy, k02 * x2 + k12 * dx, k02 * y2 + k12 * dy];
}

/** Huber loss of one residual of a linear model: a branch between a parabola and a line. */
/** @differentiable */
export function huber(w: number, b: number): number {
  const r = 0.7 * w + b - 1.3;
  const a = Math.abs(r);
  return a <= 1 ? 0.5 * r * r : a - 0.5;
}

function huberHand(w: number, b: number): number[] {
  const r = 0.7 * w + b - 1.3;
  const d = Math.abs(r) <= 1 ? r : Math.sign(r);
  return [0.7 * d, d];
}

/** A piecewise function with an early return and nested branches. */
/** @differentiable */
export function piecewise(x: number, y: number): number {
  if (x < 0) return Math.exp(x) * y;
  let s = x * y;
  if (s > 1) s = Math.log(s) + 1;
  else if (s < -1) s = -Math.log(-s) - 1;
  return s * s + y;
}

function piecewiseHand(x: number, y: number): number[] {
  if (x < 0) {
    const e = Math.exp(x);
    return [e * y, e];
  }
  const p = x * y;
  let s: number, ds: number;
  if (p > 1) {
    s = Math.log(p) + 1;
    ds = 1 / p;
  } else if (p < -1) {
    s = -Math.log(-p) - 1;
    ds = -1 / p;
  } else {
    s = p;
    ds = 1;
  }
  const g = 2 * s * ds;
  return [g * y, g * x + 1];
}

export const problems: readonly Problem[] = [
  { name: 'rosenbrock', size: '', sizeIndex: 0, primal: rosen, coarse: grad(rosen), hand: rosenHand, inputs: points((s) => [-1.5 + 3 * s, 2 - s]) },
  { name: 'two-link arm', size: '', sizeIndex: 0, primal: arm, coarse: grad(arm), hand: armHand, inputs: points((s) => [s, 1 - s, 0.5, 1.2]) },
  { name: 'logistic loss', size: '', sizeIndex: 0, primal: logistic, coarse: grad(logistic), hand: logisticHand, inputs: points((s) => [s, -s, 0.5, 0.1]) },
  { name: 'spring triangle', size: '', sizeIndex: 0, primal: triangle, coarse: grad(triangle), hand: triangleHand, inputs: points((s) => [1.1 + s, 0.1, 0.4, 0.9 - s]) },
  { name: 'huber (branch)', size: '', sizeIndex: 0, primal: huber, coarse: grad(huber), hand: huberHand, inputs: points((s) => [6 * s - 2, 0.5 - s]) },
  { name: 'piecewise (early return, else-if)', size: '', sizeIndex: 0, primal: piecewise, coarse: grad(piecewise), hand: piecewiseHand, inputs: points((s) => [4 * s - 1, 3 * s - 1.2]) },
  ...loopProblems,
];

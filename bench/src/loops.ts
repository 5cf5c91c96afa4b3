/**
 * The loop-and-array problems of BENCHMARKS.md: HookeanSpring, Brachistochrone, the HMC
 * logistic-regression potential, BGDHyperOpt and GradBench's lse and llsq. Each is written once as plain
 * marked TypeScript following its definition there, next to a hand-written analytic gradient of the
 * kind a careful person writes, and the deterministic data to evaluate both at.
 *
 * And GradBench's gmm.
 */
import { grad } from 'coarsegrad';
import type { Arg, Problem } from './problems.js';
import { mulberry32, uniform } from './random.js';

// ---------------------------------------------------------------------------------------------
// HookeanSpring

/** Spring stiffness. */
const k = 1;

/**
 * Elastic energy of a ring of `n = p.length / 2` vertices (p = x0, y0, x1, y1, ...), with a spring
 * from each vertex `i` to `i + 1` and one to `i + 2` (indices mod n), at rest at the lengths they
 * have on the unit circle with vertex `i` at angle 2πi/n.
 * @differentiable
 */
export function springEnergy(p: Float64Array): number {
  const n = p.length / 2;
  // Chords of the unit circle between vertices one and two apart.
  const rest1 = 2 * Math.sin(Math.PI / n);
  const rest2 = 2 * Math.sin((2 * Math.PI) / n);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const a = (i + 1) % n;
    const b = (i + 2) % n;
    const d1 = Math.sqrt((p[2 * a]! - p[2 * i]!) ** 2 + (p[2 * a + 1]! - p[2 * i + 1]!) ** 2);
    const d2 = Math.sqrt((p[2 * b]! - p[2 * i]!) ** 2 + (p[2 * b + 1]! - p[2 * i + 1]!) ** 2);
    e += 0.5 * k * (d1 - rest1) ** 2;
    e += 0.5 * k * (d2 - rest2) ** 2;
  }
  return e;
}

function springEnergyHand(p: Float64Array): [Float64Array] {
  const n = p.length / 2;
  const rest1 = 2 * Math.sin(Math.PI / n);
  const rest2 = 2 * Math.sin((2 * Math.PI) / n);
  const g = new Float64Array(p.length);
  for (let i = 0; i < n; i++) {
    const xi = p[2 * i]!, yi = p[2 * i + 1]!;
    for (let s = 1; s <= 2; s++) {
      const j = (i + s) % n;
      const dx = p[2 * j]! - xi, dy = p[2 * j + 1]! - yi;
      const d = Math.sqrt(dx * dx + dy * dy);
      // ∂/∂p_j of ½k(d − l0)² is k(d − l0)·(p_j − p_i)/d, and the opposite for p_i.
      const c = (k * (d - (s === 1 ? rest1 : rest2))) / d;
      g[2 * j] += c * dx;
      g[2 * j + 1] += c * dy;
      g[2 * i] -= c * dx;
      g[2 * i + 1] -= c * dy;
    }
  }
  return [g];
}

/** The circle positions scaled by 1.1 and perturbed by 0.01·sin(7k) on coordinate k. */
function springPoint(n: number): Float64Array {
  const p = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    p[2 * i] = 1.1 * Math.cos((2 * Math.PI * i) / n);
    p[2 * i + 1] = 1.1 * Math.sin((2 * Math.PI * i) / n);
  }
  for (let c = 0; c < 2 * n; c++) p[c] += 0.01 * Math.sin(7 * c);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Brachistochrone

/** Gravity, m/s². */
const gravity = 9.8;

/**
 * Time for a bead to slide from (0, 1) to (4, 0) along the polyline through N = yIn.length + 2 points
 * x_i = 4i/(N − 1) with heights 1, yIn..., 0, starting at rest.
 * @differentiable
 */
export function brachistochrone(yIn: Float64Array): number {
  const N = yIn.length + 2;
  let T = 0;
  for (let i = 1; i < N; i++) {
    const x0 = (4 * (i - 1)) / (N - 1);
    const x1 = (4 * i) / (N - 1);
    const y0 = i - 1 === 0 ? 1 : yIn[i - 2]!;
    const y1 = i === N - 1 ? 0 : yIn[i - 1]!;
    const v0 = Math.sqrt(2 * gravity * (1 - y0));
    const v1 = Math.sqrt(2 * gravity * (1 - y1));
    T += Math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2) / ((v0 + v1) / 2);
  }
  return T;
}

function brachistochroneHand(yIn: Float64Array): [Float64Array] {
  const N = yIn.length + 2;
  const g = new Float64Array(N - 2);
  let x0 = 0, y0 = 1, v0 = 0;
  for (let i = 1; i < N; i++) {
    const x1 = (4 * i) / (N - 1);
    const y1 = i === N - 1 ? 0 : yIn[i - 1]!;
    const v1 = Math.sqrt(2 * gravity * (1 - y1));
    const dx = x1 - x0, dy = y1 - y0;
    const length = Math.sqrt(dx * dx + dy * dy);
    const speeds = v0 + v1;
    // Segment time 2L/(v0 + v1): ∂/∂L = 2/(v0 + v1), ∂/∂(v0 + v1) = −2L/(v0 + v1)², dv/dy = −g/v.
    const viaLength = (2 / speeds) * (dy / length);
    const viaSpeed = ((-2 * length) / (speeds * speeds)) * -gravity;
    if (i < N - 1) g[i - 1] += viaLength + viaSpeed / v1;
    if (i > 1) g[i - 2] += -viaLength + viaSpeed / v0;
    x0 = x1;
    y0 = y1;
    v0 = v1;
  }
  return [g];
}

/** The interior heights of the straight line from (0, 1) to (4, 0). */
function straightLine(N: number): Float64Array {
  return Float64Array.from({ length: N - 2 }, (_, k) => 1 - (k + 1) / (N - 1));
}

// ---------------------------------------------------------------------------------------------
// HMC logistic regression

/** Prior variance of each coefficient. */
const sigma2 = 1000;

/** log(1 + e^z) without overflow for large z. */
function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * The log posterior of logistic regression with a N(0, σ²) prior (HMC's potential is its negative):
 * X is n×d row-major, y holds 0s and 1s, β has d coefficients.
 * @differentiable
 */
export function logisticPotential(beta: Float64Array, X: Float64Array, y: Float64Array): number {
  const d = beta.length;
  let u = 0;
  for (let i = 0; i < y.length; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) z += X[i * d + j]! * beta[j]!;
    u += (y[i]! - 1) * z - log1pExp(-z);
  }
  let bb = 0;
  for (let j = 0; j < d; j++) bb += beta[j]! * beta[j]!;
  return u - bb / (2 * sigma2);
}

/** 1/(1 + e^−z) without overflow. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function logisticPotentialHand(beta: Float64Array, X: Float64Array, y: Float64Array): [Float64Array] {
  const d = beta.length;
  const g = new Float64Array(d);
  for (let i = 0; i < y.length; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) z += X[i * d + j]! * beta[j]!;
    // d/dz [(y − 1)z − log(1 + e^−z)] = y − σ(z)
    const w = y[i]! - sigmoid(z);
    for (let j = 0; j < d; j++) g[j] += w * X[i * d + j]!;
  }
  for (let j = 0; j < d; j++) g[j] -= beta[j]! / sigma2;
  return [g];
}

const betaStar = [1, -0.5, 0.25];

/**
 * X uniform in [−2, 2); y_i = 1 when x_i·β* + noise > 0, with logistic noise (so that y is a sample
 * of the model at β*); the potential evaluated at four β near β*.
 */
function logisticInputs(n: number, d: number, seed: number): [Float64Array, Float64Array, Float64Array][] {
  const random = mulberry32(seed);
  const X = Float64Array.from({ length: n * d }, () => uniform(random, -2, 2));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) z += X[i * d + j]! * betaStar[j]!;
    const u = uniform(random, 1e-12, 1);
    y[i] = z + Math.log(u / (1 - u)) > 0 ? 1 : 0;
  }
  return Array.from({ length: 4 }, () => [Float64Array.from({ length: d }, (_, j) => betaStar[j]! + uniform(random, -0.2, 0.2)), X, y]);
}

// ---------------------------------------------------------------------------------------------
// llsq (GradBench)

/**
 * Least squares fit of the polynomial Σ_j x_j·t^j (degree m − 1, m = x.length) to sign(t) at n
 * points t_i evenly spaced in [−1, 1]: ½ Σ_i r_i².
 * @differentiable
 */
export function llsq(x: Float64Array, n: number): number {
  const m = x.length;
  let f = 0;
  for (let i = 0; i < n; i++) {
    const t = -1 + (2 * i) / (n - 1);
    let p = 0;
    for (let j = 0; j < m; j++) p += x[j]! * t ** j;
    const r = Math.sign(t) - p;
    f += r * r;
  }
  return 0.5 * f;
}

/** g_j = −Σ_i r_i·t_i^j, with the powers written as in the primal. */
function llsqHand(x: Float64Array, n: number): [Float64Array] {
  const m = x.length;
  const g = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const t = -1 + (2 * i) / (n - 1);
    let p = 0;
    for (let j = 0; j < m; j++) p += x[j]! * t ** j;
    const r = Math.sign(t) - p;
    for (let j = 0; j < m; j++) g[j] -= r * t ** j;
  }
  return [g];
}

/** Four coefficient vectors, uniform in [−1, 1). */
function llsqInputs(m: number, n: number, seed: number): [Float64Array, number][] {
  const random = mulberry32(seed);
  return Array.from({ length: 4 }, () => [Float64Array.from({ length: m }, () => uniform(random, -1, 1)), n]);
}

// ---------------------------------------------------------------------------------------------
// BGDHyperOpt

/**
 * The training error after batch gradient descent on a one-parameter linear model, as a function of
 * the learning rate `r`: the descent stops after `T` steps or when the step gets small.
 * @differentiable
 */
export function bgd(x: Float64Array, y: Float64Array, r: number, T: number): number {
  let w = 0;
  let k = 0;
  const M = x.length;
  while (k < T) {
    k++;
    let d = 0;
    for (let i = 0; i < M; i++) d += 2 * x[i]! * (y[i]! - x[i]! * w);
    d = d / M;
    if (d < 0.001) break;
    else w = w + r * d;
  }
  let e = 0;
  for (let j = 0; j < M; j++) e += (y[j]! - x[j]! * w) ** 2;
  return Math.sqrt(e) / M;
}

/**
 * By hand, as the coarsening paper writes it: the inner sum is Sxy − Sxx·w, so the two sums are taken
 * once and the descent, with the derivative of w carried forward, costs O(K) after them.
 */
function bgdHand(x: Float64Array, y: Float64Array, r: number, T: number): [number] {
  const M = x.length;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < M; i++) {
    sxx += x[i]! * x[i]!;
    sxy += x[i]! * y[i]!;
  }
  let w = 0;
  let dw = 0;
  for (let k = 0; k < T; k++) {
    const d = (2 * (sxy - sxx * w)) / M;
    if (d < 0.001) break;
    const dd = (-2 * sxx * dw) / M;
    w = w + r * d;
    dw = dw + d + r * dd;
  }
  let e = 0;
  let de = 0;
  for (let j = 0; j < M; j++) {
    const res = y[j]! - x[j]! * w;
    e += res * res;
    de += -2 * res * x[j]! * dw;
  }
  return [de / (2 * Math.sqrt(e) * M)];
}

function bgdInputs(M: number): Arg[][] {
  const x = Float64Array.from({ length: M }, (_, i) => i / M);
  const y = Float64Array.from(x, (v, i) => 2 * v + 0.5 + 0.1 * Math.sin(17 * i));
  return [[x, y, 0.05, 1000]];
}

// ---------------------------------------------------------------------------------------------
// lse (GradBench)

/**
 * log Σ exp(x_i), shifted by the maximum so that it never overflows.
 * @differentiable
 */
export function lse(x: Float64Array): number {
  let a = -Infinity;
  for (let i = 0; i < x.length; i++) a = Math.max(a, x[i]!);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - a);
  return a + Math.log(s);
}

/** The softmax of x. */
function lseHand(x: Float64Array): [Float64Array] {
  let a = -Infinity;
  for (let i = 0; i < x.length; i++) a = Math.max(a, x[i]!);
  const g = new Float64Array(x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += g[i] = Math.exp(x[i]! - a);
  for (let i = 0; i < x.length; i++) g[i]! /= s;
  return [g];
}

function lseInputs(n: number): Arg[][] {
  const random = mulberry32(n);
  return [[Float64Array.from({ length: n }, () => random())]];
}

// ---------------------------------------------------------------------------------------------
// gmm (GradBench)

/** Position of Q_k's entry (r, c), r > c, in l_k: below the diagonal, column by column. */
function lIndex(c: number, r: number, D: number): number {
  return c * D - (c * (c + 1)) / 2 + (r - c - 1);
}

/**
 * The log-likelihood of a Gaussian mixture with a Wishart prior (GradBench's gmm, m = 0, γ = 1,
 * without the constant term): K components in D dimensions, N points X (N×D, row-major). Component
 * k has weight α_k, mean μ_k and the Cholesky-like factor Q_k, lower triangular with exp(q_kj) on its
 * diagonal and l_k below it, column by column.
 * @differentiable
 */
export function gmm(alpha: Float64Array, mu: Float64Array, q: Float64Array, l: Float64Array, X: Float64Array): number {
  const K = alpha.length;
  const D = q.length / K;
  const N = X.length / D;
  const L = (D * (D - 1)) / 2;
  const beta = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < K; k++) {
      let sumQ = 0;
      let norm2 = 0;
      for (let r = 0; r < D; r++) {
        sumQ += q[k * D + r]!;
        let y = Math.exp(q[k * D + r]!) * (X[i * D + r]! - mu[k * D + r]!);
        for (let c = 0; c < r; c++) y += l[k * L + lIndex(c, r, D)]! * (X[i * D + c]! - mu[k * D + c]!);
        norm2 += y * y;
      }
      beta[k] = alpha[k]! + sumQ - 0.5 * norm2;
    }
    let a = -Infinity;
    for (let k = 0; k < K; k++) a = Math.max(a, beta[k]!);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(beta[k]! - a);
    total += a + Math.log(s);
  }
  let a = -Infinity;
  for (let k = 0; k < K; k++) a = Math.max(a, alpha[k]!);
  let s = 0;
  for (let k = 0; k < K; k++) s += Math.exp(alpha[k]! - a);
  let prior = 0;
  for (let j = 0; j < K * D; j++) prior += Math.exp(2 * q[j]!);
  for (let j = 0; j < K * L; j++) prior += l[j]! * l[j]!;
  return -((N * D) / 2) * Math.log(2 * Math.PI) + total - N * (a + Math.log(s)) - 0.5 * prior;
}

/**
 * With w_ik = softmax_k(β_ik), z = x_i − μ_k and y = Q_k z: ∂β/∂α_k = 1, ∂β/∂q_kr = 1 − y_r z_r e^(q_kr),
 * ∂β/∂μ_k = Q_kᵀ y, ∂β/∂(Q_k)_rc = −y_r z_c; the prior adds −e^(2q) and −l, and −N·lse(α) adds
 * −N·softmax(α).
 */
function gmmHand(alpha: Float64Array, mu: Float64Array, q: Float64Array, l: Float64Array, X: Float64Array): [Float64Array, Float64Array, Float64Array, Float64Array] {
  const K = alpha.length;
  const D = q.length / K;
  const N = X.length / D;
  const L = (D * (D - 1)) / 2;
  const dAlpha = new Float64Array(K);
  const dMu = new Float64Array(K * D);
  const dQ = new Float64Array(K * D);
  const dL = new Float64Array(K * L);
  const beta = new Float64Array(K);
  const z = new Float64Array(K * D);
  const y = new Float64Array(K * D);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < K; k++) {
      let sumQ = 0;
      let norm2 = 0;
      for (let r = 0; r < D; r++) {
        sumQ += q[k * D + r]!;
        z[k * D + r] = X[i * D + r]! - mu[k * D + r]!;
        let yr = Math.exp(q[k * D + r]!) * z[k * D + r]!;
        for (let c = 0; c < r; c++) yr += l[k * L + lIndex(c, r, D)]! * z[k * D + c]!;
        y[k * D + r] = yr;
        norm2 += yr * yr;
      }
      beta[k] = alpha[k]! + sumQ - 0.5 * norm2;
    }
    let a = -Infinity;
    for (let k = 0; k < K; k++) a = Math.max(a, beta[k]!);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(beta[k]! - a);
    for (let k = 0; k < K; k++) {
      const w = Math.exp(beta[k]! - a) / s;
      dAlpha[k] += w;
      for (let c = 0; c < D; c++) {
        const e = Math.exp(q[k * D + c]!);
        dQ[k * D + c] += w * (1 - y[k * D + c]! * z[k * D + c]! * e);
        let back = e * y[k * D + c]!;
        for (let r = c + 1; r < D; r++) {
          back += l[k * L + lIndex(c, r, D)]! * y[k * D + r]!;
          dL[k * L + lIndex(c, r, D)] -= w * y[k * D + r]! * z[k * D + c]!;
        }
        dMu[k * D + c] += w * back;
      }
    }
  }
  let a = -Infinity;
  for (let k = 0; k < K; k++) a = Math.max(a, alpha[k]!);
  let s = 0;
  for (let k = 0; k < K; k++) s += Math.exp(alpha[k]! - a);
  for (let k = 0; k < K; k++) dAlpha[k] -= (N * Math.exp(alpha[k]! - a)) / s;
  for (let j = 0; j < K * D; j++) dQ[j] -= Math.exp(2 * q[j]!);
  for (let j = 0; j < K * L; j++) dL[j] -= l[j]!;
  return [dAlpha, dMu, dQ, dL];
}

/** Points and parameters from the seeded generator: X and μ in [−1, 1), α in [−1, 1), q and l in [−0.5, 0.5). */
function gmmInputs(D: number, K: number, N: number): Arg[][] {
  const random = mulberry32(D * 1000 + K);
  const draw = (count: number, lo: number, hi: number) => Float64Array.from({ length: count }, () => uniform(random, lo, hi));
  const X = draw(N * D, -1, 1);
  return [[draw(K, -1, 1), draw(K * D, -1, 1), draw(K * D, -0.5, 0.5), draw((K * D * (D - 1)) / 2, -0.5, 0.5), X]];
}

// ---------------------------------------------------------------------------------------------

function sized<S>(sizes: readonly S[], make: (size: S, sizeIndex: number) => Problem): Problem[] {
  return sizes.map((size, sizeIndex) => make(size, sizeIndex));
}

export const loopProblems: readonly Problem[] = [
  ...sized([10, 20, 40], (n, sizeIndex) => ({
    name: 'HookeanSpring',
    size: `n = ${n}`,
    sizeIndex,
    primal: springEnergy,
    coarse: grad(springEnergy),
    hand: springEnergyHand,
    inputs: () => [[springPoint(n)]],
  })),
  ...sized([200, 400, 1000], (N, sizeIndex) => ({
    name: 'Brachistochrone',
    size: `N = ${N}`,
    sizeIndex,
    primal: brachistochrone,
    coarse: grad(brachistochrone),
    hand: brachistochroneHand,
    inputs: () => [[straightLine(N)]],
  })),
  ...sized(
    [
      [100, 1],
      [1000, 2],
      [800, 3],
    ] as const,
    ([n, d], sizeIndex) => ({
      name: 'HMC logistic regression',
      size: `n = ${n}, d = ${d}`,
      sizeIndex,
      primal: logisticPotential,
      // ∂/∂β only: X and y are data.
      coarse: grad(logisticPotential, { wrt: [0] }),
      hand: logisticPotentialHand,
      wrt: [0],
      inputs: () => logisticInputs(n, d, 1000 * n + d),
    }),
  ),
  ...sized([200, 1000, 2000], (M, sizeIndex) => ({
    name: 'BGDHyperOpt',
    size: `M = ${M}, T = 1000`,
    sizeIndex,
    primal: bgd,
    // ∂/∂r only: the learning rate.
    coarse: grad(bgd, { wrt: [2] }),
    hand: bgdHand,
    wrt: [2],
    inputs: () => bgdInputs(M),
  })),
  ...sized([1000, 100000, 1000000], (n, sizeIndex) => ({
    name: 'lse',
    size: `n = ${n}`,
    sizeIndex,
    primal: lse,
    coarse: grad(lse),
    hand: lseHand,
    inputs: () => lseInputs(n),
  })),
  ...sized([1024, 4096, 16392], (n, sizeIndex) => ({
    name: 'llsq',
    size: `m = 128, n = ${n}`,
    sizeIndex,
    primal: llsq,
    // ∂/∂x only: n is a size.
    coarse: grad(llsq, { wrt: [0] }),
    hand: llsqHand,
    wrt: [0],
    inputs: () => llsqInputs(128, n, n),
  })),
  ...sized(
    [
      [2, 5, 1000],
      [10, 25, 1000],
      [20, 50, 1000],
    ] as const,
    ([D, K, N], sizeIndex) => ({
      name: 'gmm',
      size: `D = ${D}, K = ${K}, N = ${N}`,
      sizeIndex,
      primal: gmm,
      // ∂/∂α, μ, q, l: X is data.
      coarse: grad(gmm, { wrt: [0, 1, 2, 3] }),
      hand: gmmHand,
      wrt: [0, 1, 2, 3],
      inputs: () => gmmInputs(D, K, N),
    }),
  ),
];

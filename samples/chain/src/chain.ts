/**
 * A chain of masses joined by springs, its left end pinned to a wall, stepped in time by
 * semi-implicit Euler: each step updates every velocity from the spring forces, then every position.
 * The state is two Float64Arrays updated in place by loops inside the time loop, the way simulation
 * code is written; coarsegrad differentiates such a nest on its operation tape (`explain` says why).
 */
import type { Int } from 'coarsegrad';

/** Time step, seconds. */
const h = 0.01;

/** Where the chain is after `steps` steps, released at rest from the displacements `x0`. */
export function simulate(k: number, c: number, x0: Float64Array, steps: Int): Float64Array {
  const n = x0.length;
  const x = Float64Array.from(x0);
  const v = new Float64Array(n);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) {
      const left = i > 0 ? x[i - 1]! : 0;
      const right = i < n - 1 ? x[i + 1]! : x[i]!;
      v[i]! += h * (k * (left + right - 2 * x[i]!) - c * v[i]!);
    }
    for (let i = 0; i < n; i++) x[i]! += h * v[i]!;
  }
  return x;
}

/**
 * Squared distance between where the chain is after `steps` steps and the `observed` displacements,
 * for spring stiffness `k` and damping `c`.
 * @differentiable
 */
export function misfit(k: number, c: number, x0: Float64Array, observed: Float64Array, steps: Int): number {
  const x = simulate(k, c, x0, steps);
  let e = 0;
  for (let i = 0; i < x.length; i++) e += (x[i]! - observed[i]!) ** 2;
  return e;
}

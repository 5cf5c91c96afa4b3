/**
 * Every gradient is checked against the hand-written one before it is timed (BENCHMARKS.md), at up
 * to 16 of the inputs; and the gradient by finite differences, which the bench times on the smallest
 * size of each problem as the baseline every AD tool must beat.
 */
import type { Arg, GradientEntry, Problem } from './problems.js';

/**
 * How close each method must come to the hand-written gradient: float64 methods to 1e-9 of each
 * entry (absolute below 1); TF.js, which computes in float32, norm-wise to 1e-3; jax-js norm-wise
 * to 1e-6: it computes in float64, but its wasm exp (and log) is of float32 grade, about 2e-7
 * relative near 0 and 2e-6 at 20, and gmm's ∂/∂α is the difference of two sums of N such terms
 * (measured: up to 4e-7 norm-wise, 5e-6 on single entries of gmm); finite differences norm-wise to
 * 1e-4, since their rounding error is the function's (not the gradient's) rounding divided by the
 * step: a sum of a thousand exponentials over a step of 1e-4 leaves about 1e-8.
 */
function tolerance(mode: string): { readonly rtol: number; readonly normwise: boolean } {
  if (mode === 'TF.js') return { rtol: 1e-3, normwise: true };
  if (mode === 'jax-js') return { rtol: 1e-6, normwise: true };
  if (mode === 'finite differences') return { rtol: 1e-4, normwise: true };
  return { rtol: 1e-9, normwise: false };
}

function describe(at: readonly Arg[]): string {
  return at.map((a) => (typeof a === 'number' ? String(a) : `Float64Array(${a.length})`)).join(', ');
}

export function check(p: Problem, inputs: readonly (readonly Arg[])[], gradient: Problem['coarse'], mode: string): void {
  const { rtol, normwise } = tolerance(mode);
  for (const at of inputs.slice(0, 16)) {
    const c = gradient(...at);
    const h = p.hand(...at);
    if (c.length !== h.length) throw new Error(`${p.name} ${p.size}: ${mode} gives ${c.length} gradient entries, hand-written ${h.length}`);
    h.forEach((expected: GradientEntry, i) => {
      const got = c[i];
      if (expected === undefined) {
        if (got !== undefined) throw new Error(`${p.name} ${p.size}: ${mode} ∂/∂arg${i} = ${got}, hand-written has none`);
        return;
      }
      const want = typeof expected === 'number' ? [expected] : Array.from(expected);
      if (typeof expected !== 'number' && !(got instanceof Float64Array && got.length === expected.length)) {
        throw new Error(`${p.name} ${p.size}: ${mode} ∂/∂arg${i} is not a Float64Array(${expected.length})`);
      }
      const have = typeof got === 'number' ? [got] : Array.from(got as Float64Array);
      // A loop, not Math.max(...): arrays of a million entries overflow the argument list.
      const scale = want.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
      want.forEach((e, k) => {
        const bound = normwise ? rtol * Math.max(scale, 1e-300) : rtol * Math.max(1, Math.abs(e));
        // Written so that a NaN fails too.
        if (!(Math.abs(have[k]! - e) <= bound)) {
          throw new Error(`${p.name} ${p.size}: ${mode} ∂/∂arg${i}${typeof expected === 'number' ? '' : `[${k}]`} = ${have[k]} but hand-written = ${e} at (${describe(at)})`);
        }
      });
    });
  }
}

/**
 * The gradient by 5-point central differences of the primal along every coordinate of the
 * differentiated arguments (`p.wrt`), with steps scaled to each coordinate.
 */
export function finiteDifferences(p: Problem): Problem['coarse'] {
  const wrt = p.wrt ?? Array.from({ length: p.primal.length }, (_, i) => i);
  return (...args: Arg[]) =>
    wrt.map((i) => {
      const arg = args[i]!;
      const along = (value: number, element?: number): number => {
        const moved = args.slice();
        if (element === undefined) moved[i] = value;
        else {
          const copy = Float64Array.from(arg as Float64Array);
          copy[element] = value;
          moved[i] = copy;
        }
        return p.primal(...moved);
      };
      const derivative = (x: number, element?: number): number => {
        // A step relative to the coordinate: small enough for a learning rate of 0.05 and a height
        // next to the brachistochrone's singular start, large enough to keep rounding at 1e-11.
        const h = 1e-4 * (Math.abs(x) || 1);
        return (-along(x + 2 * h, element) + 8 * along(x + h, element) - 8 * along(x - h, element) + along(x - 2 * h, element)) / (12 * h);
      };
      return typeof arg === 'number' ? derivative(arg) : Float64Array.from(arg, (x, element) => derivative(x, element));
    });
}

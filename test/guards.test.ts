/**
 * Argument checks as their authors write them (issue 11, item 3): `throw` of a standard error under
 * `Number.isFinite`, `isNaN`, `Number.isInteger`, `typeof`, `Array.isArray`, length checks, in the
 * marked function, in a helper and inside a loop. Where the primal throws, `grad` and `valueAndGrad`
 * throw the same error in both modes; elsewhere the gradient matches finite differences.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertTreeGradient } from './gradcheck.js';
import { build, prelude } from './harness.js';

interface Program {
  readonly source: string;
  readonly name: string;
  /** Where the primal returns a number. */
  readonly points: readonly (readonly unknown[])[];
  /** Where it throws. */
  readonly throwing: readonly (readonly unknown[])[];
  /** Positions of counts, not differentiated. */
  readonly discrete?: readonly number[];
}

const programs: Record<string, Program> = {
  'checks at the top: lengths, Number.isFinite, typeof an optional, Array.isArray, a template message': {
    name: 'weightedLoss',
    source: `/** @differentiable */
export function weightedLoss(pred: Float64Array, target: Float64Array, scale: number, floor?: number): number {
  if (pred.length !== target.length) throw new RangeError(\`lengths differ: \${pred.length} and \${target.length}\`);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error('scale must be a positive number, got ' + scale);
  if (Array.isArray(pred)) throw new TypeError('pred must be a Float64Array');
  const f = typeof floor === 'number' ? floor : 0;
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i]! - target[i]!) ** 2;
  return scale * Math.max(s, f);
}`,
    points: [
      [Float64Array.from([0.5, 1.5]), Float64Array.from([1, 1]), 2],
      [Float64Array.from([0.5, 1.5]), Float64Array.from([1, 1]), 0.5, 0.1],
    ],
    throwing: [
      [Float64Array.from([0.5]), Float64Array.from([1, 1]), 2],
      [Float64Array.from([0.5]), Float64Array.from([1]), Infinity],
      [Float64Array.from([0.5]), Float64Array.from([1]), NaN],
      [Float64Array.from([0.5]), Float64Array.from([1]), -1],
    ],
  },
  'a helper that throws on a value computed on the way, and Number.isInteger on a count': {
    name: 'rootMean',
    source: `function checkedSqrt(v: number): number {
  if (v < 0) throw new RangeError(\`cannot take the root of \${v}\`);
  return Math.sqrt(v);
}
/** @differentiable */
export function rootMean(xs: number[], w: number, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error('n must be a positive integer');
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += w * xs[i]!;
  return checkedSqrt(s / n) * n;
}`,
    points: [[[1, 2, 3], 0.5, 2], [[0.25, 4], 1.5, 3]],
    throwing: [[[1, 2], -1, 2], [[1], 1, 1.5], [[1], 1, 0]],
    discrete: [2],
  },
  "a helper's message passed to it as a string": {
    name: 'f',
    source: `function checked(x: number, label: string): number {
  if (x < 0) throw new Error(label);
  return x * x;
}
/** @differentiable */
export function f(x: number): number {
  return checked(x, 'x must not be negative') * 2;
}`,
    points: [[1.5]],
    throwing: [[-1]],
  },
  'a check inside a loop over the data (taken by the operation tape), with isNaN': {
    name: 'logLikelihood',
    source: `/** @differentiable */
export function logLikelihood(p: Float64Array, k: number): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (isNaN(p[i]!) || !(p[i]! > 0)) throw new RangeError('probability ' + i + ' is not positive: ' + p[i]);
    total += k * Math.log(p[i]!);
  }
  return total;
}`,
    points: [[Float64Array.from([0.2, 0.5, 0.9]), 1.5]],
    throwing: [[Float64Array.from([0.2, 0, 0.9]), 1.5], [Float64Array.from([NaN]), 1]],
  },
};

const guards = suite('argument checks and throw');

for (const [title, p] of Object.entries(programs)) {
  guards(title, () => {
    for (const plugin of [{}, { mode: 'fine' as const }]) {
      const mode = plugin.mode ?? 'coarse';
      const m = build(`${prelude}${p.source}\n`, { plugin });
      const f = m[p.name] as (...a: unknown[]) => number;
      for (const at of p.points) {
        const [value, gradient] = m.valueAndGrad(f)(...at) as [number, unknown[]];
        assert.is(value, f(...at), `${title} (${mode}): value`);
        const differentiated = at.map((a, i) => (p.discrete?.includes(i) ? undefined : a));
        assertTreeGradient((...a: unknown[]) => f(...a.map((x, i) => x ?? at[i])), gradient.slice(0, at.length), differentiated, `${title} (${mode})`);
      }
      for (const at of p.throwing) {
        let expected: unknown;
        try {
          f(...at);
        } catch (e) {
          expected = e;
        }
        assert.ok(expected instanceof Error, `${title}: the primal throws at ${String(at)}`);
        for (const [what, run] of [['grad', () => m.grad(f)(...at)], ['valueAndGrad', () => m.valueAndGrad(f)(...at)]] as const) {
          let thrown: unknown;
          try {
            run();
          } catch (e) {
            thrown = e;
          }
          assert.ok(thrown instanceof Error, `${title} (${mode}): ${what} throws at ${String(at)}`);
          assert.is((thrown as Error).constructor, (expected as Error).constructor, `${title} (${mode}): ${what}'s error class`);
          assert.is((thrown as Error).message, (expected as Error).message, `${title} (${mode}): ${what}'s message`);
        }
      }
    }
  });
}

guards.run();

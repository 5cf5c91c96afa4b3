/**
 * Changes to what a marked function is given (issue 11, item 9): an in-place simulation step, a
 * normalisation in place, pushes onto a parameter array (through a helper), a state object stepped
 * in place with a nested object and an array in it, points (`number[][]`) and particles (an array
 * of objects) stepped in place. The companion changes the caller's arrays and
 * objects exactly as the primal does, and the gradient is with respect to the values on entry;
 * both modes (the coarse mode hands such a function to the operation tape), against 5-point
 * finite differences on fresh copies of the arguments.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, assertTreeGradient, finiteDifference } from './gradcheck.js';
import { build, prelude } from './harness.js';

type Args = [Float64Array, Float64Array, number];

const programs: Record<string, { readonly source: string; readonly name: string; readonly args: () => Args }> = {
  'a time step updating positions in place, through a helper, and a velocity changed in the function': {
    name: 'simulate',
    source: `function step(pos: Float64Array, vel: Float64Array, dt: number): void {
  for (let i = 0; i < pos.length; i++) pos[i] += dt * vel[i]!;
}
/** @differentiable */
export function simulate(pos: Float64Array, vel: Float64Array, dt: number): number {
  for (let k = 0; k < 3; k++) step(pos, vel, dt);
  vel[0] = vel[0]! * 0.5;
  let e = 0;
  for (let i = 0; i < pos.length; i++) e += pos[i]! * pos[i]! + vel[i]!;
  return e;
}`,
    args: () => [Float64Array.from([1, 2, -0.5]), Float64Array.from([0.5, -1, 0.25]), 0.1],
  },
  'a normalisation in place, then a weighted sum': {
    name: 'normalised',
    source: `/** @differentiable */
export function normalised(xs: Float64Array, w: Float64Array, p: number): number {
  let norm = 0;
  for (let i = 0; i < xs.length; i++) norm += xs[i]! * xs[i]!;
  norm = Math.sqrt(norm);
  for (let i = 0; i < xs.length; i++) xs[i] = xs[i]! / norm;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += w[i]! * xs[i]! ** p;
  return s;
}`,
    args: () => [Float64Array.from([0.3, 1.2, 0.8]), Float64Array.from([1, -0.5, 2]), 2],
  },
};

const inPlace = suite('writes to parameter arrays');

for (const [title, p] of Object.entries(programs)) {
  inPlace(title, () => {
    for (const plugin of [{}, { mode: 'fine' as const }]) {
      const mode = plugin.mode ?? 'coarse';
      const m = build(`${prelude}${p.source}\n`, { plugin });
      const f = m[p.name] as (...a: Args) => number;
      const primalArgs = p.args();
      const value = f(...primalArgs);
      const companionArgs = p.args();
      const [companionValue, gradient] = m.valueAndGrad(f)(...companionArgs) as [number, [Float64Array, Float64Array, number]];
      assert.is(companionValue, value, `${title} (${mode}): value`);
      assert.equal(companionArgs.slice(0, 2).map((a) => Array.from(a as Float64Array)), primalArgs.slice(0, 2).map((a) => Array.from(a as Float64Array)), `${title} (${mode}): the caller's arrays as the primal leaves them`);
      // With respect to the values on entry: every evaluation starts from fresh arrays.
      for (const k of [0, 1] as const) {
        p.args()[k].forEach((x0, j) =>
          assertClose(
            gradient[k][j]!,
            finiteDifference((x) => {
              const a = p.args();
              a[k][j] = x;
              return f(...a);
            }, [x0], 0),
            `${title} (${mode}): ∂/∂${k}[${j}]`,
          ),
        );
      }
      assertClose(gradient[2], finiteDifference((x) => f(p.args()[0], p.args()[1], x), [p.args()[2]], 0), `${title} (${mode}): ∂/∂2`);
    }
  });
}

/** Programs over objects and plain arrays: checked on fresh arguments, every number of them. */
const given: Record<string, { readonly source: string; readonly name: string; readonly args: () => unknown[] }> = {
  'a helper pushing onto a parameter array, read back past its old end': {
    name: 'f',
    source: `function record(xs: number[], x: number): void {
  xs.push(x, x * x);
}
/** @differentiable */
export function f(x: number, xs: number[]): number {
  record(xs, x);
  let s = 0;
  for (const v of xs) s += v * v;
  return s + xs[xs.length - 1]! * x;
}`,
    args: () => [1.5, [2, 3]],
  },
  'a state object stepped in place: fields, a nested object, an array pushed to, a helper changing it': {
    name: 'step',
    source: `interface State { x: number; v: number; trail: number[]; body: { m: number } }
function drag(s: State, c: number): void {
  s.v -= c * s.v;
}
/** @differentiable */
export function step(s: State, k: number, dt: number): number {
  for (let i = 0; i < 3; i++) {
    s.v -= (k / s.body.m) * s.x * dt;
    s.x += s.v * dt;
    drag(s, 0.1);
    s.trail.push(s.x);
  }
  s.body.m *= 1.01;
  return 0.5 * s.body.m * s.v * s.v + 0.5 * k * s.x * s.x + s.trail.reduce((a, b) => a + b, 0);
}`,
    args: () => [{ x: 1, v: 0.5, trail: [0.25], body: { m: 2 } }, 3, 0.1],
  },
  'particles as points, stepped in place row by row, a row pushed to and one replaced': {
    name: 'advance',
    source: `type Vec = number[];
function drift(p: Vec, v: Vec, dt: number): void {
  for (let d = 0; d < p.length; d++) p[d] += v[d]! * dt;
}
/** @differentiable */
export function advance(pos: number[][], vel: number[][], dt: number): number {
  for (let i = 0; i < pos.length; i++) {
    drift(pos[i]!, vel[i]!, dt);
    vel[i]![1] -= 9.8 * dt;
  }
  pos[0]!.push(pos[0]![0]! * 2);
  pos[pos.length - 1] = [pos[1]![1]! * dt, -1];
  let e = 0;
  for (const p of pos) for (const c of p) e += c * c;
  for (const [vx, vy] of vel) e += 0.5 * (vx! * vx! + vy! * vy!);
  return e;
}`,
    args: () => [[[1, 2], [0.5, -1], [3, 0.25]], [[0.5, 0.1], [-0.2, 0.3], [1, 1]], 0.1],
  },
  'a particle system of objects stepped in place, through for...of and a helper': {
    name: 'tick',
    source: `interface Particle { x: number; y: number; vx: number; vy: number; m: number }
function push(p: Particle, fx: number, fy: number, dt: number): void {
  p.vx += (fx / p.m) * dt;
  p.vy += (fy / p.m) * dt;
}
/** @differentiable */
export function tick(ps: Particle[], k: number, dt: number): number {
  for (const p of ps) {
    push(p, -k * p.x, -k * p.y - 9.8 * p.m, dt);
    p.x += p.vx * dt;
    p.y += p.vy * dt;
  }
  ps[0]!.m *= 1.5;
  let e = 0;
  for (let i = 0; i < ps.length; i++) e += 0.5 * ps[i]!.m * (ps[i]!.vx ** 2 + ps[i]!.vy ** 2) + 0.5 * k * (ps[i]!.x ** 2 + ps[i]!.y ** 2);
  return e;
}`,
    args: () => [[{ x: 1, y: 0.5, vx: 0, vy: 0.2, m: 2 }, { x: -0.5, y: 1, vx: 0.3, vy: 0, m: 1 }], 4, 0.05],
  },
};

for (const [title, p] of Object.entries(given)) {
  inPlace(title, () => {
    for (const plugin of [{}, { mode: 'fine' as const }]) {
      const mode = plugin.mode ?? 'coarse';
      const m = build(`${prelude}${p.source}\n`, { plugin });
      const f = m[p.name] as (...a: unknown[]) => number;
      const primalArgs = p.args();
      const value = f(...primalArgs);
      const companionArgs = p.args();
      const [companionValue, gradient] = m.valueAndGrad(f)(...companionArgs) as [number, unknown[]];
      assert.is(companionValue, value, `${title} (${mode}): value`);
      assert.equal(companionArgs, primalArgs, `${title} (${mode}): the caller's arrays and objects as the primal leaves them`);
      // With respect to the values on entry: every evaluation starts from fresh arguments.
      assertTreeGradient((...a: unknown[]) => f(...structuredClone(a)), gradient, p.args(), `${title} (${mode})`);
    }
  });
}

inPlace.run();

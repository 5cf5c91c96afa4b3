/** Gradient checking against 5-point central finite differences. */
import * as assert from 'uvu/assert';

/** ∂f/∂x_i by the 5-point stencil, step scaled to the coordinate. */
export function finiteDifference(f: (...args: number[]) => number, args: readonly number[], i: number, step = 1e-3): number {
  const h = step * Math.max(1, Math.abs(args[i]!));
  const at = (delta: number): number => {
    const moved = args.slice();
    moved[i] = moved[i]! + delta;
    return f(...moved);
  };
  return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
}

/** Relative-or-absolute closeness, with a message naming what was compared. */
export function assertClose(actual: number, expected: number, what: string, rtol = 1e-6, atol = 1e-8): void {
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  assert.ok(ok, `${what}: got ${actual}, expected ${expected}`);
}

/** Checks every entry of `gradient` against finite differences of `f` at `args`. */
export function assertGradient(
  f: (...args: number[]) => number,
  gradient: readonly unknown[],
  args: readonly number[],
  what: string,
  rtol = 1e-6,
  atol = 1e-8,
): void {
  assert.is(gradient.length, args.length, `${what}: gradient length`);
  args.forEach((_, i) => {
    const g = gradient[i];
    assert.type(g, 'number', `${what}: gradient entry ${i}`);
    assertClose(g as number, finiteDifference(f, args, i), `${what} ∂/∂x${i} at (${args.join(', ')})`, rtol, atol);
  });
}

/** An argument of a test program: a number or an array of numbers. */
export type Arg = number | number[] | Float64Array | Float32Array;

/** Every number an argument list holds, with a way to put one back: the coordinates of finite differences. */
export function coordinates(args: readonly Arg[]): { get: (k: number) => number; with: (k: number, v: number) => Arg[]; count: number; slot: (k: number) => [number, number | undefined] } {
  const slots: [number, number | undefined][] = [];
  args.forEach((a, i) => (typeof a === 'number' ? slots.push([i, undefined]) : Array.from(a, (_, j) => slots.push([i, j]))));
  return {
    count: slots.length,
    slot: (k) => slots[k]!,
    get: (k) => {
      const [i, j] = slots[k]!;
      const a = args[i]!;
      return typeof a === 'number' ? a : a[j!]!;
    },
    with: (k, v) => {
      const [i, j] = slots[k]!;
      return args.map((a, n) => {
        if (n !== i) return a;
        if (typeof a === 'number') return v;
        const copy = a.slice() as typeof a;
        copy[j!] = v;
        return copy;
      });
    },
  };
}

/** An argument that may hold objects of numbers and arrays, as a parameter object does. */
export type Tree = Arg | string | boolean | undefined | readonly Tree[] | { readonly [key: string]: Tree };

/** The numbers in `tree` by their paths, in key order; strings, booleans and `undefined` hold none. */
export function numbersIn(tree: unknown, path: readonly (string | number)[] = []): [readonly (string | number)[], number][] {
  if (typeof tree === 'number') return [[path, tree]];
  if (tree === null || typeof tree !== 'object') return [];
  if (ArrayBuffer.isView(tree) || Array.isArray(tree)) return Array.from(tree as ArrayLike<unknown>).flatMap((v, i) => numbersIn(v, [...path, i]));
  return Object.keys(tree).flatMap((k) => numbersIn((tree as Record<string, unknown>)[k], [...path, k]));
}

/** `tree` at `path`. */
export function at(tree: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((t, k) => (t === undefined || t === null ? undefined : (t as Record<string | number, unknown>)[k]), tree);
}

/** A copy of `tree` (objects and arrays copied along `path` only) with `value` at `path`. */
export function withAt<T>(tree: T, path: readonly (string | number)[], value: number): T {
  if (path.length === 0) return value as T;
  const [k, ...rest] = path;
  const copy = (ArrayBuffer.isView(tree) ? (tree as unknown as Float64Array).slice() : Array.isArray(tree) ? tree.slice() : { ...(tree as object) }) as Record<string | number, unknown>;
  copy[k!] = withAt(copy[k!], rest, value);
  return copy as T;
}

/**
 * Checks every number of `args` (inside objects and arrays too) against 5-point finite differences
 * of `f`: the gradient has the arguments' shape, so the derivative sits at the same path in it.
 */
export function assertTreeGradient(f: (...args: any[]) => number, gradient: readonly unknown[], args: readonly unknown[], what: string): void {
  for (const [path] of numbersIn(args)) {
    const along = (v: number) => f(...withAt(args, path, v));
    const got = at(gradient, path);
    assert.type(got, 'number', `${what}: gradient at ${path.join('.')}`);
    const x = at(args, path) as number;
    // A small coordinate (a time step of 0.05 taken 40 times) gets a step relative to itself: a
    // step of 1e-3 would be 2% of it, and the stencil's truncation error would show.
    const step = 1e-3 * Math.min(1, Math.max(Math.abs(x), 1e-2));
    assertClose(got as number, finiteDifference(along, [x], 0, step), `${what}: ∂/∂${path.join('.')}`);
  }
}

/** A program of a table of marked functions: its source, the marked function, points to check it at. */
export interface TableProgram {
  readonly source: string;
  /** The marked function's name. */
  readonly name: string;
  readonly points: readonly (readonly unknown[])[];
  /** Positions of parameters that are counts or indices, not differentiated. */
  readonly discrete?: readonly number[];
}

/**
 * `valueAndGrad(f)` at `at`: its value against the primal's, and its gradient at every number of
 * the arguments (those at `discrete` aside) against 5-point finite differences. `fresh`: every
 * evaluation gets a copy of the arguments (for functions that change them). Returns the gradient.
 */
export function checkAtPoint(
  valueAndGrad: (f: (...a: unknown[]) => number) => (...a: unknown[]) => unknown,
  f: (...a: unknown[]) => number,
  at: readonly unknown[],
  p: Pick<TableProgram, 'discrete'>,
  title: string,
  fresh = false,
): unknown[] {
  const given = (a: readonly unknown[]): unknown[] => (fresh ? structuredClone(a as unknown[]) : [...a]);
  const [value, gradient] = valueAndGrad(f)(...given(at)) as [number, unknown[]];
  assertClose(value, f(...given(at)), `${title}: value`, 1e-12, 1e-12);
  const differentiated = at.map((a, i) => (p.discrete?.includes(i) ? undefined : a));
  assertTreeGradient((...a: unknown[]) => f(...given(a.map((x, i) => x ?? at[i]))), gradient.slice(0, at.length), differentiated, title);
  return gradient;
}

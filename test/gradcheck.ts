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

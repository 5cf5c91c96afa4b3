/**
 * The fine-grained mode (DESIGN.md §7): one tape entry per primitive operation on an active value,
 * nothing recorded for counters, sizes and conditions, a tape reused across calls, and gradients
 * equal to the coarse mode's (every program the other suites build is also built in this mode and
 * compared gradient by gradient, in `harness.ts`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { assertGradient } from './gradcheck.js';
import { build, compile, crossCheckedCount, describeDiagnostics, prelude, runtimeEntry } from './harness.js';

const fine = suite('the fine-grained mode');
const mode = { plugin: { mode: 'fine' as const } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { operations } = require(runtimeEntry) as typeof import('../runtime/index.js');

const source = `${prelude}
function sq(u: number): number { return u * u; }

/** @differentiable */
export function straight(x: number, y: number): number {
  return x * y + Math.sin(x);
}

/** @differentiable */
export function summed(xs: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += sq(xs[i]!);
  return s;
}

/** @differentiable */
export function newton(a: number): number {
  let z = 1;
  while (Math.abs(z * z - a) > 1e-14) z -= (z * z - a) / (2 * z);
  return z;
}
`;

fine('one tape entry per primitive operation on an active value, and none for constants', () => {
  const m = build(source, mode);
  m.grad(m.straight)(0.3, 2);
  // Slot 0 (the constant), the inputs x and y, then x*y, sin(x) and the sum.
  assert.is(operations.size, 6);
  m.grad(m.summed)(Float64Array.from([1, 2, 3]), 3);
  // Slot 0, three inputs, then per element the square and the running sum (0 + sq records nothing
  // for the first term's constant operand but still one entry for the sum). `n` decides the trip
  // count: an integer, not an input.
  assert.is(operations.size, 1 + 3 + 3 * 2);
});

fine('loop counters, sizes and conditions are plain numbers in the companion: nothing recorded for them', () => {
  const js = compile({ 'main.ts': source }, { ...mode, module: ts.ModuleKind.ESNext }).js['main.ts']!;
  const summed = js.slice(js.indexOf('function summed$grad'), js.indexOf('function newton'));
  assert.match(summed, /for \(let i = 0; i < n; i\+\+\)/);
  const newton = js.slice(js.indexOf('function newton$grad'));
  // The convergence test is evaluated as a value: the loop stays a while loop and records nothing.
  assert.match(newton, /while \(Math\.abs\(z \* z - a\) > 1e-14\)/);
});

fine('the tape is reused: repeated calls record the same entries and give the same gradient', () => {
  const m = build(source, mode);
  const xs = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i));
  const first = m.grad(m.summed)(xs, xs.length)[0] as Float64Array;
  const size = operations.size;
  const second = m.grad(m.summed)(xs, xs.length)[0] as Float64Array;
  assert.is(operations.size, size);
  assert.equal(Array.from(second), Array.from(first));
  assert.equal(Array.from(first.slice(0, 3)), [0, 2 * Math.sin(1), 2 * Math.sin(2)]);
});

fine('gradients against finite differences and exact values', () => {
  const m = build(source, mode);
  assertGradient(m.straight, m.grad(m.straight)(0.3, 2), [0.3, 2], 'straight');
  assertGradient(m.newton, m.grad(m.newton)(2), [2], 'newton');
  // d√a/da = 1/(2√a), from Newton's iterations (converged, so exact to rounding).
  assert.ok(Math.abs(m.grad(m.newton)(2)[0] - 1 / (2 * Math.SQRT2)) < 1e-12);
});

fine('every program built in the coarse mode is also compared with the fine mode', () => {
  const before = crossCheckedCount();
  const m = build(source);
  m.grad(m.straight)(0.3, 2);
  m.valueAndGrad(m.summed)(Float64Array.from([1, 2]), 2);
  assert.is(crossCheckedCount(), before + 2);
});

fine('what the fine mode cannot differentiate is a diagnostic at its position, as in the coarse mode', () => {
  const bad = `${prelude}/** @differentiable */\nexport function f(xs: number[], ys: number[][][]): number {\n  xs[0] = 1;\n  return xs[1]!;\n}\n`;
  const lines = describeDiagnostics(compile({ 'main.ts': bad }, mode).diagnostics);
  assert.is(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /main\.ts\(4,33\): TS95004: .*arrays nested deeper than rows of numbers \(number\[\]\[\]\[\]\)/);
  const writes = `${prelude}const config = { k: 1 };\n/** @differentiable */\nexport function f(x: number): number {\n  config.k = x;\n  return config.k * x;\n}\n`;
  const written = describeDiagnostics(compile({ 'main.ts': writes }, mode).diagnostics);
  assert.is(written.length, 1, written.join('\n'));
  assert.match(written[0]!, /main\.ts\(6,3\): TS95006: .*from outside the marked function/);
});

fine('arrays that are not the function\'s own are never written, whatever name reaches them', () => {
  const cases: [string, RegExp][] = [
    ['const a = weights;\n  a[0] = x;\n  return a[1]! * x;', /TS95006: .*(writing to an array from outside the marked function|outer state)/],
    ['let a: number[] = [0, 0];\n  a = xs;\n  a[0] = x;\n  return a[1]! * x;', /TS95006: .*the parameter array 'xs'.*copy it into a local array first/],
    ['const o = { pos: xs, k: x };\n  o.pos.push(x);\n  return o.pos[1]! * x;', /TS95006: .*'push' on the parameter array 'xs'/],
  ];
  for (const [body, says] of cases) {
    for (const plugin of [{}, { mode: 'fine' as const }]) {
      const text = `${prelude}const weights = [1, 2, 3];\n/** @differentiable */\nexport function f(x: number, xs: number[]): number {\n  ${body}\n}\n`;
      const lines = describeDiagnostics(compile({ 'main.ts': text }, { plugin }).diagnostics);
      assert.is(lines.length, 1, `${body}: ${lines.join('\n')}`);
      assert.match(lines[0]!, says);
    }
  }
  // A copy is the function's own: written freely, differentiated through.
  const m = build(`${prelude}const weights = [1, 2, 3];\n/** @differentiable */\nexport function f(x: number): number {\n  const c = Float64Array.from(weights);\n  c[0] = x * c[1]!;\n  const d = c.slice();\n  d[2] *= x;\n  return c[0]! * d[2]!;\n}\n`);
  // f = (2x)(3x) = 6x², f' = 12x.
  assert.equal(m.grad(m.f)(0.5), [6]);
});

fine('a marked arrow reads `this` where it stands, in both modes', () => {
  const source = `${prelude}export class Model {\n  k = 3;\n  loss = differentiable((w: number, xs: number[]): number => {\n    let s = 0;\n    for (let i = 0; i < xs.length; i++) s += (this.k * w - xs[i]!) ** 2;\n    return s;\n  });\n}\n`;
  for (const plugin of [{}, { mode: 'fine' as const }]) {
    const m = build(source, { plugin });
    const model = new m.Model();
    model.k = 2;
    // s = Σ (k·w − x_i)²: ∂/∂w = Σ 2k(k·w − x_i), ∂/∂x_i = −2(k·w − x_i).
    const [dw, dxs] = m.grad(model.loss)(0.5, [1, 3]);
    assert.is(dw, 2 * 2 * (1 - 1) + 2 * 2 * (1 - 3));
    assert.equal(Array.from(dxs as Float64Array), [0, 4]);
  }
});

fine.run();

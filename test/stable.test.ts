/**
 * Stable forms (transformer/stable.ts, DESIGN.md §5): each written as users write it, at the inputs
 * where the chain rule breaks down (exp overflowing at ±800, a norm at the origin, a quotient by a
 * tiny |x|) and at ordinary ones, in both modes, against the exact derivative. The value stays the
 * primal's to the bit, Infinity included.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, describeDiagnostics, load, prelude } from './harness.js';

const forms = suite('stable forms');

const program = `
/** @differentiable */
export function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
/** @differentiable */
export function softplus(z: number): number {
  return Math.log(1 + Math.exp(z));
}
/** @differentiable */
export function softplusRight(z: number): number {
  return Math.log(Math.exp(z) + 1);
}
/** @differentiable */
export function softplus1p(z: number): number {
  return Math.log1p(Math.exp(z));
}
/** @differentiable */
export function logAddExp(a: number, b: number): number {
  return Math.log(Math.exp(a) + Math.exp(b));
}
/** @differentiable */
export function logisticRatio(z: number): number {
  return Math.exp(z) / (1 + Math.exp(z));
}
/** @differentiable */
export function distance(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}
/** @differentiable */
export function length3(v: Float64Array): number {
  return Math.sqrt(v[0]! ** 2 + v[1]! ** 2 + Math.pow(v[2]!, 2));
}
/** @differentiable */
export function cancelled(y: number, s: number): number {
  y += -y;
  return y * s * s;
}
/** @differentiable */
export function direction(x: number): number {
  return x / Math.abs(x);
}
/** The energy of springs of rest length 1 between consecutive points (x, y) of a flat array. */
/** @differentiable */
export function springs(p: Float64Array): number {
  let e = 0;
  for (let i = 0; i + 3 < p.length; i += 2) {
    const dx = p[i + 2]! - p[i]!;
    const dy = p[i + 3]! - p[i + 1]!;
    const d = Math.sqrt(dx * dx + dy * dy);
    e += (d - 1) ** 2;
  }
  return e;
}
/** Log-sum-exp as a textbook writes it (stable-sums.ts): a loop's sum of exponentials, then its log. */
/** @differentiable */
export function logSumExp(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]!);
  return Math.log(s);
}
/** @differentiable */
export function logSumExpOf(x: number[]): number {
  let total = 0;
  for (const v of x) total = total + Math.exp(v);
  return Math.log(total);
}
/** Softmax cross-entropy over the rows of a batch of logits, K classes per row. */
/** @differentiable */
export function crossEntropy(logits: Float64Array, K: number, labels: Float64Array): number {
  let loss = 0;
  const n = logits.length / K;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(logits[r * K + k]!);
    loss += Math.log(s) - logits[r * K + labels[r]!]!;
  }
  return loss / n;
}
function score(w: number, v: number): number {
  return w * v + 1;
}
/** A while loop with its counter outside, the term in a local, the exponent from a helper. */
/** @differentiable */
export function temperedLse(x: Float64Array, w: number): number {
  let s = 0;
  let i = 0;
  while (i < x.length) {
    const e = Math.exp(score(w, x[i]!));
    s += e;
    i++;
  }
  return 2 * Math.log(s);
}
/** A classifier written as its authors write it: a class, logits pushed into an array, an options
 * object with a default, a for-of log-sum-exp with a temperature. */
interface Options { temperature?: number }
class Softmax {
  constructor(readonly classes: number) {}
  logits(w: Float64Array, x: number[]): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.classes; k++) out.push(w[2 * k]! * x[0]! + w[2 * k + 1]! * x[1]!);
    return out;
  }
  logPartition(z: number[], opts: Options = {}): number {
    const t = opts.temperature ?? 1;
    let total = 0;
    for (const v of z) total += Math.exp(v / t);
    return t * Math.log(total);
  }
}
const model = new Softmax(3);
/** @differentiable */
export function softmaxNll(w: Float64Array, px: number, py: number, label: number): number {
  const z = model.logits(w, [px, py]);
  return model.logPartition(z, { temperature: 0.5 }) - z[label]!;
}
/** Softmax probabilities read the sum too: not the form, and left as written. */
/** @differentiable */
export function firstProbability(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]!);
  return Math.exp(x[0]!) / s + Math.log(s);
}
`;

type Mode = 'coarse' | 'fine';
const modules = new Map<Mode, Record<string, any>>();
for (const mode of ['coarse', 'fine'] as const) {
  const result = compile({ 'main.ts': prelude + program }, { plugin: { mode } });
  modules.set(mode, { ...load(result.js), diagnostics: describeDiagnostics(result.diagnostics) });
}

const σ = (z: number): number => 1 / (1 + Math.exp(-z));
/** The softmax, shifted by the largest entry: finite for any finite x. */
const softmax = (x: number[]): number[] => {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const t = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / t);
};
const crossEntropyGradient = (logits: number[], K: number, labels: number[]): number[] => {
  const n = logits.length / K;
  return logits.flatMap((_, i) => (i % K === 0 ? softmax(logits.slice(i, i + K)).map((p, k) => (p - (labels[i / K] === k ? 1 : 0)) / n) : []));
};
const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

/** name, arguments, expected gradient (numbers, or arrays for array parameters). */
const cases: [string, unknown[], (number | number[])[]][] = [
  ['logistic', [-800], [0]],
  ['logistic', [800], [0]],
  ['logistic', [0], [0.25]],
  ['logistic', [3], [σ(3) * (1 - σ(3))]],
  ['softplus', [800], [1]],
  ['softplus', [-800], [0]],
  ['softplus', [0], [0.5]],
  ['softplus', [-3], [σ(-3)]],
  ['softplusRight', [800], [1]],
  ['softplusRight', [2], [σ(2)]],
  ['softplus1p', [800], [1]],
  ['softplus1p', [-1], [σ(-1)]],
  ['logAddExp', [800, 801], [σ(-1), σ(1)]],
  ['logAddExp', [-800, -801], [σ(1), σ(-1)]],
  ['logAddExp', [0, 1], [σ(-1), σ(1)]],
  ['distance', [0, 0], [0, 0]],
  ['distance', [3, 4], [0.6, 0.8]],
  // The squares underflow and the value is 0, but the norm is 1e-200: its derivative, not the origin's.
  ['distance', [-1e-200, 0], [-1, 0]],
  ['distance', [1e-300, 1e-300], [Math.SQRT1_2, Math.SQRT1_2]],
  ['logisticRatio', [400], [1 / (1 + Math.exp(400)) / (1 + Math.exp(-400))]],
  ['logisticRatio', [800], [0]],
  ['logisticRatio', [-2], [σ(-2) * (1 - σ(-2))]],
  ['length3', [Float64Array.from([0, 0, 0])], [[0, 0, 0]]],
  ['length3', [Float64Array.from([2, 3, 6])], [[2 / 7, 3 / 7, 6 / 7]]],
  // y + -y is 0 wherever y is finite: no adjoint 1 and −1 times s² = ∞ (NaN on the tape).
  ['cancelled', [1, -1e200], [0, 0]],
  ['cancelled', [2, 3], [0, 0]],
  ['direction', [1e-200], [0]],
  ['direction', [-3], [0]],
  // Two coincident points: d = 0, where the norm's derivative is taken as 0 (README, conventions).
  ['springs', [Float64Array.from([0, 0, 0, 0, 1, 0])], [[0, 0, 0, 0, 0, 0]]],
  ['springs', [Float64Array.from([0, 0, 3, 4])], [[-4.8, -6.4, 4.8, 6.4]]],
  // The sum overflows (value Infinity) or underflows (value -Infinity): the derivative is the softmax.
  ['logSumExp', [f64([800, 801])], [softmax([800, 801])]],
  ['logSumExp', [f64([-800, -801, -1000])], [softmax([-800, -801, -1000])]],
  ['logSumExp', [f64([1, 2, 3])], [softmax([1, 2, 3])]],
  ['logSumExp', [f64([710, -5])], [softmax([710, -5])]],
  ['logSumExpOf', [[800, 801]], [softmax([800, 801])]],
  ['logSumExpOf', [[0.5, -0.25]], [softmax([0.5, -0.25])]],
  ['crossEntropy', [f64([800, 801, -3, 700]), 2, f64([1, 0])], [crossEntropyGradient([800, 801, -3, 700], 2, [1, 0]), 0, [0, 0]]],
  ['crossEntropy', [f64([1, 2, 3, -4]), 2, f64([0, 1])], [crossEntropyGradient([1, 2, 3, -4], 2, [0, 1]), 0, [0, 0]]],
  // d/dxᵢ = 2w·softmax(wx + 1)ᵢ, d/dw = 2 Σ softmax(wx + 1)ᵢ xᵢ.
  ['temperedLse', [f64([1, 2]), -900], [softmax([-899, -1799]).map((p) => -1800 * p), 2 * (softmax([-899, -1799])[0]! + 2 * softmax([-899, -1799])[1]!)]],
  ['temperedLse', [f64([800, 801]), 1], [softmax([801, 802]).map((p) => 2 * p), 2 * (800 * softmax([801, 802])[0]! + 801 * softmax([801, 802])[1]!)]],
  ['temperedLse', [f64([0.5, 1]), 2], [softmax([2, 3]).map((p) => 4 * p), 2 * (0.5 * softmax([2, 3])[0]! + softmax([2, 3])[1]!)]],
  // Logits [300, 700, 1100] at temperature 0.5: the sum overflows; the gradient is softmax − one-hot.
  ['softmaxNll', [f64([1, 2, 3, 4, 5, 6]), 100, 100, 1], [[0, 0, -100, -100, 100, 100], 2, 2, 0]],
  ['firstProbability', [f64([0, 1])], [[softmax([0, 1])[0]! * (1 - softmax([0, 1])[0]!) + softmax([0, 1])[0]!, -softmax([0, 1])[0]! * softmax([0, 1])[1]! + softmax([0, 1])[1]!]]],
];

for (const mode of ['coarse', 'fine'] as const) {
  forms(`${mode}: the functions compile without a diagnostic`, () => {
    assert.equal(modules.get(mode)!.diagnostics, []);
  });
  for (const [name, args, expected] of cases) {
    forms(`${mode}: ${name}(${args.map((a) => (ArrayBuffer.isView(a) ? `[${Array.from(a as Float64Array).join(', ')}]` : String(a))).join(', ')})`, () => {
      const m = modules.get(mode)!;
      const copy = () => args.map((a) => (ArrayBuffer.isView(a) ? Float64Array.from(a as Float64Array) : a));
      const [value, gradient] = m.valueAndGrad(m[name])(...copy()) as [number, unknown[]];
      assert.ok(Object.is(value, m[name](...copy())), `value ${value}, primal ${m[name](...copy())}`);
      expected.forEach((e, i) => {
        const got = gradient[i];
        const want = typeof e === 'number' ? [e] : e;
        const have = typeof got === 'number' ? [got] : Array.from(got as Float64Array);
        assert.is(have.length, want.length, `∂/∂${i}`);
        have.forEach((h, k) => assert.ok(Math.abs(h - want[k]!) <= 1e-12 * Math.max(1, Math.abs(want[k]!)), `∂/∂${i}[${k}]: got ${h}, expected ${want[k]}`));
      });
    });
  }
}

forms('the forms are recognised in the companion: one exp for a softplus, no chain through the norm', () => {
  const js = compile({ 'main.ts': prelude + program }).js['main.ts']!;
  const companion = (name: string): string => {
    const start = js.indexOf(`function ${name}(`);
    return js.slice(start, js.indexOf('\n}\n', start));
  };
  const softplusGrad = companion('softplus$grad');
  assert.is(softplusGrad.match(/Math\.exp/g)?.length, 1, softplusGrad);
  assert.not.match(softplusGrad, /Math\.log/, softplusGrad);
  assert.match(companion('distance$grad'), /=== 0/);
  // Log-sum-exp: where the sum is finite, the loop as written and one test; the reruns with the
  // shift are in the branch where it is not, and the softmax output that reads the sum has none.
  const lse = companion('logSumExp$grad');
  const test = lse.indexOf('< Infinity');
  assert.ok(test > 0, lse);
  assert.is(lse.slice(0, test).match(/for \(/g)?.length, 1, lse);
  assert.is(lse.match(/for \(/g)?.length, 5, lse);
  assert.not.match(companion('firstProbability$grad'), /Infinity/);
});

// A norm below 2⁻⁵⁰⁰ is rare: the companion computes the usual partial, raises a flag where the
// norm is that small, and runs again in its careful form only then (emit.ts, rules.ts `rare`).
const rareProgram = `
/** Springs of rest length 1 between consecutive points (x, y) of a flat array, stiffness k. */
/** @differentiable */
export function chain(p: Float64Array, k: number): number {
  let e = 0;
  for (let i = 0; i + 3 < p.length; i += 2) {
    const d = Math.hypot(p[i + 2]! - p[i]!, p[i + 3]! - p[i + 1]!);
    e += 0.5 * k * (d - 1) ** 2;
  }
  return e;
}

export class Anchor {
  constructor(public x: number, public y: number) {}
  @differentiable
  pull(px: number, py: number): number {
    const dx = px - this.x;
    const dy = py - this.y;
    return this.y * Math.sqrt(dx * dx + dy * dy);
  }
}
`;

const rare = suite('stable forms: rare cases run again');

for (const mode of ['coarse', 'fine'] as const) {
  const m = (() => {
    const out = compile({ 'main.ts': prelude + rareProgram }, { plugin: { mode } });
    assert.equal(out.diagnostics, [], describeDiagnostics(out.diagnostics).join('\n'));
    return load(out.js);
  })();
  rare(`${mode}: one spring of length 1e-300 among ordinary ones, and a method`, () => {
    // Springs (0,0)–(1e-300,0) and (1e-300,0)–(3,4): ∂/∂ of ½k(d−1)² is k(d−1)·(dx, dy)/d.
    const p = Float64Array.from([0, 0, 1e-300, 0, 3, 4]);
    const [value, [dp, dk]] = m.valueAndGrad(m.chain)(p, 2) as [number, [Float64Array, number]];
    assert.ok(Object.is(value, m.chain(p, 2)));
    const want = [2, 0, -2 - 8 * 0.6, -8 * 0.8, 8 * 0.6, 8 * 0.8];
    Array.from(dp).forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= 1e-12 * Math.max(1, Math.abs(want[i]!)), `∂/∂p[${i}]: got ${g}, expected ${want[i]}`));
    assert.ok(Math.abs(dk - (0.5 + 8)) <= 1e-12, `∂/∂k: ${dk}`);
    // The next call, at ordinary points only, takes the usual path and is right too.
    const [, [dq]] = m.valueAndGrad(m.chain)(Float64Array.from([0, 0, 3, 4]), 2) as [number, [Float64Array]];
    assert.equal(Array.from(dq), [-4.8, -6.4, 4.8, 6.4]);
    // In a method the careful run reads the same \`this\`: y·|(px, py) − (x, y)| at a tiny offset.
    const anchor = new m.Anchor(0, 3);
    assert.equal(m.grad(anchor.pull).call(anchor, 1e-300, 3), [3, 0]);
    assert.equal(m.grad(anchor.pull).call(anchor, 0, 3), [0, 0]);
    assert.equal(m.grad(anchor.pull).call(anchor, 4, 6), [3 * 0.8, 3 * 0.6]);
  });
}

rare('the usual path computes no careful form: no hypot, one test per norm, the careful run after it', () => {
  const js = compile({ 'main.ts': prelude + rareProgram }).js['main.ts']!;
  const start = js.indexOf('function chain$grad(');
  const body = js.slice(start, js.indexOf('\n}\n', start));
  const rerun = body.indexOf('if (rare)');
  assert.ok(rerun > 0, body);
  const usual = body.slice(0, rerun);
  assert.is(usual.match(/Math\.hypot/g)?.length, 1, body);
  assert.is(usual.match(/< 3\.054936363499605e-151/g)?.length, 1, body);
  assert.ok(body.slice(rerun).includes('4.149515568880993e+180'), body);
});

// An unrolled descent on a weight that starts at 0 (xs[1] is 0): each step's partial of w is
// 1 − 0.1·sech²(g)·Σ(y·x² − 1.5 − x), about −2e299 at y = 1.7e300, and four of them overflow, though
// w stays 0 and the primal is finite. Where that ∞ meets a partial that is 0 (w·(2y·x − 1) for x[j],
// w·Σx² for y, x[1] for x[0]), the true product is 0.
const descentProgram = `
/** @differentiable */
export function chain(a: number, b: number, y: number): number {
  let w = a * b;
  for (let i = 0; i < 4; i++) w -= 0.1 * Math.tanh(w * y);
  return w + Math.sin(a);
}

/** @differentiable */
export function descend(xs: Float64Array, y: number): number {
  let w = xs[0] * xs[1];
  for (let i = 0; i < 4; i++) {
    let g = 0;
    for (let j = 0; j < xs.length; j++) g += w * y * xs[j] * xs[j] - w * (1.5 + xs[j]);
    w -= 0.1 * Math.tanh(g);
  }
  return w + Math.sin(xs[0] + xs[2]);
}
`;

for (const mode of ['coarse', 'fine'] as const) {
  rare(`${mode}: an adjoint past the range of doubles sends nothing along a partial that is 0`, () => {
    const out = compile({ 'main.ts': prelude + descentProgram }, { plugin: { mode } });
    assert.equal(out.diagnostics, [], describeDiagnostics(out.diagnostics).join('\n'));
    const m = load(out.js);
    const xs = Float64Array.from([-1, 0, 0, 0.609375]);
    const [value, [dxs, dy]] = m.valueAndGrad(m.descend)(xs, 1.7e300) as [number, [Float64Array, number]];
    assert.ok(Object.is(value, m.descend(xs, 1.7e300)));
    // The same chain with no loop over an array: w = a·b is 0, and ∂/∂a is cos(a) alone.
    const [da0, , dy0] = m.grad(m.chain)(1, 0, 1e300) as number[];
    assert.is(da0, Math.cos(1));
    assert.is(dy0, 0);
    const c = Math.cos(-1);
    assert.is(dxs[0], c);
    assert.is(dxs[2], c);
    assert.is(dxs[3], 0);
    assert.is(dy, 0);
    // ∂/∂x[1] is x[0] times that product of four, about 3e1197: not a double.
    assert.not.ok(Number.isFinite(dxs[1]));
    // At ordinary points the usual path gives what finite differences give.
    const at = Float64Array.from([0.5, 0.25, 1, 2]);
    const [, [da, dya]] = m.valueAndGrad(m.descend)(at, 0.7) as [number, [Float64Array, number]];
    const h = 1e-5;
    const fd = (k: number) => {
      const shifted = (d: number) => m.descend(Float64Array.from(at, (v, i) => (i === k ? v + d : v)), 0.7) as number;
      return (-shifted(2 * h) + 8 * shifted(h) - 8 * shifted(-h) + shifted(-2 * h)) / (12 * h);
    };
    for (let k = 0; k < 4; k++) assert.ok(Math.abs(da[k]! - fd(k)) < 1e-7, `∂/∂x[${k}]: ${da[k]} vs ${fd(k)}`);
    const fdy = (-m.descend(at, 0.7 + 2 * h) + 8 * m.descend(at, 0.7 + h) - 8 * m.descend(at, 0.7 - h) + m.descend(at, 0.7 - 2 * h)) / (12 * h);
    assert.ok(Math.abs(dya - fdy) < 1e-7, `∂/∂y: ${dya} vs ${fdy}`);
  });
}

rare('an adjoint that can grow along a chain is checked once, and the careful form takes 0 · ∞ as 0', () => {
  const js = compile({ 'main.ts': prelude + descentProgram }).js['main.ts']!;
  const start = js.indexOf('function chain$grad(');
  const body = js.slice(start, js.indexOf('\n}\n', start));
  const rerun = body.indexOf('if (rare)');
  assert.ok(rerun > 0, body);
  assert.ok(!body.slice(0, rerun).includes('times('), body);
  assert.ok(body.slice(rerun).includes('times('), body);
  // The check reads adjoints the usual path has computed anyway: one subtraction each.
  assert.ok(/if \(\(d\w+ - d\w+\)/.test(body.slice(0, rerun)), body);
});

forms.run();
rare.run();

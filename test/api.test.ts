/** The user's view (DESIGN.md §2): spellings, gradient shapes, `wrt`, methods, callees, call sites, the registry. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, assertGradient } from './gradcheck.js';
import { build, compile, describeDiagnostics, load, prelude } from './harness.js';

const helpers = `
const FACTOR = 2;
export function cube(u: number): number { return u * u * u; }
export function scaled(u: number): number { return u * FACTOR; }
export const SCALE = 1.5;
`;

const main =
  prelude +
  `import { cube, scaled, SCALE } from './helpers';
const K = 3;
function sq(u: number): number { return u * u; }
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** @differentiable */
export function rosen(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}

/** @differentiable */
export const rosenArrow = (x: number, y: number): number => (1 - x) ** 2 + 100 * (y - x * x) ** 2;

export const rosenWrapped = differentiable((x: number, y: number) => (1 - x) ** 2 + 100 * (y - x * x) ** 2);

/** @differentiable */
export const helpersAndConstants = (x: number, y: number): number => K * sq(x) + sigmoid(y) * Math.PI;

/** @differentiable */
export const assignments = function (x: number): number {
  let a = x;
  a *= 2; a += 1; a **= 2; a -= x; a /= 3; a %= 1000;
  a++; ++a; a--;
  let b: number;
  b = a = a * x;
  return a + b;
};

export class Model {
  scale = 2;
  offset = { v: 0.5 };

  @differentiable
  loss(w: number, b: number): number {
    return this.scale * this.helper(w) + (b - this.offset.v) ** 2;
  }

  helper(w: number): number {
    return Math.log1p(w * w) * this.scale;
  }

  @differentiable
  static norm(x: number, y: number): number {
    return Math.hypot(x, y);
  }
}

/** @differentiable */
export function mixed(x: number, flag: boolean, label: string, y = 2): number {
  return x * y;
}

/** @differentiable */
export function closures(x: number): number {
  const times = (u: number) => u * x;
  function twice(v: number): number { return times(v) * 2; }
  return twice(x) + times(3);
}

/** @differentiable */
export function acrossFiles(x: number): number {
  return cube(x) * SCALE + scaled(x);
}

/** @differentiable */
export function generic<T extends number>(x: T, y: number): number {
  return x * y;
}

export function makeScaled(factor: number) {
  const offset = factor + 1;
  /** @differentiable */
  function scaledSquare(x: number): number {
    return factor * x * x + offset;
  }
  return scaledSquare;
}

export const direct = { g: grad(rosen), vg: valueAndGrad(rosen), arrow: grad(rosenArrow) };
export function gradOf(f: (x: number, y: number) => number) { return grad(f); }
export function notMarked(x: number): number { return x * x; }
`;

const files = { 'main.ts': main, 'helpers.ts': helpers };
const m = build(files);
const emitted = compile(files).js['main.ts']!;

const spellings = suite('marking spellings');

spellings('JSDoc declaration, JSDoc const arrow, wrapper and their call sites agree exactly', () => {
  const expected = [151, -50];
  assert.equal(m.grad(m.rosen)(1.5, 2), expected);
  assert.equal(m.grad(m.rosenArrow)(1.5, 2), expected);
  assert.equal(m.grad(m.rosenWrapped)(1.5, 2), expected);
  assert.equal(m.direct.g(1.5, 2), expected);
  assert.equal(m.direct.arrow(1.5, 2), expected);
  assert.equal(m.gradOf(m.rosenWrapped)(1.5, 2), expected);
});

spellings('the decorator on an instance method, called with this', () => {
  const model = new m.Model();
  const f = (w: number, b: number) => model.loss(w, b);
  assertGradient(f, m.grad(model.loss).call(model, 0.7, 1.9), [0.7, 1.9], 'Model.loss');
  // Fields are read when the gradient runs, as the primal reads them.
  model.scale = 5;
  assertGradient(f, m.grad(model.loss).call(model, 0.7, 1.9), [0.7, 1.9], 'Model.loss after changing scale');
});

spellings('a method’s gradient called without its object says how to call it', () => {
  assert.throws(() => m.grad(new m.Model().loss)(0.7, 1.9), (e: unknown) => e instanceof TypeError && /grad\(obj\.loss\)\.call\(obj/.test((e as Error).message));
});

spellings('the decorator on a static method', () => {
  const g = m.grad(m.Model.norm)(3, 4);
  assertClose(g[0], 0.6, 'x', 1e-15, 0);
  assertClose(g[1], 0.8, 'y', 1e-15, 0);
});

const api = suite('grad and valueAndGrad');

api('valueAndGrad returns the primal value and the gradient', () => {
  const [value, gradient] = m.valueAndGrad(m.rosen)(1.5, 2);
  assert.is(value, m.rosen(1.5, 2));
  assert.equal(gradient, [151, -50]);
  assert.equal(m.direct.vg(-0.3, 0.8), m.valueAndGrad(m.rosen)(-0.3, 0.8));
});

api('wrt selects parameters by position, in the order given', () => {
  assert.equal(m.grad(m.rosen, { wrt: [1] })(1.5, 2), [-50]);
  assert.equal(m.grad(m.rosen, { wrt: [1, 0] })(1.5, 2), [-50, 151]);
  assert.equal(m.valueAndGrad(m.rosen, { wrt: [0] })(1.5, 2), [6.5, [151]]);
  const model = new m.Model();
  const [db] = m.grad(model.loss, { wrt: [1] }).call(model, 0.7, 1.9);
  assertClose(db, 2 * (1.9 - 0.5), 'd loss / d b', 1e-15, 0);
});

api('a rest parameter: one gradient entry per argument, in both modes', () => {
  const r = build(`${prelude}/** @differentiable */
export function norm(...xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x * x;
  return Math.sqrt(s);
}
/** @differentiable */
export function weighted(w: number, ...xs: number[]): number {
  return xs.reduce((a, x, i) => a + w ** i * x, 0);
}
`);
  const norm = r.norm as (...a: number[]) => number;
  const weighted = r.weighted as (...a: number[]) => number;
  assertGradient(norm, r.grad(norm)(3, 4, 12), [3, 4, 12], 'norm');
  assertGradient(weighted, r.grad(weighted)(0.5, 1, 2, 3), [0.5, 1, 2, 3], 'weighted');
  assert.equal(r.grad(norm)(), []);
  const [value, gradient] = r.valueAndGrad(weighted)(2, 1) as [number, number[]];
  assert.equal([value, gradient], [1, [0, 1]]);
  // A position names the rest parameter's first argument, as the gradient tuple lists it.
  assert.equal(r.grad(weighted, { wrt: [1, 0] } as never)(0.5, 1, 2, 3), [1, 5]);
});

api('parameters typed Data<...> get undefined and cost nothing: no adjoint computed, no array allocated', () => {
  const source = `import { grad, valueAndGrad, type Data } from 'coarsegrad';
export { grad, valueAndGrad };
/** @differentiable */
export function nll(w: Float64Array, b: number, X: Data<number[][]>, y: Data<Float64Array>, scale: Data<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    let z = b;
    for (let j = 0; j < w.length; j++) z += w[j]! * X[i]![j]!;
    s += Math.log1p(Math.exp(-y[i]! * z)) * scale;
  }
  return s;
}
/** @differentiable */
export function fit(model: { w: Float64Array; target: Data<Float64Array> }, k: number): number {
  let s = 0;
  for (let i = 0; i < model.w.length; i++) s += (model.w[i]! - model.target[i]!) ** 2 * k;
  return s;
}
`;
  const r = build(source);
  const w = Float64Array.from([0.5, -0.2]);
  const X = [[1, 2], [0.5, -1], [3, 1]];
  const y = Float64Array.from([1, -1, 1]);
  const [dw, db, dX, dy, dscale] = r.grad(r.nll)(w, 0.1, X, y, 2) as [Float64Array, number, unknown, unknown, unknown];
  assert.equal([dX, dy, dscale], [undefined, undefined, undefined]);
  const nll = (w0: number, w1: number, b: number) => r.nll(Float64Array.from([w0, w1]), b, X, y, 2) as number;
  assertGradient(nll, [dw[0], dw[1], db], [0.5, -0.2, 0.1], 'nll');
  const [model] = r.grad(r.fit)({ w, target: Float64Array.from([1, 1]) }, 3) as [{ w: Float64Array; target: unknown }];
  assert.equal([Array.from(model.w), model.target], [[-3, -7.199999999999999], undefined]);
  for (const plugin of [{}, { mode: 'fine' as const }]) {
    const js = compile({ 'main.ts': source }, { plugin }).js['main.ts']!;
    const companion = js.slice(js.indexOf('function nll$grad'), js.indexOf('\n}\n', js.indexOf('function nll$grad')));
    // Only w's gradient array is made: none for X, y, or the model's target.
    assert.is(companion.match(/new Float64Array\((?!X_rows)/g)?.length ?? 0, plugin.mode === 'fine' ? 0 : 1, companion);
    assert.not.match(companion, /inputs\((X|y)/);
  }
});

api('reuse: the same arrays call after call, each call right, in both modes; the plain gradient still new', () => {
  const source = `${prelude}/** @differentiable */
export function chain(p: Float64Array, k: number): number {
  let e = 0;
  for (let i = 0; i + 1 < p.length; i++) e += k * (p[i + 1]! - p[i]!) ** 2 + Math.exp(-p[i]!);
  return e;
}
interface Net { w: Float64Array; b: number }
/** @differentiable */
export function fit(net: Net, x: Float64Array): number {
  let s = net.b;
  for (let i = 0; i < x.length; i++) s += net.w[i]! * x[i]!;
  return s * s;
}
`;
  for (const mode of ['coarse', 'fine'] as const) {
    const r = build(source, mode === 'fine' ? { plugin: { mode: 'fine' } } : {});
    const chain = r.chain as (p: Float64Array, k: number) => number;
    const reused = r.grad(chain, { reuse: true }) as (p: Float64Array, k: number) => [Float64Array, number];
    const at = (n: number, s: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * s));
    const [first, dk] = reused(at(20, 1), 2);
    const kept = first.slice();
    assertGradient((...a) => chain(Float64Array.from(a.slice(0, 20)), a[20]!), [...first, dk], [...at(20, 1), 2], `${mode}: first call`);
    const [second] = reused(at(20, 0.5), 3);
    assert.ok(second === first, `${mode}: the second call returns the first call's array`);
    assert.equal([...second], [...(r.grad(chain)(at(20, 0.5), 3) as [Float64Array])[0]]);
    assert.not.equal([...kept], [...second]);
    // A call of another length gets an array of its length.
    const [third] = reused(at(12, 2), 3);
    assert.is(third.length, 12);
    assertGradient((...a) => chain(Float64Array.from(a), 3), [...third], [...at(12, 2)], `${mode}: another length`);
    // The gradient made without the option is a new array each call.
    const plain = r.grad(chain) as (p: Float64Array, k: number) => [Float64Array, number];
    assert.ok(plain(at(20, 1), 2)[0] !== plain(at(20, 1), 2)[0]);
    // An object's Float64Array field, and with wrt, through valueAndGrad.
    const fit = r.fit as (net: { w: Float64Array; b: number }, x: Float64Array) => number;
    const fitted = r.valueAndGrad(fit, { wrt: [0], reuse: true }) as (net: { w: Float64Array; b: number }, x: Float64Array) => [number, [{ w: Float64Array; b: number }]];
    const net = { w: Float64Array.from([0.5, -1, 2, 0.25, 1, 3, -2, 0.5, 1]), b: 0.3 };
    const x = Float64Array.from([1, 2, -1, 0.5, 3, -2, 1, 1, -0.5]);
    const [value, [g1]] = fitted(net, x);
    assert.is(value, fit(net, x));
    const [, [g2]] = fitted({ ...net, b: -1 }, x);
    assert.ok(g1.w === g2.w, `${mode}: the field's gradient array is reused`);
    const s = -1 + net.w.reduce((a, w, i) => a + w * x[i]!, 0);
    g2.w.forEach((g, i) => assertClose(g, 2 * s * x[i]!, `${mode}: d fit / d w${i}`, 1e-12, 1e-12));
  }
});

api("a literal wrt in another file: the marked function's file makes its companion, and grad picks it from the registry", () => {
  const files = {
    'model.ts': `/** @differentiable */
export function loss(w: Float64Array, X: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    let z = 0;
    for (let j = 0; j < w.length; j++) z += X[i * w.length + j]! * w[j]!;
    s += (z - y[i]!) ** 2;
  }
  return s;
}
`,
    'main.ts': `${prelude}import { loss } from './model.js';
export { loss };
export const onlyW = grad(loss, { wrt: [0] });
export const withValue = valueAndGrad(loss, { wrt: [0, 2] });
`,
  };
  for (const plugin of [{}, { mode: 'fine' as const }]) {
    const result = compile(files, { plugin });
    assert.equal(describeDiagnostics(result.diagnostics), []);
    const model = result.js['model.ts']!;
    // Registered with the companions the other file's call sites name, which compute only those.
    assert.match(model, /"grad:0": loss\$grad\$0/);
    assert.match(model, /"valueAndGrad:0,2": loss\$valueAndGrad\$0_2/);
    const onlyW = model.slice(model.indexOf('function loss$grad$0('), model.indexOf('\n}\n', model.indexOf('function loss$grad$0(')));
    if (plugin.mode === undefined) assert.not.match(onlyW, /dX|dy/, onlyW);
    const r = load(result.js);
    assert.is(r.onlyW.name, 'loss$grad$0');
    assert.is(r.withValue.name, 'loss$valueAndGrad$0_2');
    const w = Float64Array.from([0.5, -1]);
    const X = Float64Array.from([1, 2, 0.5, -1, 3, 0.25]);
    const y = Float64Array.from([0.3, -0.2, 1]);
    const [gw] = r.onlyW(w, X, y) as [Float64Array];
    const [full] = r.grad(r.loss)(w, X, y) as [Float64Array];
    assert.equal([...gw], [...full]);
    const [value, [gw2, gy]] = r.withValue(w, X, y) as [number, [Float64Array, Float64Array]];
    assert.is(value, r.loss(w, X, y));
    assert.equal([...gw2], [...full]);
    assert.equal([...gy], [...(r.grad(r.loss)(w, X, y) as Float64Array[])[2]!]);
  }
});

api('reuse must be true or false', () => {
  assert.throws(() => m.grad(m.rosen, { reuse: 'yes' } as never), /options.reuse must be true or false/);
});

api('wrt positions out of range are a RangeError', () => {
  assert.throws(() => m.grad(m.rosen, { wrt: [2] }), (e: unknown) => e instanceof RangeError && /has 2/.test((e as Error).message));
  assert.throws(() => m.grad(m.rosen, { wrt: [-1] }), RangeError);
});

api('parameters that are not numbers get undefined, defaults apply', () => {
  assert.equal(m.grad(m.mixed)(3, true, 'label'), [2, undefined, undefined, 3]);
  assert.equal(m.grad(m.mixed)(3, true, 'label', 5), [5, undefined, undefined, 3]);
  assert.equal(m.valueAndGrad(m.mixed)(3, false, 'x')[0], 6);
});

api('a parameter typed Int (a size or a count) gets undefined in both modes; a number used only as a size gets 0', () => {
  const source = `import { grad, type Int } from 'coarsegrad';\nexport { grad };
/** @differentiable */
export function firstTerms(xs: Float64Array, n: Int, scale: number, m: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]! * xs[i]! * n;
  for (let i = 0; i < m; i++) s += xs[i]!;
  return s * scale;
}
`;
  for (const plugin of [{}, { mode: 'fine' as const }]) {
    const sized = build(source, { plugin });
    const [dxs, dn, dscale, dm] = sized.grad(sized.firstTerms)(Float64Array.from([1, 2, 3]), 2, 3, 1);
    assert.equal(Array.from(dxs), [15, 24, 0]);
    assert.equal([dn, dscale, dm], [undefined, 11, 0]);
  }
});

api('a function the plugin never compiled: an Error naming it and saying what to do', () => {
  assert.throws(
    () => m.grad(m.notMarked),
    (e: unknown) =>
      e instanceof Error &&
      /'notMarked'/.test(e.message) &&
      /@differentiable/.test(e.message) &&
      /coarsegrad\/transformer/.test(e.message) &&
      /tsconfig/.test(e.message),
  );
  assert.throws(() => m.valueAndGrad((x: number) => x), /this anonymous function/);
  assert.throws(() => m.grad(42), TypeError);
});

const callees = suite('callees and straight-line code');

callees('helpers, arrow helpers and Math constants are differentiated through', () => {
  assertGradient(m.helpersAndConstants, m.grad(m.helpersAndConstants)(0.4, -1.2), [0.4, -1.2], 'helpersAndConstants');
});

callees('compound assignments, increments and chained assignment', () => {
  for (const x of [0.3, 2.5, -1.7]) assertGradient(m.assignments, m.grad(m.assignments)(x), [x], 'assignments');
});

callees('nested closures read the enclosing function’s locals', () => {
  for (const x of [0.3, -2]) assertGradient(m.closures, m.grad(m.closures)(x), [x], 'closures');
});

callees('functions and constants imported from another file', () => {
  // cube(x)·1.5 + 2x
  assert.equal(m.grad(m.acrossFiles)(2), [4.5 * 4 + 2]);
});

callees('a generic parameter constrained to number is differentiated', () => {
  assert.equal(m.grad(m.generic)(3, 4), [4, 3]);
});

callees('a function marked inside another reads the outer parameters and locals', () => {
  const f = m.makeScaled(2.5);
  assert.equal(m.valueAndGrad(f)(2), [2.5 * 4 + 3.5, [10]]);
});

const sites = suite('call sites');

sites('grad(f) on a marked function of the same file binds the companion directly', () => {
  assert.match(emitted, /exports\.direct = \{ g: rosen\$grad, vg: rosen\$valueAndGrad, arrow: rosenArrow\$grad \}/);
});

sites('a function value passed around goes through the registry', () => {
  assert.match(emitted, /return \(0, coarsegrad_1\.grad\)\(f\);/);
  assert.equal(m.gradOf(m.rosen)(1.5, 2), [151, -50]);
});

sites('the plugin adds no diagnostics to a valid program', () => {
  assert.equal(describeDiagnostics(compile(files).diagnostics), []);
});

spellings.run();
api.run();
callees.run();
sites.run();

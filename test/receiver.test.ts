/**
 * Gradients with respect to a method's `this` (issue 11, item 6): `grad(m.loss, { wrt: ['this'] })`
 * gives the gradient of the object's numbers (a model's weights), shaped like its fields, in both
 * modes (`build` compares them), checked against 5-point finite differences of the method run on
 * objects built with the changed fields.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, assertTreeGradient } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';

const receiver = suite("gradients with respect to 'this'");

const regression = build(`${prelude}export class Regression {
  w = Float64Array.from([0.5, -0.25, 0.1]);
  b = 0.2;
  scale: { k: number } = { k: 1.5 };
  readonly name = 'tanh regression';
  private predict(x: Float64Array): number {
    let s = this.b;
    for (let i = 0; i < x.length; i++) s += this.w[i]! * x[i]!;
    return Math.tanh(s) * this.scale.k;
  }
  @differentiable
  loss(x: Float64Array, y: number): number {
    const e = this.predict(x) - y;
    return e * e;
  }
}
`);

/** The method run on an object of the class holding `fields`: what finite differences perturb. */
const onFields =
  <T extends object>(make: () => T, method: (this: T, ...args: any[]) => number) =>
  (fields: Partial<T>, ...args: unknown[]): number =>
    method.apply(Object.assign(make(), structuredClone(fields)), args);

receiver('a model class: its weights, bias and a nested field, with the parameters, in both modes', () => {
  const m = new regression.Regression();
  const x = Float64Array.from([1, 2, 3]);
  const [gThis, gy, gx] = regression.grad(m.loss, { wrt: ['this', 1, 0] }).call(m, x, 0.3) as [Record<string, unknown>, number, Float64Array];
  const f = onFields(() => new regression.Regression(), regression.Regression.prototype.loss);
  const fields = { w: m.w, b: m.b, scale: { k: m.scale.k } };
  assertTreeGradient(f, [gThis, gx, gy], [fields, x, 0.3], 'Regression.loss');
  assert.is(gThis.name, undefined);
  // The parameters' gradients are those `grad` gives without `this` (to rounding: another companion computes them).
  const [dx, dy] = regression.grad(m.loss).call(m, x, 0.3) as [Float64Array, number];
  dx.forEach((d, i) => assertClose(d, gx[i]!, `∂/∂x${i}`, 1e-12, 1e-15));
  assertClose(dy, gy, '∂/∂y', 1e-12, 1e-15);
  const [value, [only]] = regression.valueAndGrad(m.loss, { wrt: ['this'] }).call(m, x, 0.3) as [number, [unknown]];
  assertClose(value, m.loss(x, 0.3), 'value', 1e-12, 1e-12);
  assert.equal(only, gThis);
});

receiver('a two-layer perceptron class trained on its weights: rows, arrays and a number, through map and reduce', () => {
  const net = build(`${prelude}const leaky = (z: number) => (z > 0 ? z : 0.01 * z);
export class Perceptron {
  W1: number[][];
  b1: number[];
  W2: number[];
  b2 = 0;
  constructor(hidden: number, inputs: number) {
    this.W1 = Array.from({ length: hidden }, (_, i) => Array.from({ length: inputs }, (_, j) => Math.sin(i * 3 + j + 1) * 0.5));
    this.b1 = new Array(hidden).fill(0.1);
    this.W2 = Array.from({ length: hidden }, (_, i) => Math.cos(i + 0.5));
  }
  forward(x: number[]): number {
    const h = this.W1.map((row, i) => leaky(row.reduce((s, w, j) => s + w * x[j]!, this.b1[i]!)));
    return h.reduce((s, v, i) => s + v * this.W2[i]!, this.b2);
  }
  @differentiable
  loss(xs: number[][], ys: number[]): number {
    let total = 0;
    for (let k = 0; k < xs.length; k++) {
      const e = this.forward(xs[k]!) - ys[k]!;
      total += e * e;
    }
    return total / xs.length;
  }
}
`);
  const make = () => new net.Perceptron(4, 2);
  const p = make();
  const xs = [[0.5, -1], [1, 2], [-0.3, 0.8]];
  const ys = [0.2, -0.5, 1];
  const [g] = net.grad(p.loss, { wrt: ['this'] }).call(p, xs, ys) as [{ W1: Float64Array[]; b1: Float64Array; W2: Float64Array; b2: number }];
  const f = onFields(make, net.Perceptron.prototype.loss);
  const fields = { W1: p.W1, b1: p.b1, W2: p.W2, b2: p.b2 };
  assertTreeGradient((w: typeof fields) => f(w, xs, ys), [{ W1: g.W1.map((r) => Array.from(r)), b1: Array.from(g.b1), W2: Array.from(g.W2), b2: g.b2 }], [fields], 'Perceptron.loss');
});

receiver('a spring chain holding its points as rows and its springs as objects', () => {
  const chain = build(`${prelude}export class Chain {
  constructor(
    public points: number[][],
    public springs: { i: number; j: number; rest: number }[],
    public stiffness: number,
  ) {}
  @differentiable
  energy(gravity: number): number {
    let e = 0;
    for (const s of this.springs) {
      const [ax, ay] = this.points[s.i]!;
      const [bx, by] = this.points[s.j]!;
      const stretch = Math.hypot(bx! - ax!, by! - ay!) - s.rest;
      e += 0.5 * this.stiffness * stretch * stretch;
    }
    for (const [, y] of this.points) e += gravity * y!;
    return e;
  }
}
`);
  const make = () => new chain.Chain([[0, 0], [1, 0.2], [2.1, -0.3]], [{ i: 0, j: 1, rest: 1 }, { i: 1, j: 2, rest: 0.9 }], 40);
  const c = make();
  const [gThis, gGravity] = chain.grad(c.energy, { wrt: ['this', 0] }).call(c, 9.8) as [{ points: Float64Array[]; springs: { rest: number }[]; stiffness: number }, number];
  const f = onFields(make, chain.Chain.prototype.energy);
  const fields = { points: c.points, stiffness: c.stiffness, springs: c.springs.map((s: { i: number; j: number; rest: number }) => ({ rest: s.rest })) };
  const given = (flds: typeof fields, gravity: number) => f({ ...flds, springs: flds.springs.map((s: { rest: number }, k: number) => ({ ...c.springs[k], rest: s.rest })) }, gravity);
  const gradient = { points: gThis.points.map((row) => Array.from(row)), stiffness: gThis.stiffness, springs: gThis.springs.map((s) => ({ rest: s.rest })) };
  assertTreeGradient(given, [gradient, gGravity], [fields, 9.8], 'Chain.energy');
});

receiver("a simulation's step changing its object in place: the object changes as the primal changes it, the gradient is at the values on entry", () => {
  const sim = build(`${prelude}export class Oscillator {
  x = 1;
  v = 0.5;
  k = 3;
  trail: number[] = [];
  @differentiable
  step(dt: number): number {
    const a = -this.k * this.x;
    this.v += a * dt;
    this.x += this.v * dt;
    this.trail.push(this.x);
    return 0.5 * this.v * this.v + 0.5 * this.k * this.x * this.x;
  }
}
`);
  const make = () => new sim.Oscillator();
  const [byGrad, byPrimal, byThis] = [make(), make(), make()];
  const [dt] = sim.grad(byGrad.step).call(byGrad, 0.1) as [number];
  byPrimal.step(0.1);
  assert.equal({ ...byGrad }, { ...byPrimal });
  const [value, [gThis, gdt]] = sim.valueAndGrad(byThis.step, { wrt: ['this', 0] }).call(byThis, 0.1) as [number, [{ x: number; v: number; k: number }, number]];
  assert.equal({ ...byThis }, { ...byPrimal });
  assertClose(value, make().step(0.1), 'value', 1e-12, 1e-12);
  assert.is(gdt, dt);
  const f = onFields(make, sim.Oscillator.prototype.step);
  assertTreeGradient(f, [{ x: gThis.x, v: gThis.v, k: gThis.k }, gdt], [{ x: 1, v: 0.5, k: 3 }, 0.1], 'Oscillator.step');
});

receiver("a loop over an array field is coarsened: the method's own companions take 'this' as a parameter", () => {
  const source = `${prelude}export class Weights {
  w = Float64Array.from([1, 2, 3]);
  @differentiable
  dot(x: Float64Array): number {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += this.w[i]! * x[i]!;
    return s * s;
  }
}
`;
  const m = build(source);
  const w = new m.Weights();
  const x = Float64Array.from([0.5, -1, 2]);
  const [gx] = m.grad(w.dot).call(w, x) as [Float64Array];
  const s = 0.5 - 2 + 6;
  assert.equal(Array.from(gx), [2 * s * 1, 2 * s * 2, 2 * s * 3]);
  // The registration of the method's companions, as emitted (the harness wraps what `grad` finds).
  const js = compile({ 'main.ts': source }, { plugin: {} }).js['main.ts']!;
  const registration = js.slice(js.indexOf('register(this.prototype.dot'));
  assert.ok(registration.length > 0 && registration.includes('this_w'), registration);
  assert.not.match(registration, /operations/);
});

receiver("a class holding rows of different lengths it does not read: the method's own companions leave them alone", () => {
  const m = build(`${prelude}export class Table {
  w = Float64Array.from([1, 2, 3]);
  ragged: number[][] = [[1], [2, 3]];
  @differentiable
  dot(x: Float64Array): number {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += this.w[i]! * x[i]!;
    return s * s;
  }
}
`);
  const t = new m.Table();
  const [gx] = m.grad(t.dot).call(t, Float64Array.from([1, 1, 1])) as [Float64Array];
  assert.equal(Array.from(gx), [12, 24, 36]);
  // Asked for, the rows are taken as a parameter's are: of one length.
  assert.throws(() => m.grad(t.dot, { wrt: ['this'] }).call(t, Float64Array.from([1, 1, 1])), /the rows of 'this.ragged' have different lengths/);
});

receiver("what cannot be taken with respect to 'this' says why when it is asked for", () => {
  const m = build(`${prelude}export class Labelled {
  label = 'a';
  @differentiable
  weight(x: number): number {
    return this.label.length * x;
  }
}
export class Deep {
  cube: number[][][] = [[[1]]];
  k = 2;
  @differentiable
  scaled(x: number): number {
    return this.k * x;
  }
}
/** @differentiable */
export function plain(x: number): number {
  return x * x;
}
`);
  const labelled = new m.Labelled();
  assert.equal(m.grad(labelled.weight).call(labelled, 2), [1]);
  assert.throws(() => m.grad(labelled.weight, { wrt: ['this'] }), (e: unknown) => e instanceof TypeError && /reads numbers from 'this'/.test((e as Error).message));
  assert.throws(() => m.grad(m.plain, { wrt: ['this'] }), /reads numbers from 'this'/);
  const deep = new m.Deep();
  assert.equal(m.grad(deep.scaled).call(deep, 3), [2]);
  assert.throws(
    () => m.grad(deep.scaled, { wrt: ['this'] }),
    (e: unknown) => e instanceof TypeError && /could not differentiate this method with respect to 'this'.*field 'cube'.*number\[\]\[\]\[\].*main\.ts, line/.test((e as Error).message),
  );
});

receiver.run();

/**
 * Objects as parameters (issue 11, item 2), written the way their authors write them: a body with
 * nested vectors, an options object with defaults, a model's weights and bias, a camera, a string
 * option. Each is built in both modes (`build` compares the gradients between them), its gradient
 * has the parameters' shape, and every number in the arguments is checked against 5-point finite
 * differences; `valueAndGrad`'s value against the primal.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, checkAtPoint, numbersIn, type TableProgram } from './gradcheck.js';
import { build, prelude } from './harness.js';

interface Program extends TableProgram {
  /** How many parameters the marked function declares: one gradient each. */
  readonly parameters: number;
}

const programs: Record<string, Program> = {
  'a particle with nested vectors, read by a helper and directly': {
    name: 'energy',
    parameters: 2,
    source: `interface Vec { x: number; y: number }
interface Particle { position: Vec; velocity: Vec; mass: number; label: string }
function kinetic(p: Particle): number {
  return 0.5 * p.mass * (p.velocity.x ** 2 + p.velocity.y ** 2);
}
function dot(a: Vec, b: Vec): number {
  return a.x * b.x + a.y * b.y;
}
/** @differentiable */
export function energy(p: Particle, g: number): number {
  return kinetic(p) + p.mass * g * p.position.y + 0.1 * dot(p.position, p.velocity);
}`,
    points: [
      [{ position: { x: 1, y: 2 }, velocity: { x: 0.5, y: -1 }, mass: 3, label: 'a' }, 9.81],
      [{ position: { x: -0.3, y: 0.7 }, velocity: { x: 2, y: 0.1 }, mass: 0.5, label: 'b' }, 1.6],
    ],
  },
  'an options object with a default {}, its fields optional with ?? defaults': {
    name: 'chainEnergy',
    parameters: 2,
    source: `interface SpringOptions { stiffness?: number; rest?: number }
/** @differentiable */
export function chainEnergy(xs: Float64Array, opts: SpringOptions = {}): number {
  const k = opts.stiffness ?? 1;
  const rest = opts.rest ?? 0.5;
  let e = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const d = xs[i + 1]! - xs[i]! - rest;
    e += 0.5 * k * d * d;
  }
  return e;
}`,
    points: [
      [Float64Array.from([0, 0.6, 1.4, 1.9])],
      [Float64Array.from([0, 0.6, 1.4, 1.9]), {}],
      [Float64Array.from([0.1, 0.3, 1.2]), { stiffness: 3 }],
      [Float64Array.from([0.1, 0.3, 1.2]), { stiffness: 2, rest: 0.2 }],
    ],
  },
  "a model's weights and bias as one object, over a data set (logistic regression)": {
    name: 'loss',
    parameters: 3,
    source: `interface Model { w: Float64Array; b: number }
function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
/** @differentiable */
export function loss(model: Model, x: Float64Array, y: Float64Array): number {
  const n = y.length;
  const d = model.w.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let z = model.b;
    for (let j = 0; j < d; j++) z += model.w[j]! * x[i * d + j]!;
    const p = logistic(z);
    total -= y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p);
  }
  return total / n;
}`,
    points: [[{ w: Float64Array.from([0.3, -0.2]), b: 0.1 }, Float64Array.from([1, 2, -1, 0.5, 0.3, -2]), Float64Array.from([1, 0, 1])]],
  },
  'a camera with a nested centre, projecting points': {
    name: 'reprojection',
    parameters: 3,
    source: `type Camera = { focal: number; center: { x: number; y: number }; distortion: number };
/** @differentiable */
export function reprojection(cam: Camera, pts: Float64Array, seen: Float64Array): number {
  let err = 0;
  for (let i = 0; i < pts.length / 3; i++) {
    const u = pts[3 * i]! / pts[3 * i + 2]!;
    const v = pts[3 * i + 1]! / pts[3 * i + 2]!;
    const r2 = u * u + v * v;
    const s = cam.focal * (1 + cam.distortion * r2);
    const du = s * u + cam.center.x - seen[2 * i]!;
    const dv = s * v + cam.center.y - seen[2 * i + 1]!;
    err += du * du + dv * dv;
  }
  return err;
}`,
    points: [[{ focal: 2, center: { x: 0.1, y: -0.2 }, distortion: 0.05 }, Float64Array.from([1, 2, 5, -1, 0.5, 4]), Float64Array.from([0.5, 0.6, -0.4, 0.1])]],
  },
  'an optional options object and an optional nested object, read with ?. chains and ??': {
    name: 'placed',
    parameters: 3,
    source: `interface Vec { x: number; y: number }
interface Placement { origin?: Vec & { offset: { z: number } }; scale?: number }
/** @differentiable */
export function placed(p: Vec, q: Vec, opts?: Placement): number {
  const ox = opts?.origin?.x ?? 0;
  const oz = opts?.origin?.offset.z ?? 0;
  const oy = opts?.origin === undefined ? 0 : opts.origin.y;
  const k = opts?.scale ?? 1;
  return k * ((p.x - ox) ** 2 + (p.y - oy) ** 2) + q.x * q.y * (1 + oz);
}`,
    points: [
      [{ x: 1, y: 2 }, { x: 0.5, y: -1 }, { origin: { x: 0.3, y: -0.4, offset: { z: 0.25 } }, scale: 2 }],
      [{ x: 1, y: 2 }, { x: 0.5, y: -1 }, { scale: 3 }],
      [{ x: -0.7, y: 0.2 }, { x: 1.5, y: 0.25 }],
    ],
  },
  'a string option and a boolean in the options, choosing the penalty': {
    name: 'penalised',
    parameters: 2,
    source: `interface Fit { mode: 'l1' | 'l2'; lambda: number; centred: boolean }
/** @differentiable */
export function penalised(w: number[], fit: Fit): number {
  let mean = 0;
  if (fit.centred) {
    for (const v of w) mean += v / w.length;
  }
  let p = 0;
  for (const v of w) p += fit.mode === 'l1' ? Math.abs(v - mean) : (v - mean) ** 2;
  return fit.lambda * p;
}`,
    points: [
      [[0.5, -1.5, 2], { mode: 'l1', lambda: 0.3, centred: false }],
      [[0.5, -1.5, 2], { mode: 'l2', lambda: 0.3, centred: true }],
    ],
  },
  'a branch choosing between two fields of a parameter, and a helper building a new object from them': {
    name: 'closest',
    parameters: 2,
    source: `interface Vec { x: number; y: number }
interface Segment { a: Vec; b: Vec }
function sub(p: Vec, q: Vec): Vec {
  return { x: p.x - q.x, y: p.y - q.y };
}
/** @differentiable */
export function closest(seg: Segment, q: Vec): number {
  const da = sub(seg.a, q);
  const db = sub(seg.b, q);
  const near = da.x * da.x + da.y * da.y < db.x * db.x + db.y * db.y ? seg.a : seg.b;
  const d = sub(near, q);
  return Math.hypot(d.x, d.y);
}`,
    points: [
      [{ a: { x: 0, y: 0 }, b: { x: 3, y: 1 } }, { x: 0.5, y: 0.4 }],
      [{ a: { x: 0, y: 0 }, b: { x: 3, y: 1 } }, { x: 2.5, y: 1.4 }],
    ],
  },
  'a state object stepped in a run-time loop (a damped oscillator)': {
    name: 'finalEnergy',
    parameters: 3,
    source: `interface State { x: number; v: number }
interface Params { k: number; c: number; dt: number }
/** @differentiable */
export function finalEnergy(s0: State, p: Params, steps: number): number {
  let x = s0.x;
  let v = s0.v;
  for (let i = 0; i < steps; i++) {
    const a = -p.k * x - p.c * v;
    v += p.dt * a;
    x += p.dt * v;
  }
  return 0.5 * v * v + 0.5 * p.k * x * x;
}`,
    points: [[{ x: 1, v: 0 }, { k: 2, c: 0.1, dt: 0.05 }, 40]],
    discrete: [2],
  },
  'an object the function builds around a parameter object, a parameter array and a string': {
    name: 'weighted',
    parameters: 3,
    source: `interface Tag { name: string; weight: number }
/** @differentiable */
export function weighted(x: number, xs: Float64Array, tag: Tag): number {
  const item = { x, values: xs, tag, label: 'sum' };
  let s = 0;
  for (let i = 0; i < item.values.length; i++) s += item.values[i]! * item.x;
  item.x = s * item.tag.weight;
  return item.x * item.tag.name.length + item.label.length;
}`,
    points: [[0.7, Float64Array.from([1, -2, 0.5]), { name: 'abc', weight: 1.5 }]],
  },
  'destructured parameters: an object with a default field, a tuple, an options object with a default': {
    name: 'springForce',
    parameters: 3,
    source: `interface Spring { k: number; rest?: number }
/** @differentiable */
export function springForce({ k, rest = 1 }: Spring, [x0, x1]: [number, number], { scale }: { scale: number } = { scale: 1 }): number {
  const d = x1 - x0 - rest;
  return 0.5 * k * d * d * scale;
}`,
    points: [
      [{ k: 2, rest: 0.5 }, [0.1, 1.2]],
      [{ k: 3 }, [0, 2.5], { scale: 2 }],
    ],
  },
  'an array of points: a polygon perimeter through a helper, indexed and passed whole': {
    name: 'perimeter',
    parameters: 2,
    source: `interface Point { x: number; y: number }
function dist(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}
function area(poly: Point[]): number {
  let a = 0;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    a += p.x * q.y - q.x * p.y;
  }
  return 0.5 * a;
}
/** @differentiable */
export function perimeter(pts: Point[], scale: number): number {
  let s = 0;
  for (let i = 0; i < pts.length; i++) s += dist(pts[i]!, pts[(i + 1) % pts.length]!);
  return s * scale + area(pts);
}`,
    points: [[[{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 2 }], 1.5], [[{ x: 0.3, y: -1 }, { x: 2, y: 0.5 }, { x: -0.5, y: 1.5 }, { x: -1, y: -0.2 }], 0.8]],
  },
  'an array of bodies with nested positions, in for...of and reduce, inside an object parameter': {
    name: 'centroidEnergy',
    parameters: 2,
    source: `interface Point { x: number; y: number }
interface Body { pos: Point; m: number }
interface Scene { bodies: Body[]; k: number }
/** @differentiable */
export function centroidEnergy(scene: Scene, g: number): number {
  let cx = 0;
  let cy = 0;
  for (const b of scene.bodies) {
    cx += b.pos.x * b.m;
    cy += b.pos.y * b.m;
  }
  const total = scene.bodies.reduce((s, b) => s + b.m, 0);
  const potential = scene.bodies.map((b) => b.m * g * b.pos.y).reduce((a, v) => a + v, 0);
  return (scene.k * (cx * cx + cy * cy)) / total + potential;
}`,
    points: [[{ bodies: [{ pos: { x: 0.5, y: 1 }, m: 2 }, { pos: { x: -1, y: 0.3 }, m: 1 }], k: 0.7 }, 9.81]],
  },
  'a graph layout: points as [x, y] tuples, edges as index pairs, destructured in for...of': {
    name: 'layoutEnergy',
    parameters: 4,
    source: `interface Edge { a: number; b: number }
/** @differentiable */
export function layoutEnergy(pos: [number, number][], edges: Edge[], rest: Float64Array, repulsion: number): number {
  let e = 0;
  for (let k = 0; k < edges.length; k++) {
    const { a, b } = edges[k]!;
    const [xa, ya] = pos[a]!;
    const dx = xa - pos[b]![0];
    const dy = ya - pos[b]![1];
    e += (Math.hypot(dx, dy) - rest[k]!) ** 2;
  }
  for (let i = 0; i < pos.length; i++) {
    for (let j = i + 1; j < pos.length; j++) {
      const d2 = (pos[i]![0] - pos[j]![0]) ** 2 + (pos[i]![1] - pos[j]![1]) ** 2;
      e += repulsion / (d2 + 0.01);
    }
  }
  return e;
}`,
    points: [[[[0, 0], [1, 0.2], [0.3, 1.1]], [{ a: 0, b: 1 }, { a: 1, b: 2 }], Float64Array.from([1, 1.2]), 0.05]],
    discrete: [1],
  },
};

const objects = suite('objects as parameters');

for (const [title, p] of Object.entries(programs)) {
  objects(title, () => {
    const m = build(`${prelude}${p.source}\n`);
    const f = m[p.name] as (...a: unknown[]) => number;
    for (const at of p.points) {
      // The steps count is not differentiated: only the numbers of the objects and arrays are.
      const gradient = checkAtPoint(m.valueAndGrad, f, at, p, title);
      assert.is(gradient.length, p.parameters, `${title}: one gradient per parameter`);
      assert.equal(m.grad(f)(...at), gradient, `${title}: grad gives valueAndGrad's gradient`);
    }
  });
}

objects('the gradient of an object parameter has its fields: strings and missing options get undefined', () => {
  const m = build(`${prelude}${programs['an options object with a default {}, its fields optional with ?? defaults']!.source}\n`);
  const [, given] = m.grad(m.chainEnergy)(Float64Array.from([0.1, 0.3, 1.2]), { stiffness: 3 }) as [Float64Array, Record<string, unknown>];
  assert.equal(Object.keys(given), ['stiffness', 'rest']);
  assert.is(given.rest, undefined, 'an option left out has no gradient');
  assert.type(given.stiffness, 'number');
  const [, defaulted] = m.grad(m.chainEnergy)(Float64Array.from([0.1, 0.3, 1.2])) as [Float64Array, Record<string, unknown>];
  assert.equal(defaulted, { stiffness: undefined, rest: undefined }, 'the default {} gives every option undefined');
  const particle = build(`${prelude}${programs['a particle with nested vectors, read by a helper and directly']!.source}\n`);
  const [g] = particle.grad(particle.energy)({ position: { x: 1, y: 2 }, velocity: { x: 0.5, y: -1 }, mass: 3, label: 'a' }, 9.81) as [Record<string, unknown>];
  assert.equal(Object.keys(g), ['position', 'velocity', 'mass', 'label']);
  assert.is(g.label, undefined);
  // ∂/∂mass = ½|v|² + g·y = 0.625 + 19.62 (exact in the maths, rounded once).
  assertClose(g.mass as number, 0.625 + 9.81 * 2, 'energy ∂/∂mass', 1e-14, 0);
});

objects('the gradient of an array of objects is an array of objects of the same shape, and the caller\'s array is left as it was', () => {
  const m = build(`${prelude}${programs['an array of points: a polygon perimeter through a helper, indexed and passed whole']!.source}\n`);
  const pts = [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 2 }];
  const before = JSON.stringify(pts);
  const [g] = m.grad(m.perimeter)(pts, 1.5) as [{ x: number; y: number }[]];
  assert.ok(Array.isArray(g) && g.length === 3);
  assert.equal(Object.keys(g[0]!), ['x', 'y']);
  assert.is(JSON.stringify(pts), before);
});

objects('wrt picks an object parameter, and the caller’s objects are left as they were', () => {
  const m = build(`${prelude}${programs["a model's weights and bias as one object, over a data set (logistic regression)"]!.source}
export const onlyModel = grad(loss, { wrt: [0] });
`);
  const model = { w: Float64Array.from([0.3, -0.2]), b: 0.1 };
  const x = Float64Array.from([1, 2, -1, 0.5, 0.3, -2]);
  const y = Float64Array.from([1, 0, 1]);
  const before = JSON.stringify([Array.from(model.w), model.b, Array.from(x), Array.from(y)]);
  const [dModel] = m.onlyModel(model, x, y) as [{ w: Float64Array; b: number }];
  const [full] = m.grad(m.loss)(model, x, y) as [{ w: Float64Array; b: number }];
  assert.equal(numbersIn(dModel), numbersIn(full));
  assert.ok(dModel.w instanceof Float64Array, 'an array field gets a Float64Array');
  assert.is(JSON.stringify([Array.from(model.w), model.b, Array.from(x), Array.from(y)]), before);
});

objects.run();

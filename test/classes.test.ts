/**
 * Classes as their authors write them (issue 11, item 6): a `Vec2` built with `new` in the marked
 * function and in its methods, getters, a static helper, a filter whose methods change `this` in a
 * loop over measurements, with an options object given to its constructor; classes extending
 * others (`super(...)`, inherited methods and fields, `super.method()`). Both modes (`build`
 * compares them), against finite differences at every number of the arguments.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, assertTreeGradient } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';

const programs: Record<string, { readonly source: string; readonly name: string; readonly points: readonly (readonly unknown[])[]; readonly discrete?: number }> = {
  'a vector class: a constructor with parameter properties, a getter, methods returning new vectors, a field initialiser and a method that changes this': {
    name: 'f',
    source: `class Vec2 {
  constructor(public x: number, public y: number) {}
  get length(): number { return Math.hypot(this.x, this.y); }
  add(o: Vec2): Vec2 { return new Vec2(this.x + o.x, this.y + o.y); }
  scale(k: number): Vec2 { return new Vec2(this.x * k, this.y * k); }
  dot(o: Vec2): number { return this.x * o.x + this.y * o.y; }
}
class Damper {
  c = 0.1;
  v: number;
  constructor(v0: number) { this.v = v0; }
  step(dt: number): void { this.v -= this.c * this.v * dt; }
}
/** @differentiable */
export function f(x: number, y: number): number {
  const a = new Vec2(x, y);
  const b = a.add(new Vec2(1, 2)).scale(0.5);
  const d = new Damper(x);
  d.step(0.1);
  d.step(0.1);
  return a.dot(b) + d.v + b.length * a.length;
}
`,
    points: [[0.5, 1.5], [-1.2, 0.3]],
  },
  'a Kalman filter: private fields from an options object, a method updating this in a run-time loop, a static helper': {
    name: 'fitError',
    source: `interface KalmanOptions { q?: number; r?: number }
class Kalman1D {
  x: number;
  p = 1;
  private readonly q: number;
  private readonly r: number;
  constructor(x0: number, opts: KalmanOptions = {}) {
    this.x = x0;
    this.q = opts.q ?? 0.01;
    this.r = opts.r ?? 0.1;
  }
  update(z: number): void {
    this.p += this.q;
    const k = this.p / (this.p + this.r);
    this.x += k * (z - this.x);
    this.p *= 1 - k;
  }
  static residual(a: number, b: number): number {
    return (a - b) ** 2;
  }
}
/** @differentiable */
export function fitError(x0: number, q: number, zs: Float64Array, truth: number): number {
  const filter = new Kalman1D(x0, { q, r: 0.2 });
  for (let i = 0; i < zs.length; i++) filter.update(zs[i]!);
  return Kalman1D.residual(filter.x, truth);
}
`,
    points: [[0.1, 0.05, Float64Array.from([1, 1.2, 0.9, 1.1]), 1], [2, 0.3, Float64Array.from([0.5, -0.5]), 0.2]],
  },
  'classes that extend others: super(...) with arguments, inherited methods and fields, a getter of a grandchild, super.method()': {
    name: 'run',
    source: `class Particle {
  vx = 0;
  constructor(public x: number, public m: number) {}
  kinetic(): number { return 0.5 * this.m * this.vx * this.vx; }
  push(f: number, dt: number): void {
    this.vx += (f / this.m) * dt;
    this.x += this.vx * dt;
  }
}
class Charged extends Particle {
  q: number;
  field = 2;
  constructor(x: number, m: number, q: number) {
    super(x, m);
    this.q = q;
  }
  energy(): number { return this.kinetic() + this.q * this.field * this.x; }
}
class Tagged extends Charged {
  label = 'probe';
  get doubled(): number { return 2 * this.energy(); }
}
class Damped extends Particle {
  constructor(x: number, private readonly c: number) { super(x, 1); }
  step(dt: number): void {
    super.push(-this.c * this.vx, dt);
  }
}
/** @differentiable */
export function run(x: number, q: number, f: number): number {
  const p = new Charged(x, 2, q);
  for (let i = 0; i < 3; i++) p.push(f - p.q * p.field, 0.1);
  const t = new Tagged(x * x, 1, q);
  t.push(f, 0.5);
  const d = new Damped(q, 0.3);
  d.push(f, 0.2);
  d.step(0.2);
  return p.energy() + t.doubled + t.kinetic() + d.x * d.vx;
}
`,
    points: [[0.3, 1.7, 2], [-1.1, 0.4, 0.5]],
  },
};

const classes = suite('classes built in a marked function');

for (const [title, p] of Object.entries(programs)) {
  classes(title, () => {
    for (const plugin of [{}, { mode: 'fine' as const }]) {
      const mode = plugin.mode ?? 'coarse';
      const m = build(`${prelude}${p.source}\n`, { plugin });
      const f = m[p.name] as (...a: unknown[]) => number;
      for (const at of p.points) {
        const [value, gradient] = m.valueAndGrad(f)(...at) as [number, unknown[]];
        assertClose(value, f(...at), `${title} (${mode}): value`, 1e-12, 1e-12);
        assertTreeGradient(f, gradient, at, `${title} (${mode})`);
      }
    }
  });
}

classes('an object a marked function builds with new is the coarse companion\'s own: it builds no instance', () => {
  const source = programs['a vector class: a constructor with parameter properties, a getter, methods returning new vectors, a field initialiser and a method that changes this']!.source;
  const js = compile({ 'main.ts': `${prelude}${source}\n` }).js['main.ts']!;
  const start = js.indexOf('function f$grad(');
  assert.ok(start >= 0);
  const companion = js.slice(start, js.indexOf('\n}\n', start));
  assert.not.match(companion, /new |Vec2|Damper/, companion);
});

classes.run();

/**
 * A corpus of numeric programs as their authors write them (issue 11): finance, colour science,
 * statistics, graph layout, curves, physics, kinematics, filters, a small net, geodesy and signal
 * processing, each mixing what such code mixes (options objects, point arrays, tuples, classes,
 * callbacks, `map`/`reduce`, argument checks). None was written for the tool. Each is built in both
 * modes (`build` compares the gradients), its value checked against the primal and every number of
 * its arguments against 5-point finite differences.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAtPoint, type TableProgram } from './gradcheck.js';
import { build, prelude } from './harness.js';

const programs: Record<string, TableProgram> = {
  'finance: a Black–Scholes call with an erf approximation and an options object': {
    name: 'callPrice',
    source: `interface Market { rate: number; volatility: number; years?: number }
function erf(x: number): number {
  // Abramowitz and Stegun 7.1.26.
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}
const normalCdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
/** @differentiable */
export function callPrice(spot: number, strike: number, market: Market): number {
  if (spot <= 0 || strike <= 0) throw new RangeError(\`prices must be positive, got \${spot} and \${strike}\`);
  const { rate, volatility } = market;
  const years = market.years ?? 1;
  const d1 = (Math.log(spot / strike) + (rate + (volatility * volatility) / 2) * years) / (volatility * Math.sqrt(years));
  const d2 = d1 - volatility * Math.sqrt(years);
  return spot * normalCdf(d1) - strike * Math.exp(-rate * years) * normalCdf(d2);
}`,
    points: [
      [100, 95, { rate: 0.03, volatility: 0.2, years: 0.5 }],
      [42, 50, { rate: 0.01, volatility: 0.35 }],
    ],
  },
  'colour science: CIE76 colour difference of sRGB triples through linear RGB, XYZ and Lab': {
    name: 'deltaE',
    source: `type RGB = [number, number, number];
const WHITE: RGB = [0.95047, 1, 1.08883];
function toLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
function toLab([r, g, b]: RGB): RGB {
  const [lr, lg, lb] = [r, g, b].map(toLinear) as RGB;
  const xyz: RGB = [0.4124 * lr + 0.3576 * lg + 0.1805 * lb, 0.2126 * lr + 0.7152 * lg + 0.0722 * lb, 0.0193 * lr + 0.1192 * lg + 0.9505 * lb];
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [fx, fy, fz] = xyz.map((v, i) => f(v / WHITE[i]!));
  return [116 * fy! - 16, 500 * (fx! - fy!), 200 * (fy! - fz!)];
}
/** @differentiable */
export function deltaE(a: RGB, b: RGB): number {
  const la = toLab(a);
  const lb = toLab(b);
  return Math.hypot(la[0] - lb[0], la[1] - lb[1], la[2] - lb[2]);
}`,
    points: [
      [[0.8, 0.3, 0.2], [0.7, 0.35, 0.25]],
      [[0.02, 0.5, 0.9], [0.03, 0.45, 0.95]],
    ],
  },
  'statistics: the negative log-likelihood of a Gaussian mixture, with a log-sum-exp helper': {
    name: 'mixtureNll',
    source: `interface Component { weight: number; mean: number; sd: number }
function logSumExp(values: number[]): number {
  const m = Math.max(...values);
  return m + Math.log(values.reduce((s, v) => s + Math.exp(v - m), 0));
}
function logNormal(x: number, c: Component): number {
  const z = (x - c.mean) / c.sd;
  return -0.5 * z * z - Math.log(c.sd) - 0.5 * Math.log(2 * Math.PI);
}
/** @differentiable */
export function mixtureNll(components: Component[], data: Float64Array): number {
  let nll = 0;
  for (const x of data) nll -= logSumExp(components.map((c) => Math.log(c.weight) + logNormal(x, c)));
  return nll / data.length;
}`,
    points: [[[{ weight: 0.3, mean: -1, sd: 0.5 }, { weight: 0.7, mean: 2, sd: 1.5 }], Float64Array.from([-1.2, 0.3, 2.5, 1.9, -0.4])]],
  },
  'graph layout: a spring-electrical energy of nodes with edges given as index pairs': {
    name: 'layoutEnergy',
    source: `interface Node2 { x: number; y: number }
function distance(a: Node2, b: Node2): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}
/** @differentiable */
export function layoutEnergy(nodes: Node2[], edges: number[][], length = 1): number {
  let energy = 0;
  for (const [i, j] of edges) energy += (distance(nodes[i!]!, nodes[j!]!) - length) ** 2;
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) energy += 0.1 / distance(nodes[i]!, nodes[j]!);
  }
  return energy;
}`,
    points: [
      [[{ x: 0, y: 0 }, { x: 1, y: 0.2 }, { x: 0.4, y: 1.1 }, { x: 1.5, y: 1.4 }], [[0, 1], [1, 2], [2, 3], [0, 2]], 0.8],
    ],
    discrete: [1],
  },
  'curves: the length of a cubic Bézier curve by sampling, control points as [x, y] rows': {
    name: 'bezierLength',
    source: `function lerp(a: number[], b: number[], t: number): number[] {
  return a.map((v, i) => v + (b[i]! - v) * t);
}
function pointAt(ctrl: number[][], t: number): number[] {
  // de Casteljau.
  let pts = ctrl;
  while (pts.length > 1) {
    const next: number[][] = [];
    for (let i = 0; i + 1 < pts.length; i++) next.push(lerp(pts[i]!, pts[i + 1]!, t));
    pts = next;
  }
  return pts[0]!;
}
/** @differentiable */
export function bezierLength(ctrl: number[][], samples: number): number {
  let length = 0;
  let previous = pointAt(ctrl, 0);
  for (let k = 1; k <= samples; k++) {
    const p = pointAt(ctrl, k / samples);
    length += Math.hypot(p[0]! - previous[0]!, p[1]! - previous[1]!);
    previous = p;
  }
  return length;
}`,
    points: [[[[0, 0], [1, 2], [3, 2.5], [4, 0]], 12]],
    discrete: [1],
  },
  'physics: a chain of particles stepped with Verlet integration, particles as a class': {
    name: 'chainEnergy',
    source: `class Particle {
  vx = 0;
  constructor(public x: number, public readonly mass: number) {}
  kick(force: number, dt: number): void {
    this.vx += (force / this.mass) * dt;
  }
  drift(dt: number): void {
    this.x += this.vx * dt;
  }
}
/** @differentiable */
export function chainEnergy(positions: Float64Array, stiffness: number, steps: number): number {
  const particles = Array.from(positions, (x) => new Particle(x, 1));
  const dt = 0.05;
  for (let s = 0; s < steps; s++) {
    particles.forEach((p, i) => {
      const left = i > 0 ? particles[i - 1]!.x : p.x;
      const right = i + 1 < particles.length ? particles[i + 1]!.x : p.x;
      p.kick(stiffness * (left + right - 2 * p.x), dt);
    });
    for (const p of particles) p.drift(dt);
  }
  return particles.reduce((e, p) => e + 0.5 * p.mass * p.vx * p.vx, 0);
}`,
    points: [[Float64Array.from([0, 0.3, 0.5, 1.2]), 2, 3]],
    discrete: [2],
  },
  'kinematics: the reach error of a planar arm, angles in an array, links in an options object': {
    name: 'reachError',
    source: `interface Arm { lengths: number[]; base?: { x: number; y: number } }
/** @differentiable */
export function reachError(angles: number[], target: [number, number], arm: Arm): number {
  if (angles.length !== arm.lengths.length) throw new Error('one angle per link');
  let x = arm.base?.x ?? 0;
  let y = 0;
  let heading = 0;
  angles.forEach((a, i) => {
    heading += a;
    x += arm.lengths[i]! * Math.cos(heading);
    y += arm.lengths[i]! * Math.sin(heading);
  });
  const [tx, ty] = target;
  return (x - tx) ** 2 + (y - ty) ** 2;
}`,
    points: [[[0.3, 0.5, -0.2], [1.5, 1.2], { lengths: [1, 0.8, 0.5] }]],
  },
  'filters: a one-pole low-pass filter class run over a signal, against a reference': {
    name: 'filterLoss',
    source: `class LowPass {
  private state: number;
  constructor(private readonly alpha: number, initial = 0) {
    this.state = initial;
  }
  step(input: number): number {
    this.state += this.alpha * (input - this.state);
    return this.state;
  }
}
/** @differentiable */
export function filterLoss(alpha: number, signal: Float64Array, reference: Float64Array): number {
  const filter = new LowPass(alpha, signal[0]);
  const output = signal.map((x) => filter.step(x));
  let loss = 0;
  for (let i = 0; i < output.length; i++) loss += (output[i]! - reference[i]!) ** 2;
  return loss / output.length;
}`,
    points: [[0.3, Float64Array.from([0, 1, 1, 0.5, 0.2, 0.8]), Float64Array.from([0, 0.5, 0.8, 0.7, 0.4, 0.6])]],
  },
  'a small net: a two-layer perceptron with its weights as rows in a model object': {
    name: 'mse',
    source: `interface Model { W1: number[][]; b1: number[]; W2: number[]; b2: number }
const relu = (z: number) => Math.max(0, z);
function forward(m: Model, x: number[]): number {
  const hidden = m.W1.map((row, j) => relu(row.reduce((s, w, k) => s + w * x[k]!, m.b1[j]!)));
  return hidden.reduce((s, h, j) => s + m.W2[j]! * h, m.b2);
}
/** @differentiable */
export function mse(model: Model, xs: number[][], ys: number[]): number {
  let loss = 0;
  xs.forEach((x, i) => {
    loss += (forward(model, x) - ys[i]!) ** 2;
  });
  return loss / xs.length;
}`,
    points: [
      [{ W1: [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]], b1: [0.15, -0.2, 0.3], W2: [1, -0.5, 0.7], b2: 0.05 }, [[1, 2], [-0.5, 0.3], [0.8, -1.1]], [0.4, -0.2, 0.9]],
    ],
  },
  'geodesy: the great-circle length of a route of [latitude, longitude] pairs in degrees': {
    name: 'routeLength',
    source: `const EARTH_RADIUS_KM = 6371;
const radians = (deg: number) => (deg * Math.PI) / 180;
function haversine([lat1, lon1]: readonly number[], [lat2, lon2]: readonly number[]): number {
  const dLat = radians(lat2! - lat1!);
  const dLon = radians(lon2! - lon1!);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(radians(lat1!)) * Math.cos(radians(lat2!)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
}
/** @differentiable */
export function routeLength(route: number[][]): number {
  let km = 0;
  for (let i = 1; i < route.length; i++) km += haversine(route[i - 1]!, route[i]!);
  return km;
}`,
    points: [[[[52.52, 13.405], [48.8566, 2.3522], [51.5074, -0.1278], [40.4168, -3.7038]]]],
  },
  'signal processing: the power of a signal at one frequency, by a discrete Fourier sum': {
    name: 'powerAt',
    source: `/** @differentiable */
export function powerAt(signal: number[], frequency: number, sampleRate = 100): number {
  let re = 0;
  let im = 0;
  signal.forEach((x, n) => {
    const phase = (-2 * Math.PI * frequency * n) / sampleRate;
    re += x * Math.cos(phase);
    im += x * Math.sin(phase);
  });
  return (re * re + im * im) / signal.length;
}`,
    points: [[[0, 0.8, 1, 0.3, -0.6, -1, -0.4, 0.5], 12.5]],
  },
};

const corpus = suite('a corpus of programs as their authors write them');

for (const [title, p] of Object.entries(programs)) {
  corpus(title, () => {
    const m = build(`${prelude}${p.source}\n`);
    const f = m[p.name] as (...a: unknown[]) => number;
    for (const at of p.points) {
      const gradient = checkAtPoint(m.valueAndGrad, f, at, p, title, true);
      // One gradient per declared parameter; those left to their defaults are not checked here.
      assert.ok(gradient.length >= at.length, `${title}: one gradient per parameter`);
    }
  });
}

corpus.run();

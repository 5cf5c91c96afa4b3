/**
 * Lets a ring of masses joined by springs relax to rest by gradient descent on its elastic energy.
 *
 * Ten masses sit in the plane, their positions in one Float64Array (x0, y0, x1, y1, ...). Each is
 * joined to its next neighbour round the ring and to the one after, with rest lengths those of a
 * regular decagon of side 1, so the energy is 0 exactly when the masses form that decagon (anywhere,
 * at any angle). The energy is a loop over the springs; coarsegrad writes its gradient at build time
 * as a second loop over the same springs, with no tape.
 */
import { grad, valueAndGrad } from 'coarsegrad';
import { checkArrayGradient, fail } from './check.js';

const n = 10;
/** Rest length of a spring to the next mass: the polygon's side. */
const side = 1;
/** Rest length of a spring to the mass after next: a chord of the polygon over two sides. */
const chord = 2 * side * Math.cos(Math.PI / n);
/** Spring stiffness. */
const stiffness = 1;

/**
 * Elastic energy Σ ½k(‖p_a − p_b‖ − l)² of the springs from each mass i to (i + 1) mod n and to
 * (i + 2) mod n, for positions p = (x0, y0, x1, y1, ...).
 * @differentiable
 */
export function energy(p: Float64Array): number {
  const count = p.length / 2;
  let e = 0;
  for (let i = 0; i < count; i++) {
    const a = (i + 1) % count;
    const b = (i + 2) % count;
    const toNext = Math.hypot(p[2 * a]! - p[2 * i]!, p[2 * a + 1]! - p[2 * i + 1]!);
    const toAfter = Math.hypot(p[2 * b]! - p[2 * i]!, p[2 * b + 1]! - p[2 * i + 1]!);
    e += 0.5 * stiffness * (toNext - side) ** 2;
    e += 0.5 * stiffness * (toAfter - chord) ** 2;
  }
  return e;
}

/** Distances from each mass to the one `step` further round the ring. */
function springLengths(p: Float64Array, step: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const j = (i + step) % n;
    return Math.hypot(p[2 * j]! - p[2 * i]!, p[2 * j + 1]! - p[2 * i + 1]!);
  });
}

// The start: the polygon's corners squashed into an ellipse, and each coordinate pushed a little
// further, so that every spring starts stretched or compressed.
const radius = side / (2 * Math.sin(Math.PI / n));
const start = new Float64Array(2 * n);
for (let i = 0; i < n; i++) {
  start[2 * i] = 1.3 * radius * Math.cos((2 * Math.PI * i) / n) + 0.1 * Math.sin(7 * (2 * i));
  start[2 * i + 1] = 0.7 * radius * Math.sin((2 * Math.PI * i) / n) + 0.1 * Math.sin(7 * (2 * i + 1));
}

// grad(energy) has one entry per parameter: here one Float64Array, shaped like p.
const [startGradient] = grad(energy)(start);
const error = checkArrayGradient(energy, start, startGradient, [0, 1, 7, 2 * n - 1]);

// Gradient descent with a backtracking step: try a step a little longer than the last one that
// worked, and halve it until the energy goes down enough (Armijo's condition).
const energyAndGradient = valueAndGrad(energy);
const energyTolerance = 1e-24;
const gradientTolerance = 1e-12;
const maxIterations = 100_000;

const p = Float64Array.from(start);
let [e, [g]] = energyAndGradient(p);
const startEnergy = e;
let step = 0.1;
let iterations = 0;
let converged = false;
const trial = new Float64Array(2 * n);
while (iterations < maxIterations) {
  const gg = g.reduce((sum, gi) => sum + gi * gi, 0);
  if (e < energyTolerance || Math.sqrt(gg) < gradientTolerance) {
    converged = true;
    break;
  }
  iterations++;
  step *= 2;
  for (;;) {
    for (let k = 0; k < p.length; k++) trial[k] = p[k]! - step * g[k]!;
    const [eTrial, [gTrial]] = energyAndGradient(trial);
    if (eTrial <= e - 0.5 * step * gg || step < 1e-12) {
      p.set(trial);
      e = eTrial;
      g = gTrial;
      break;
    }
    step /= 2;
  }
}

const sides = springLengths(p, 1);
const chords = springLengths(p, 2);
let cx = 0, cy = 0;
for (let i = 0; i < n; i++) {
  cx += p[2 * i]! / n;
  cy += p[2 * i + 1]! / n;
}
const radii = Array.from({ length: n }, (_, i) => Math.hypot(p[2 * i]! - cx, p[2 * i + 1]! - cy));
const range = (xs: number[]) => `${Math.min(...xs).toFixed(9)} to ${Math.max(...xs).toFixed(9)}`;
const gradientNorm = Math.hypot(...g);

console.log(`${n} masses on a ring, springs to the next and the next-but-one, at rest as a regular ${n}-gon of side ${side}`);
console.log(`∂E/∂p at the start matches central differences on 4 coordinates to ${error.toExponential(1)}`);
console.log(`gradient descent: energy ${startEnergy.toFixed(4)} at the start, ${e.toExponential(2)} after ${iterations} iterations (|∇E| = ${gradientNorm.toExponential(2)})`);
console.log(`sides ${range(sides)} (rest ${side}), next-but-one ${range(chords)} (rest ${chord.toFixed(9)})`);
console.log(`centre (${cx.toFixed(4)}, ${cy.toFixed(4)}); distance of each mass from it ${range(radii)} (a regular ${n}-gon of side ${side} has ${radius.toFixed(9)})`);

if (!converged) fail(`gradient descent did not settle in ${maxIterations} iterations (energy ${e}, |∇E| = ${gradientNorm})`);
if (!(e < 1e-12)) fail(`the ring did not come to rest: its energy is still ${e}`);
const worstLength = Math.max(...sides.map((l) => Math.abs(l - side)), ...chords.map((l) => Math.abs(l - chord)));
if (!(worstLength < 1e-6)) fail(`a spring is ${worstLength} away from its rest length`);
const worstRadius = Math.max(...radii.map((r) => Math.abs(r - radius)));
if (!(worstRadius < 1e-6)) fail(`the ring is not a regular ${n}-gon: a mass is ${worstRadius} off the circumcircle`);

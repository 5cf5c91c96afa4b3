/**
 * Minimises the Rosenbrock function with Adam, from the classic start (-1.2, 1).
 *
 * The minimum at (1, 1) lies at the end of a long, curved, nearly flat valley: plain gradient
 * descent crawls along it, which is why this is a standard test of an optimiser. Adam rescales each
 * coordinate by a running estimate of its gradient's size, and gets there in a few thousand steps.
 */
import { grad } from 'coarsegrad';
import { checkGradient, fail } from './check.js';

/**
 * The Rosenbrock function; its minimum is 0, at (1, 1).
 * @differentiable
 */
export function rosenbrock(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}

const start: [number, number] = [-1.2, 1];

// The transformer rewrites this into a direct call of the gradient code it wrote for rosenbrock at
// build time, so the loop below runs plain arithmetic: no tape, no tracing.
const gradient = grad(rosenbrock);

const startGradient = gradient(...start);
const error = checkGradient(rosenbrock, start, startGradient);

// Adam's usual constants; the step size is about how far each coordinate moves per iteration.
const stepSize = 0.02;
const beta1 = 0.9;
const beta2 = 0.999;
const epsilon = 1e-8;
const tolerance = 1e-6; // stop when the gradient is this small
const maxIterations = 100_000;

let [x, y] = start;
let m = [0, 0]; // running mean of the gradient
let v = [0, 0]; // running mean of its square
let iterations = 0;
let converged = false;
for (let t = 1; t <= maxIterations; t++) {
  const [gx, gy] = gradient(x, y);
  if (Math.hypot(gx, gy) < tolerance) {
    converged = true;
    break;
  }
  m = [beta1 * m[0] + (1 - beta1) * gx, beta1 * m[1] + (1 - beta1) * gy];
  v = [beta2 * v[0] + (1 - beta2) * gx * gx, beta2 * v[1] + (1 - beta2) * gy * gy];
  // Both means start at 0; dividing by (1 - beta^t) removes that bias from the early steps.
  const mCorrection = 1 - beta1 ** t;
  const vCorrection = 1 - beta2 ** t;
  x -= (stepSize * m[0]) / mCorrection / (Math.sqrt(v[0] / vCorrection) + epsilon);
  y -= (stepSize * m[1]) / mCorrection / (Math.sqrt(v[1] / vCorrection) + epsilon);
  iterations = t;
}

const value = rosenbrock(x, y);
console.log('f(x, y) = (1 - x)² + 100·(y - x²)², minimised with Adam from (-1.2, 1)');
console.log(
  `gradient at the start: (${startGradient.map((d) => d.toFixed(4)).join(', ')}), ` +
    `matches central differences to ${error.toExponential(1)}`,
);
console.log(`minimum found at (${x.toFixed(6)}, ${y.toFixed(6)}) after ${iterations} iterations`);
console.log(`f there = ${value.toExponential(2)}   (the true minimum is 0, at (1, 1))`);

if (!converged) fail(`Adam did not reach a gradient below ${tolerance} in ${maxIterations} iterations`);
if (Math.abs(x - 1) > 1e-4 || Math.abs(y - 1) > 1e-4) fail(`the minimum found, (${x}, ${y}), is not (1, 1)`);

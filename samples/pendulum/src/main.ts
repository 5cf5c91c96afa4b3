/**
 * Tunes a pendulum's damping so that, released from 1 rad, it swings back to 0.5 rad after two
 * seconds (about one period): Newton's method on the angle, with ∂θ/∂damping from coarsegrad.
 */
import { grad, valueAndGrad } from 'coarsegrad';
import { checkGradient, fail } from './check.js';
import { finalAngle } from './pendulum.js';

const theta0 = 1; // rad
const steps = 200; // of 10 ms: two seconds
const target = 0.5; // rad

const angleAndSlope = valueAndGrad(finalAngle, { wrt: [1] });

const error = checkGradient((a, d) => finalAngle(a, d, steps), [theta0, 0.3], grad(finalAngle)(theta0, 0.3, steps).slice(0, 2) as number[]);

let damping = 0.1;
let iterations = 0;
for (; iterations < 50; iterations++) {
  const [angle, [slope]] = angleAndSlope(theta0, damping, steps);
  const miss = angle - target;
  if (Math.abs(miss) < 1e-12) break;
  damping -= miss / slope;
}
// Checked with the primal itself, not with the value the gradient code returned.
const reached = finalAngle(theta0, damping, steps);
console.log(`∂θ/∂(θ0, damping) after ${steps} steps matches central differences to ${error.toExponential(1)}`);
console.log(`damping ${damping.toFixed(6)} /s brings the pendulum back to ${reached.toFixed(9)} rad (target ${target}), ${iterations} Newton steps`);
if (!(Math.abs(reached - target) < 1e-9)) fail(`Newton's method missed the target angle by ${reached - target} rad`);

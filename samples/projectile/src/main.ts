/**
 * Aims a projectile: finds the launch angles that land it on a target at a given distance, by
 * minimising the squared miss (R(θ) − target)² with Gauss-Newton steps.
 */
import { grad, valueAndGrad } from 'coarsegrad';
import { range } from './ballistics.js';
import { checkGradient, fail } from './check.js';

const speed = 35; // m/s
const height = 2; // m
const target = 100; // m

const toDegrees = (theta: number): number => (theta * 180) / Math.PI;
const toRadians = (angle: number): number => (angle * Math.PI) / 180;

// Only the angle is fitted, so `wrt: [0]` asks for ∂R/∂θ alone; speed and height stay fixed.
const rangeAndSlope = valueAndGrad(range, { wrt: [0] });
const rangeSlope = grad(range, { wrt: [0] });

/**
 * The angle of the longest shot, where ∂R/∂θ changes sign from + to −. Bisection on the sign
 * needs nothing but the gradient, and tells the two arcs apart: every reachable target has one
 * solution below this angle and one above it.
 */
function longestShotAngle(): number {
  let low = 0;
  let high = Math.PI / 2;
  while (high - low > 1e-12) {
    const middle = (low + high) / 2;
    const [dReach] = rangeSlope(middle, speed, height);
    if (dReach > 0) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/**
 * Gauss-Newton on the squared miss: linearising R around θ gives the step −(R − target)/R'(θ),
 * which zeroes the miss of the linearised range. It converges quadratically, in a handful of steps,
 * as long as it stays on one side of the longest-shot angle, where R' = 0; `lowest` and `highest`
 * keep it there.
 */
function aim(startDegrees: number, lowest: number, highest: number): { theta: number; steps: number } {
  let theta = toRadians(startDegrees);
  for (let steps = 0; steps <= 50; steps++) {
    const [reach, [dReach]] = rangeAndSlope(theta, speed, height);
    const miss = reach - target;
    if (Math.abs(miss) < 1e-9) return { theta, steps };
    // Halfway to the bound rather than past it: a step that would cross it is far outside the
    // region where the linearisation holds.
    const next = theta - miss / dReach;
    theta = next < lowest ? (theta + lowest) / 2 : next > highest ? (theta + highest) / 2 : next;
  }
  fail(`Gauss-Newton from ${startDegrees}° did not hit the target in 50 steps`);
}

const error = checkGradient(range, [toRadians(15), speed, height], grad(range)(toRadians(15), speed, height));

const best = longestShotAngle();
const longest = range(best, speed, height);
if (!(longest > target)) fail(`the target at ${target} m is out of reach (at most ${longest} m)`);

console.log(`launch at ${speed} m/s from ${height} m up, target at ${target} m`);
console.log(`∂R/∂(θ, v, h) at θ = 15° matches central differences to ${error.toExponential(1)}`);
console.log(`longest shot: ${longest.toFixed(2)} m at θ = ${toDegrees(best).toFixed(2)}°, where ∂R/∂θ changes sign`);
const arcs = [
  { name: 'low ', startDegrees: 15, lowest: 0, highest: best },
  { name: 'high', startDegrees: 75, lowest: best, highest: Math.PI / 2 },
];
for (const { name, startDegrees, lowest, highest } of arcs) {
  const { theta, steps } = aim(startDegrees, lowest, highest);
  // Checked with the primal itself, not with the value the gradient code returned.
  const reach = range(theta, speed, height);
  console.log(
    `${name} arc: θ = ${toDegrees(theta).toFixed(4)}° lands at ${reach.toFixed(6)} m (target ${target} m), ` +
      `${steps} Gauss-Newton steps from ${startDegrees}°`,
  );
  if (Math.abs(reach - target) > 1e-6) fail(`the ${name.trim()} arc misses the target by ${reach - target} m`);
}

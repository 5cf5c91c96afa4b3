/**
 * How far a projectile flies: launched at angle theta (radians above the horizontal) with speed v
 * (m/s) from height h (m) above flat ground, without air resistance.
 */
import { differentiable } from 'coarsegrad';

/** Standard gravity, m/s². */
export const g = 9.81;

/**
 * Time until the projectile comes down: the positive root of h + vy·t − g·t²/2 = 0. Not marked:
 * coarsegrad differentiates through any function whose source it can see.
 */
function timeOfFlight(vy: number, h: number): number {
  return (vy + Math.sqrt(vy * vy + 2 * g * h)) / g;
}

/** Horizontal distance at touchdown: R(θ) = v·cosθ/g · (v·sinθ + √(v²·sin²θ + 2·g·h)). */
export const range = differentiable((theta: number, v: number, h: number): number => {
  const vx = v * Math.cos(theta);
  const vy = v * Math.sin(theta);
  return vx * timeOfFlight(vy, h);
});

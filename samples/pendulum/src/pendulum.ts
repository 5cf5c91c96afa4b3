/**
 * A damped pendulum of length 1 m, stepped with semi-implicit Euler. Its state is an object, built
 * and stepped by ordinary helpers: coarsegrad keeps such objects at compile time, field by field,
 * and carries the fields through the run-time loop on its tape.
 */

/** Standard gravity, m/s². */
const g = 9.81;

export interface State {
  theta: number; // angle from the vertical, rad
  omega: number; // angular velocity, rad/s
}

/** One step of dt seconds; not marked: coarsegrad differentiates through what it can see. */
function step(s: State, damping: number, dt: number): State {
  const alpha = -g * Math.sin(s.theta) - damping * s.omega;
  const omega = s.omega + dt * alpha;
  return { theta: s.theta + dt * omega, omega };
}

/**
 * The angle after `steps` steps of 10 ms, released at rest from `theta0`.
 * @differentiable
 */
export function finalAngle(theta0: number, damping: number, steps: number): number {
  const s: State = { theta: theta0, omega: 0 };
  for (let i = 0; i < steps; i++) {
    const next = step(s, damping, 0.01);
    s.theta = next.theta;
    s.omega = next.omega;
  }
  return s.theta;
}

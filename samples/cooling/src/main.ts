/**
 * Fits Newton's law of cooling to a cup of tea: from thermometer readings, finds how fast it cools
 * and the temperature of the room. The model is a class whose method is marked with the
 * `@differentiable` decorator; the fit is Gauss-Newton, with each Jacobian row from coarsegrad.
 */
import { grad, valueAndGrad, differentiable } from 'coarsegrad';
import { checkGradient, fail } from './check.js';

class CoolingCup {
  constructor(
    /** Temperature when poured, in °C: measured, so a known field rather than a fitted parameter. */
    readonly poured: number,
  ) {}

  /**
   * T(t) = ambient + (poured − ambient)·e^(−rate·t), with t in minutes. `this.poured` is read as a
   * constant: the gradient has one entry per parameter (rate, ambient, minutes), none for fields.
   */
  @differentiable
  temperature(rate: number, ambient: number, minutes: number): number {
    return ambient + (this.poured - ambient) * Math.exp(-rate * minutes);
  }
}

/** [minutes since pouring, °C], read to 0.1 °C. */
const readings: readonly (readonly [number, number])[] = [
  [5, 76.2], [10, 65.1], [15, 56.4], [20, 49.0], [25, 43.5], [30, 38.9],
  [35, 35.1], [40, 32.5], [45, 29.9], [50, 28.0], [55, 26.8], [60, 25.3],
];

const cup = new CoolingCup(90);

// A method's gradient needs its object: `.call(cup, ...)` binds `this`, as for the method itself.
// `wrt: [0, 1]` leaves out ∂/∂minutes, since the reading times are data, not parameters.
const temperatureAndSlopes = valueAndGrad(cup.temperature, { wrt: [0, 1] });

const error = checkGradient(
  (rate, ambient, minutes) => cup.temperature(rate, ambient, minutes),
  [0.1, 30, 20],
  grad(cup.temperature).call(cup, 0.1, 30, 20),
);

/** The sum of squared residuals (model − reading), and its derivatives with respect to (rate, ambient). */
interface Residuals {
  readonly squares: number;
  /** Jᵀr: half the gradient of `squares`. */
  readonly jr: readonly [number, number];
  /** JᵀJ, the Gauss-Newton approximation of half the Hessian of `squares`. */
  readonly jj: readonly [number, number, number];
}

function residuals(rate: number, ambient: number): Residuals {
  let squares = 0, jr0 = 0, jr1 = 0, jj00 = 0, jj01 = 0, jj11 = 0;
  for (const [minutes, measured] of readings) {
    const [model, [dRate, dAmbient]] = temperatureAndSlopes.call(cup, rate, ambient, minutes);
    const r = model - measured;
    squares += r * r;
    jr0 += dRate * r;
    jr1 += dAmbient * r;
    jj00 += dRate * dRate;
    jj01 += dRate * dAmbient;
    jj11 += dAmbient * dAmbient;
  }
  return { squares, jr: [jr0, jr1], jj: [jj00, jj01, jj11] };
}

// A rough first guess: a tenth of the gap to the room gone per minute, a warm room.
const guess = { rate: 0.1, ambient: 30 };
let rate = guess.rate;
let ambient = guess.ambient;
let fit = residuals(rate, ambient);
let iterations = 0;
let converged = false;
while (!converged && iterations < 50) {
  iterations++;
  // The Gauss-Newton step solves (JᵀJ)·δ = −Jᵀr, the 2×2 normal equations of the linearised model.
  const [a, b, c] = fit.jj;
  const [g0, g1] = fit.jr;
  const determinant = a * c - b * b;
  let dRate = (-c * g0 + b * g1) / determinant;
  let dAmbient = (b * g0 - a * g1) / determinant;
  // Far from the fit the exponential is poorly linearised and a full step can overshoot: halve it
  // until the sum of squares goes down.
  let next = residuals(rate + dRate, ambient + dAmbient);
  for (let halvings = 0; !(next.squares <= fit.squares) && halvings < 30; halvings++) {
    dRate /= 2;
    dAmbient /= 2;
    next = residuals(rate + dRate, ambient + dAmbient);
  }
  rate += dRate;
  ambient += dAmbient;
  fit = next;
  converged = Math.abs(dRate) <= 1e-12 * Math.abs(rate) && Math.abs(dAmbient) <= 1e-12 * Math.abs(ambient);
}

const rms = Math.sqrt(fit.squares / readings.length);
const halfLife = Math.log(2) / rate;
console.log(
  `${readings.length} readings of a cup poured at ${cup.poured} °C, ` +
    `fitted by Gauss-Newton from a guess of rate ${guess.rate}/min, room ${guess.ambient} °C`,
);
console.log(`∂T/∂(rate, ambient, minutes) matches central differences to ${error.toExponential(1)}`);
console.log(
  `cooling rate ${rate.toFixed(5)} per minute (the gap to the room halves every ${halfLife.toFixed(1)} min), ` +
    `room at ${ambient.toFixed(2)} °C`,
);
console.log(`${iterations} iterations; the model misses the readings by ${rms.toFixed(3)} °C (root mean square)`);

if (!converged) fail('Gauss-Newton did not settle in 50 iterations');
// At a least-squares minimum Jᵀr = 0; what is left should be rounding noise.
if (Math.hypot(...fit.jr) > 1e-6) fail(`the fit is not at a minimum: Jᵀr = (${fit.jr.join(', ')})`);
// The readings were made up from a cup cooling at 0.045 per minute in a 21 °C room, plus up to 0.4 °C
// of noise: the fit should find about that.
if (Math.abs(rate - 0.045) > 0.003 || Math.abs(ambient - 21) > 1) {
  fail(`the fit (${rate}, ${ambient}) is far from the cup's true (0.045, 21)`);
}

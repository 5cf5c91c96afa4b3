/**
 * Identifies the stiffness and damping of a chain of masses from where it ends up: the misfit
 * between simulated and observed final displacements is minimised by Newton's method, with its
 * gradient from coarsegrad and the Hessian from differences of those exact gradients.
 */
import { grad } from 'coarsegrad';
import { checkGradient, fail } from './check.js';
import { misfit, simulate } from './chain.js';

const masses = 8;
const steps = 150;
/** Released from rest with a bump near the free end. */
const x0 = Float64Array.from({ length: masses }, (_, i) => Math.exp(-((i - 5) ** 2)));
const truth = { k: 40, c: 0.5 };
/** What a sensor saw: the chain simulated with the true parameters. */
const observed = simulate(truth.k, truth.c, x0, steps);

const gradient = grad(misfit, { wrt: [0, 1] });
const error = checkGradient((k, c) => misfit(k, c, x0, observed, steps), [35, 0.8], gradient(35, 0.8, x0, observed, steps));

let [k, c] = [38, 0.6];
let iterations = 0;
for (; iterations < 30; iterations++) {
  const [gk, gc] = gradient(k, c, x0, observed, steps);
  if (Math.hypot(gk, gc) < 1e-13) break;
  // The Hessian from central differences of the exact gradient.
  const dk = 1e-4 * k;
  const dc = 1e-4;
  const [kk1, ck1] = gradient(k + dk, c, x0, observed, steps);
  const [kk0, ck0] = gradient(k - dk, c, x0, observed, steps);
  const [kc1, cc1] = gradient(k, c + dc, x0, observed, steps);
  const [kc0, cc0] = gradient(k, c - dc, x0, observed, steps);
  const hkk = (kk1 - kk0) / (2 * dk);
  const hcc = (cc1 - cc0) / (2 * dc);
  const hkc = ((ck1 - ck0) / (2 * dk) + (kc1 - kc0) / (2 * dc)) / 2;
  const det = hkk * hcc - hkc * hkc;
  k -= (hcc * gk - hkc * gc) / det;
  c -= (hkk * gc - hkc * gk) / det;
}
console.log(`∂misfit/∂(k, c) over ${steps} steps of ${masses} masses matches central differences to ${error.toExponential(1)}`);
console.log(`stiffness ${k.toFixed(6)} (true ${truth.k}), damping ${c.toFixed(6)} (true ${truth.c}), ${iterations} Newton steps`);
if (!(Math.abs(k - truth.k) < 1e-6 && Math.abs(c - truth.c) < 1e-6)) fail('Newton did not recover the chain\'s parameters');

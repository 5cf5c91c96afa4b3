/**
 * Self-checks shared by the samples (each sample keeps its own copy, so that any one folder can be
 * copied out as a starting point). A sample that prints a wrong answer quietly teaches nothing, so
 * each one compares coarsegrad's gradient with finite differences and stops with a non-zero exit
 * code when that, or its own result, is off.
 */

/** Stops the sample: `npm run samples` reports the failure and exits non-zero. */
export function fail(message: string): never {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

/**
 * Compares `gradient` with central differences of `f` at `args` and returns the largest relative
 * error. Central differences are accurate to about 1e-10 relative here, so a tolerance of 1e-6
 * catches any wrong derivative rule while leaving room for rounding.
 */
export function checkGradient(
  f: (...args: number[]) => number,
  args: readonly number[],
  gradient: readonly number[],
  tolerance = 1e-6,
): number {
  let worst = 0;
  for (let i = 0; i < args.length; i++) {
    const h = 1e-5 * Math.max(1, Math.abs(args[i]));
    const up = args.slice();
    const down = args.slice();
    up[i] += h;
    down[i] -= h;
    const numeric = (f(...up) - f(...down)) / (2 * h);
    const error = Math.abs(gradient[i] - numeric) / Math.max(1, Math.abs(numeric));
    // Written so that a NaN derivative fails too.
    if (!(error <= tolerance)) {
      fail(`derivative ${i} at (${args.join(', ')}) is ${gradient[i]}, but central differences give ${numeric}`);
    }
    worst = Math.max(worst, error);
  }
  return worst;
}

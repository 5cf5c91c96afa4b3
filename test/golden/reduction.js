import { grad } from 'coarsegrad';
import * as __coarsegrad from "coarsegrad";
__coarsegrad.register(springEnergy, springEnergy$valueAndGrad, springEnergy$grad, 2);
/** @differentiable */
export function springEnergy(p, k) {
    const n = p.length / 2;
    let e = 0;
    for (let i = 0; i < n; i++) {
        const j = (i + 1) % n;
        const d = Math.hypot(p[2 * j] - p[2 * i], p[2 * j + 1] - p[2 * i + 1]);
        e += 0.5 * k * (d - 1) ** 2;
    }
    return e;
}
/** Gradient companion of springEnergy, written by coarsegrad: returns [value, gradient]. */
function springEnergy$valueAndGrad(p, k) {
    let t, t1, t2, t3, t4, t5, d, t6, t7, t8, t9, t10;
    // forward sweep: values used more than once
    const dp = new Float64Array(p.length);
    const n = p.length / 2;
    t7 = 0;
    for (let i = 0; i < n; i++) {
        t = 2 * ((i + 1) % n);
        t1 = 2 * i;
        t2 = p[t] - p[t1];
        t3 = t + 1;
        t4 = t1 + 1;
        t5 = p[t3] - p[t4];
        d = Math.hypot(t2, t5);
        t6 = d - 1;
        t7 += t6 ** 2;
        t8 = d + (d === 0 ? 1 : 0);
        t9 = k * (t6 * (t5 / t8));
        dp[t3] += t9;
        dp[t4] -= t9;
        t10 = k * (t6 * (t2 / t8));
        dp[t] += t10;
        dp[t1] -= t10;
    }
    const value = 0.5 * k * t7;
    const dk = 0.5 * t7;
    return [value, [dp, dk]];
}
/** Gradient companion of springEnergy, written by coarsegrad: returns the gradient. */
function springEnergy$grad(p, k) {
    let t, t1, t2, t3, t4, t5, d, t6, t7, t8, t9, t10;
    // forward sweep: values used more than once
    const dp = new Float64Array(p.length);
    const n = p.length / 2;
    t7 = 0;
    for (let i = 0; i < n; i++) {
        t = 2 * ((i + 1) % n);
        t1 = 2 * i;
        t2 = p[t] - p[t1];
        t3 = t + 1;
        t4 = t1 + 1;
        t5 = p[t3] - p[t4];
        d = Math.hypot(t2, t5);
        t6 = d - 1;
        t7 += t6 ** 2;
        t8 = d + (d === 0 ? 1 : 0);
        t9 = k * (t6 * (t5 / t8));
        dp[t3] += t9;
        dp[t4] -= t9;
        t10 = k * (t6 * (t2 / t8));
        dp[t] += t10;
        dp[t1] -= t10;
    }
    const dk = 0.5 * t7;
    return [dp, dk];
}
export const energyGrad = springEnergy$grad;

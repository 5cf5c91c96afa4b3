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
    let t, t1, t2, t3, t4, t5, d, t7, t8, value, t9, t10, t11, t12, t13;
    // forward sweep: values used more than once
    const dp = new Float64Array(p.length);
    const n = p.length / 2;
    const t6 = 0.5 * k;
    value = 0;
    // reverse sweep: adjoints flow from cut to cut
    t13 = 0;
    for (let i = 0; i < n; i++) {
        t = 2 * ((i + 1) % n);
        t1 = 2 * i;
        t2 = p[t] - p[t1];
        t3 = t + 1;
        t4 = t1 + 1;
        t5 = p[t3] - p[t4];
        d = Math.hypot(t2, t5);
        t7 = d - 1;
        t8 = t7 ** 2;
        value += t6 * t8;
        t9 = k * t7;
        t10 = d + (d === 0 ? 1 : 0);
        t11 = t9 * (t2 / t10);
        dp[t] += t11;
        t12 = t9 * (t5 / t10);
        dp[t3] += t12;
        dp[t4] -= t12;
        dp[t1] -= t11;
        t13 += t8;
    }
    const dk = 0.5 * t13;
    return [value, [dp, dk]];
}
/** Gradient companion of springEnergy, written by coarsegrad: returns the gradient. */
function springEnergy$grad(p, k) {
    let t, t1, t2, t3, t4, t5, d, t6, t7, t8, t9, t10, t11;
    // forward sweep: values used more than once
    const dp = new Float64Array(p.length);
    const n = p.length / 2;
    // reverse sweep: adjoints flow from cut to cut
    t11 = 0;
    for (let i = 0; i < n; i++) {
        t = 2 * ((i + 1) % n);
        t1 = 2 * i;
        t2 = p[t] - p[t1];
        t3 = t + 1;
        t4 = t1 + 1;
        t5 = p[t3] - p[t4];
        d = Math.hypot(t2, t5);
        t6 = d - 1;
        t7 = k * t6;
        t8 = d + (d === 0 ? 1 : 0);
        t9 = t7 * (t2 / t8);
        dp[t] += t9;
        t10 = t7 * (t5 / t8);
        dp[t3] += t10;
        dp[t4] -= t10;
        dp[t1] -= t9;
        t11 += t6 ** 2;
    }
    const dk = 0.5 * t11;
    return [dp, dk];
}
export const energyGrad = springEnergy$grad;

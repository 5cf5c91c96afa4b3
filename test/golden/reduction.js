import { grad } from 'coarsegrad';
import * as __coarsegrad from "coarsegrad";
const __coarsegrad_outputs = __coarsegrad.outputs;
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
    let t, t1, t2, t3, t4, t5, d, t7, t8, value, t9, c, t10, t11, t12, rare;
    // forward sweep: values used more than once
    const dp = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(p.length) : new Float64Array(p.length);
    const n = p.length / 2;
    const t6 = 0.5 * k;
    value = 0;
    // reverse sweep: adjoints flow from cut to cut
    t12 = 0;
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
        c = d < 3.054936363499605e-151;
        t10 = t9 * (c ? (rare = 1) : t2 / d);
        dp[t] += t10;
        t11 = t9 * (c ? (rare = 1) : t5 / d);
        dp[t3] += t11;
        dp[t4] -= t11;
        dp[t1] -= t10;
        t12 += t8;
    }
    const dk = 0.5 * t12;
    // a rare case held (a norm below 2^-500, an argument past 2^500, a split sum or an adjoint not finite): again, in the careful form
    if (rare)
        return ((p, k) => {
            const times = (a, b) => a === 0 || b === 0 ? 0 : a * b;
            let t, t1, t2, t3, t4, t5, d, t7, t8, value, t9, t10, t11, t12, t13, c, t14, t15, t16, t17, t18;
            // forward sweep: values used more than once
            const dp = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(p.length) : new Float64Array(p.length);
            const n = p.length / 2;
            const t6 = 0.5 * k;
            value = 0;
            // reverse sweep: adjoints flow from cut to cut
            t18 = 0;
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
                t9 = times(k, t7);
                c = d < 3.054936363499605e-151;
                t18 += t8;
                if (c) {
                    t10 = 4.149515568880993e+180 * t2;
                    t11 = 4.149515568880993e+180 * t5;
                    t12 = Math.hypot(t10, t11);
                    t13 = t12 + (t12 === 0 ? 1 : 0);
                    t14 = t10 / t13;
                    t15 = t11 / t13;
                }
                else {
                    t14 = t2 / d;
                    t15 = t5 / d;
                }
                t16 = times(t9, t14);
                dp[t] += t16;
                t17 = times(t9, t15);
                dp[t3] += t17;
                dp[t4] -= t17;
                dp[t1] -= t16;
            }
            const dk = 0.5 * t18;
            return [value, [dp, dk]];
        })(p, k);
    return [value, [dp, dk]];
}
/** Gradient companion of springEnergy, written by coarsegrad: returns the gradient. */
function springEnergy$grad(p, k) {
    let t, t1, t2, t3, t4, t5, d, t6, t7, c, t8, t9, t10, rare;
    // forward sweep: values used more than once
    const dp = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(p.length) : new Float64Array(p.length);
    const n = p.length / 2;
    // reverse sweep: adjoints flow from cut to cut
    t10 = 0;
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
        c = d < 3.054936363499605e-151;
        t8 = t7 * (c ? (rare = 1) : t2 / d);
        dp[t] += t8;
        t9 = t7 * (c ? (rare = 1) : t5 / d);
        dp[t3] += t9;
        dp[t4] -= t9;
        dp[t1] -= t8;
        t10 += t6 ** 2;
    }
    const dk = 0.5 * t10;
    // a rare case held (a norm below 2^-500, an argument past 2^500, a split sum or an adjoint not finite): again, in the careful form
    if (rare)
        return ((p, k) => {
            const times = (a, b) => a === 0 || b === 0 ? 0 : a * b;
            let t, t1, t2, t3, t4, t5, d, t6, t7, t8, t9, t10, t11, c, t12, t13, t14, t15, t16;
            // forward sweep: values used more than once
            const dp = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(p.length) : new Float64Array(p.length);
            const n = p.length / 2;
            // reverse sweep: adjoints flow from cut to cut
            t16 = 0;
            for (let i = 0; i < n; i++) {
                t = 2 * ((i + 1) % n);
                t1 = 2 * i;
                t2 = p[t] - p[t1];
                t3 = t + 1;
                t4 = t1 + 1;
                t5 = p[t3] - p[t4];
                d = Math.hypot(t2, t5);
                t6 = d - 1;
                t7 = times(k, t6);
                c = d < 3.054936363499605e-151;
                t16 += t6 ** 2;
                if (c) {
                    t8 = 4.149515568880993e+180 * t2;
                    t9 = 4.149515568880993e+180 * t5;
                    t10 = Math.hypot(t8, t9);
                    t11 = t10 + (t10 === 0 ? 1 : 0);
                    t12 = t8 / t11;
                    t13 = t9 / t11;
                }
                else {
                    t12 = t2 / d;
                    t13 = t5 / d;
                }
                t14 = times(t7, t12);
                dp[t] += t14;
                t15 = times(t7, t13);
                dp[t3] += t15;
                dp[t4] -= t15;
                dp[t1] -= t14;
            }
            const dk = 0.5 * t16;
            return [dp, dk];
        })(p, k);
    return [dp, dk];
}
export const energyGrad = springEnergy$grad;

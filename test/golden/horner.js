import { grad } from 'coarsegrad';
import * as __coarsegrad from "coarsegrad";
const __coarsegrad_outputs = __coarsegrad.outputs;
__coarsegrad.register(horner, horner$valueAndGrad, horner$grad, 2);
/** @differentiable */
export function horner(x, c) {
    let acc = 0;
    for (let i = c.length - 1; i >= 0; i--)
        acc = acc * x + c[i];
    return acc;
}
/** Gradient companion of horner, written by coarsegrad: returns [value, gradient]. */
function horner$valueAndGrad(x, c) {
    let t, t2, t3, t4, t5, t6, t7, dx;
    // forward sweep: values used more than once
    const dc = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(c.length) : new Float64Array(c.length);
    const i = c.length - 1;
    const t1 = Math.max(0, Math.floor(i) + 1) - 1;
    t4 = 0;
    // reverse sweep: adjoints flow from cut to cut
    dx = 0;
    for (let i1 = i; i1 >= 0; i1--) {
        t = c[i1];
        t2 = t1 + (i1 - i);
        t3 = x ** t2;
        dc[i1] += t3;
        t4 = t4 * x + t;
        if (t === 0) {
            t7 = 0;
        }
        else {
            if (t2 === 0) {
                t6 = 0;
            }
            else {
                t5 = Math.abs(t3);
                t6 = t * (t5 >= 2.2250738585072014e-308 && t5 < Infinity ? t2 * t3 / x : t2 * x ** (t2 - 1));
            }
            t7 = t6;
        }
        dx += t7;
    }
    const value = t4;
    return [value, [dx, dc]];
}
/** Gradient companion of horner, written by coarsegrad: returns the gradient. */
function horner$grad(x, c) {
    let t, t2, t3, t4, t5, t6, dx;
    // forward sweep: values used more than once
    const dc = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(c.length) : new Float64Array(c.length);
    const i = c.length - 1;
    const t1 = Math.max(0, Math.floor(i) + 1) - 1;
    // reverse sweep: adjoints flow from cut to cut
    dx = 0;
    for (let i1 = i; i1 >= 0; i1--) {
        t = c[i1];
        t2 = t1 + (i1 - i);
        t3 = x ** t2;
        dc[i1] += t3;
        if (t === 0) {
            t6 = 0;
        }
        else {
            if (t2 === 0) {
                t5 = 0;
            }
            else {
                t4 = Math.abs(t3);
                t5 = t * (t4 >= 2.2250738585072014e-308 && t4 < Infinity ? t2 * t3 / x : t2 * x ** (t2 - 1));
            }
            t6 = t5;
        }
        dx += t6;
    }
    return [dx, dc];
}
export const hornerGrad = horner$grad;

import { grad } from 'coarsegrad';
import * as __coarsegrad from "coarsegrad";
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
    let acc, iCount, dacc, dx;
    // forward sweep: values used more than once
    const dc = new Float64Array(c.length);
    const i = c.length - 1;
    acc = 0;
    iCount = 0;
    // reverse sweep: adjoints flow from cut to cut
    dacc = 1;
    dx = 0;
    for (let i2 = i; i2 >= 0; i2--) {
        __coarsegrad.tape.push(acc);
        __coarsegrad.tape.push(i2);
        iCount++;
        const accNext = x * acc + c[i2];
        acc = accNext;
    }
    for (let step = iCount; step > 0; step--) {
        const i1 = __coarsegrad.tape.pop();
        const accThen = __coarsegrad.tape.pop();
        dc[i1] += dacc;
        const daccNext = x * dacc;
        const dxNext = dx + dacc * accThen;
        dacc = daccNext;
        dx = dxNext;
    }
    return [acc, [dx, dc]];
}
/** Gradient companion of horner, written by coarsegrad: returns the gradient. */
function horner$grad(x, c) {
    let acc, iCount, dacc, dx;
    // forward sweep: values used more than once
    const dc = new Float64Array(c.length);
    const i = c.length - 1;
    acc = 0;
    iCount = 0;
    // reverse sweep: adjoints flow from cut to cut
    dacc = 1;
    dx = 0;
    for (let i2 = i; i2 >= 0; i2--) {
        __coarsegrad.tape.push(acc);
        __coarsegrad.tape.push(i2);
        iCount++;
        const accNext = x * acc + c[i2];
        acc = accNext;
    }
    for (let step = iCount; step > 0; step--) {
        const i1 = __coarsegrad.tape.pop();
        const accThen = __coarsegrad.tape.pop();
        dc[i1] += dacc;
        const daccNext = x * dacc;
        const dxNext = dx + dacc * accThen;
        dacc = daccNext;
        dx = dxNext;
    }
    return [dx, dc];
}
export const hornerGrad = horner$grad;

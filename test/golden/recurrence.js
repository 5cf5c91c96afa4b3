import { grad } from 'coarsegrad';
import * as __coarsegrad from "coarsegrad";
const __coarsegrad_outputs = __coarsegrad.outputs;
__coarsegrad.register(cell, cell$valueAndGrad, cell$grad, 2);
/** @differentiable */
export function cell(x, c) {
    let acc = 0;
    for (let i = c.length - 1; i >= 0; i--)
        acc = Math.tanh(acc * x + c[i]);
    return acc;
}
/** Gradient companion of cell, written by coarsegrad: returns [value, gradient]. */
function cell$valueAndGrad(x, c) {
    let c1, t, t1, t2, t3, c2, t4, t5, t6, acc, iCount, dacc, dx, tapeMark, tapeTop, tapeEnd;
    const tape = __coarsegrad.tape;
    const tapeStart = tape.size;
    // forward sweep: values used more than once
    const dc = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(c.length) : new Float64Array(c.length);
    const i = c.length - 1;
    acc = 0;
    iCount = 0;
    tapeMark = tape.size;
    for (let i1 = i; i1 >= 0; i1--) {
        tape.push(acc);
        tape.push(i1);
        iCount++;
        const accNext = Math.tanh(x * acc + c[i1]);
        acc = accNext;
    }
    // reverse sweep: adjoints flow from cut to cut
    dacc = 1;
    dx = 0;
    tapeTop = tape.size;
    tapeEnd = tapeMark + iCount * 2;
    tape.seek(tapeEnd);
    for (let step = iCount; step > 0; step--) {
        const i2 = tape.pop();
        const accThen = tape.pop();
        c1 = dacc !== 0;
        t = Math.tanh(x * accThen + c[i2]);
        t1 = 1 - t * t;
        c2 = t1 !== 0;
        if (c1) {
            t2 = x * t1;
            t3 = t2 !== 0 ? dacc * t2 : 0;
            if (c2) {
                dc[i2] += dacc * t1;
            }
        }
        else {
            t3 = 0;
        }
        if (c2) {
            if (c1) {
                t4 = accThen * t1;
                t5 = t4 !== 0 ? dacc * t4 : 0;
            }
            else {
                t5 = 0;
            }
            t6 = t5;
        }
        else {
            t6 = 0;
        }
        const daccNext = t3;
        const dxNext = dx + t6;
        dacc = daccNext;
        dx = dxNext;
    }
    if (tapeTop > tapeEnd)
        tape.seek(tapeTop);
    tape.seek(tapeStart);
    return [acc, [dx, dc]];
}
/** Gradient companion of cell, written by coarsegrad: returns the gradient. */
function cell$grad(x, c) {
    let c1, t, t1, t2, t3, c2, t4, t5, t6, acc, iCount, dacc, dx, tapeMark, tapeTop, tapeEnd;
    const tape = __coarsegrad.tape;
    const tapeStart = tape.size;
    // forward sweep: values used more than once
    const dc = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(c.length) : new Float64Array(c.length);
    const i = c.length - 1;
    acc = 0;
    iCount = 0;
    tapeMark = tape.size;
    for (let i1 = i; i1 >= 0; i1--) {
        tape.push(acc);
        tape.push(i1);
        iCount++;
        const accNext = Math.tanh(x * acc + c[i1]);
        acc = accNext;
    }
    // reverse sweep: adjoints flow from cut to cut
    dacc = 1;
    dx = 0;
    tapeTop = tape.size;
    tapeEnd = tapeMark + iCount * 2;
    tape.seek(tapeEnd);
    for (let step = iCount; step > 0; step--) {
        const i2 = tape.pop();
        const accThen = tape.pop();
        c1 = dacc !== 0;
        t = Math.tanh(x * accThen + c[i2]);
        t1 = 1 - t * t;
        c2 = t1 !== 0;
        if (c1) {
            t2 = x * t1;
            t3 = t2 !== 0 ? dacc * t2 : 0;
            if (c2) {
                dc[i2] += dacc * t1;
            }
        }
        else {
            t3 = 0;
        }
        if (c2) {
            if (c1) {
                t4 = accThen * t1;
                t5 = t4 !== 0 ? dacc * t4 : 0;
            }
            else {
                t5 = 0;
            }
            t6 = t5;
        }
        else {
            t6 = 0;
        }
        const daccNext = t3;
        const dxNext = dx + t6;
        dacc = daccNext;
        dx = dxNext;
    }
    if (tapeTop > tapeEnd)
        tape.seek(tapeTop);
    tape.seek(tapeStart);
    return [dx, dc];
}
export const cellGrad = cell$grad;

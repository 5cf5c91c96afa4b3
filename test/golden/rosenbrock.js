import { grad } from 'coarsegrad';
import * as __coarsegrad from "coarsegrad";
const __coarsegrad_outputs = __coarsegrad.outputs;
__coarsegrad.register(rosen, rosen$valueAndGrad, rosen$grad, 2);
/** @differentiable */
export function rosen(x, y) {
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}
/** Gradient companion of rosen, written by coarsegrad: returns [value, gradient]. */
function rosen$valueAndGrad(x, y) {
    // forward sweep: values used more than once
    const t = 1 - x;
    const t1 = y - x * x;
    const value = t ** 2 + 100 * t1 ** 2;
    // reverse sweep: adjoints flow from cut to cut
    const dy = 200 * t1;
    const dx = -400 * (x * t1) - 2 * t;
    return [value, [dx, dy]];
}
/** Gradient companion of rosen, written by coarsegrad: returns the gradient. */
function rosen$grad(x, y) {
    // forward sweep: values used more than once
    const t = y - x * x;
    // reverse sweep: adjoints flow from cut to cut
    const dy = 200 * t;
    const dx = -400 * (x * t) - 2 * (1 - x);
    return [dx, dy];
}
export const rosenGrad = rosen$grad;

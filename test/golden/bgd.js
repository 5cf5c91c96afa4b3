import { grad } from 'coarsegrad';
import * as __coarsegrad from "coarsegrad";
__coarsegrad.register(bgd, bgd$valueAndGrad, bgd$grad, 4);
/** @differentiable */
export function bgd(x, y, r, T) {
    let w = 0;
    let k = 0;
    const M = x.length;
    while (k < T) {
        k++;
        let d = 0;
        for (let i = 0; i < M; i++)
            d += 2 * x[i] * (y[i] - x[i] * w);
        d = d / M;
        if (d < 0.001)
            break;
        else
            w = w + r * d;
    }
    let e = 0;
    for (let j = 0; j < M; j++)
        e += (y[j] - x[j] * w) ** 2;
    return Math.sqrt(e) / M;
}
/** Gradient companion of bgd, written by coarsegrad: returns [value, gradient]. */
function bgd$valueAndGrad(x, y, r, T) {
    let k, t, t1, t2, t4, d, c, t5, t6, t7, t8, t9, t12, t13, c1, t15, c2, t16, t17, t18, t19, t20, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
    const tapeStart = __coarsegrad.tape.size;
    // forward sweep: values used more than once
    const dy = new Float64Array(y.length);
    const dx = new Float64Array(x.length);
    const length = x.length;
    t2 = 0;
    t4 = 0;
    k1 = 0;
    w = 0;
    kCount = 0;
    t9 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t12 = 0;
    t13 = 0;
    const t14 = r / length;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 = y[i];
        t2 += t * t1;
        t4 += t * t;
    }
    const t3 = 2 * t2;
    tapeMark = __coarsegrad.tape.size;
    if (0 < T) {
        for (;;) {
            __coarsegrad.tape.push(w);
            kCount++;
            k = k1 + 1;
            d = (t3 - 2 * (w * t4)) / length;
            c = d < 0.001;
            const kNext = k;
            const wNext = c ? w : w + r * d;
            const goOn = !c && k < T;
            k1 = kNext;
            w = wNext;
            if (!goOn)
                break;
        }
    }
    for (let j = 0; j < length; j++) {
        t5 = y[j];
        t6 = x[j];
        t7 = w * t6;
        t8 = t5 - t7;
        t9 += t8 ** 2;
        t12 += t5 * t6;
        t13 += t6 * t6;
    }
    const t10 = Math.sqrt(t9);
    const value = t10 / length;
    const t11 = 1 / length / t10;
    dw = t11 * (w * t13) - t11 * t12;
    dr = 0;
    din = 0;
    din1 = 0;
    for (let j = 0; j < length; j++) {
        t5 = y[j];
        t6 = x[j];
        t7 = w * t6;
        t8 = t5 - t7;
        dy[j] += t8 * t11;
        dx[j] -= t11 * (w * t8);
    }
    tapeTop = __coarsegrad.tape.size;
    tapeEnd = tapeMark + kCount;
    __coarsegrad.tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        c1 = dw !== 0;
        t15 = (t3 - 2 * (t4 * wThen)) / length;
        c2 = t15 < 0.001;
        if (c1) {
            t16 = 1 + (c2 ? 0 : -2 * (t4 * t14));
            t17 = t16 !== 0 ? dw * t16 : 0;
        }
        else {
            t17 = 0;
        }
        if (c2) {
            t20 = 0;
        }
        else {
            if (c1) {
                t18 = t14 * wThen;
                t19 = -2 * t18 !== 0 ? -2 * (dw * t18) : 0;
            }
            else {
                t19 = 0;
            }
            t20 = t19;
        }
        const dwNext = t17;
        const drNext = dr + (c2 ? 0 : c1 ? t15 !== 0 ? dw * t15 : 0 : 0);
        const dinNext = din + (c2 ? 0 : c1 ? t14 !== 0 ? dw * t14 : 0 : 0);
        const dinNext1 = din1 + t20;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        __coarsegrad.tape.seek(tapeTop);
    const c3 = 2 * din !== 0;
    if (c3) {
        for (let i = 0; i < length; i++) {
            t = x[i];
            t1 = y[i];
            if (t1 !== 0) {
                dx[i] += 2 * (t1 * din);
            }
            if (t !== 0) {
                dy[i] += 2 * (t * din);
            }
        }
    }
    if (din1 !== 0) {
        for (let i = 0; i < length; i++) {
            t = x[i];
            if (2 * t !== 0) {
                dx[i] += 2 * (t * din1);
            }
        }
    }
    __coarsegrad.tape.seek(tapeStart);
    return [value, [dx, dy, dr, 0]];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad(x, y, r, T) {
    let k, t, t1, t2, t4, d, c, t5, t6, t7, t8, t9, t11, t12, c1, t14, c2, t15, t16, t17, t18, t19, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
    const tapeStart = __coarsegrad.tape.size;
    // forward sweep: values used more than once
    const dy = new Float64Array(y.length);
    const dx = new Float64Array(x.length);
    const length = x.length;
    t2 = 0;
    t4 = 0;
    k1 = 0;
    w = 0;
    kCount = 0;
    t9 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t11 = 0;
    t12 = 0;
    const t13 = r / length;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 = y[i];
        t2 += t * t1;
        t4 += t * t;
    }
    const t3 = 2 * t2;
    tapeMark = __coarsegrad.tape.size;
    if (0 < T) {
        for (;;) {
            __coarsegrad.tape.push(w);
            kCount++;
            k = k1 + 1;
            d = (t3 - 2 * (w * t4)) / length;
            c = d < 0.001;
            const kNext = k;
            const wNext = c ? w : w + r * d;
            const goOn = !c && k < T;
            k1 = kNext;
            w = wNext;
            if (!goOn)
                break;
        }
    }
    for (let j = 0; j < length; j++) {
        t5 = y[j];
        t6 = x[j];
        t7 = w * t6;
        t8 = t5 - t7;
        t9 += t8 ** 2;
        t11 += t5 * t6;
        t12 += t6 * t6;
    }
    const t10 = 1 / length / Math.sqrt(t9);
    dw = t10 * (w * t12) - t10 * t11;
    dr = 0;
    din = 0;
    din1 = 0;
    for (let j = 0; j < length; j++) {
        t5 = y[j];
        t6 = x[j];
        t7 = w * t6;
        t8 = t5 - t7;
        dy[j] += t8 * t10;
        dx[j] -= t10 * (w * t8);
    }
    tapeTop = __coarsegrad.tape.size;
    tapeEnd = tapeMark + kCount;
    __coarsegrad.tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        c1 = dw !== 0;
        t14 = (t3 - 2 * (t4 * wThen)) / length;
        c2 = t14 < 0.001;
        if (c1) {
            t15 = 1 + (c2 ? 0 : -2 * (t4 * t13));
            t16 = t15 !== 0 ? dw * t15 : 0;
        }
        else {
            t16 = 0;
        }
        if (c2) {
            t19 = 0;
        }
        else {
            if (c1) {
                t17 = t13 * wThen;
                t18 = -2 * t17 !== 0 ? -2 * (dw * t17) : 0;
            }
            else {
                t18 = 0;
            }
            t19 = t18;
        }
        const dwNext = t16;
        const drNext = dr + (c2 ? 0 : c1 ? t14 !== 0 ? dw * t14 : 0 : 0);
        const dinNext = din + (c2 ? 0 : c1 ? t13 !== 0 ? dw * t13 : 0 : 0);
        const dinNext1 = din1 + t19;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        __coarsegrad.tape.seek(tapeTop);
    const c3 = 2 * din !== 0;
    if (c3) {
        for (let i = 0; i < length; i++) {
            t = x[i];
            t1 = y[i];
            if (t1 !== 0) {
                dx[i] += 2 * (t1 * din);
            }
            if (t !== 0) {
                dy[i] += 2 * (t * din);
            }
        }
    }
    if (din1 !== 0) {
        for (let i = 0; i < length; i++) {
            t = x[i];
            if (2 * t !== 0) {
                dx[i] += 2 * (t * din1);
            }
        }
    }
    __coarsegrad.tape.seek(tapeStart);
    return [dx, dy, dr, 0];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad$2(x, y, r, T) {
    let k, t, t1, t3, d, c, t4, t5, t6, t8, t9, c1, t11, c2, t12, t13, t14, t15, t16, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
    const tapeStart = __coarsegrad.tape.size;
    // forward sweep: values used more than once
    const length = x.length;
    t1 = 0;
    t3 = 0;
    k1 = 0;
    w = 0;
    kCount = 0;
    t6 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t8 = 0;
    t9 = 0;
    const t10 = r / length;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 += t * y[i];
        t3 += t * t;
    }
    const t2 = 2 * t1;
    tapeMark = __coarsegrad.tape.size;
    if (0 < T) {
        for (;;) {
            __coarsegrad.tape.push(w);
            kCount++;
            k = k1 + 1;
            d = (t2 - 2 * (w * t3)) / length;
            c = d < 0.001;
            const kNext = k;
            const wNext = c ? w : w + r * d;
            const goOn = !c && k < T;
            k1 = kNext;
            w = wNext;
            if (!goOn)
                break;
        }
    }
    for (let j = 0; j < length; j++) {
        t4 = y[j];
        t5 = x[j];
        t6 += (t4 - w * t5) ** 2;
        t8 += t4 * t5;
        t9 += t5 * t5;
    }
    const t7 = 1 / length / Math.sqrt(t6);
    dw = t7 * (w * t9) - t7 * t8;
    dr = 0;
    din = 0;
    din1 = 0;
    tapeTop = __coarsegrad.tape.size;
    tapeEnd = tapeMark + kCount;
    __coarsegrad.tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        c1 = dw !== 0;
        t11 = (t2 - 2 * (t3 * wThen)) / length;
        c2 = t11 < 0.001;
        if (c1) {
            t12 = 1 + (c2 ? 0 : -2 * (t3 * t10));
            t13 = t12 !== 0 ? dw * t12 : 0;
        }
        else {
            t13 = 0;
        }
        if (c2) {
            t16 = 0;
        }
        else {
            if (c1) {
                t14 = t10 * wThen;
                t15 = -2 * t14 !== 0 ? -2 * (dw * t14) : 0;
            }
            else {
                t15 = 0;
            }
            t16 = t15;
        }
        const dwNext = t13;
        const drNext = dr + (c2 ? 0 : c1 ? t11 !== 0 ? dw * t11 : 0 : 0);
        const dinNext = din + (c2 ? 0 : c1 ? t10 !== 0 ? dw * t10 : 0 : 0);
        const dinNext1 = din1 + t16;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        __coarsegrad.tape.seek(tapeTop);
    __coarsegrad.tape.seek(tapeStart);
    return [dr];
}
export const bgdGrad = bgd$grad$2;

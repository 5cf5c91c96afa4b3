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
    let k, t, t1, t2, t4, d, c, t5, t6, t7, t8, t9, t12, t13, c2, t14, c3, t15, t16, t17, t18, t19, dr, c4, k1, w, kCount, tapeMark, dw, dr1, din, din1, tapeTop, tapeEnd;
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
    }
    const t10 = Math.sqrt(t9);
    const value = t10 / length;
    // reverse sweep: adjoints flow from cut to cut
    const t11 = 1 / length / t10;
    const c1 = 0.5 * t11 !== 0;
    if (c1) {
        t12 = 0;
        t13 = r / length;
        for (let j = 0; j < length; j++) {
            t5 = y[j];
            t6 = x[j];
            t7 = w * t6;
            t8 = t5 - t7;
            dy[j] += t8 * t11;
            dx[j] -= t11 * (w * t8);
            t12 += -(t11 * (t6 * t8));
        }
        dw = t12;
        dr1 = 0;
        din = 0;
        din1 = 0;
        tapeTop = __coarsegrad.tape.size;
        tapeEnd = tapeMark + kCount;
        __coarsegrad.tape.seek(tapeEnd);
        for (let step = kCount; step > 0; step--) {
            const wThen = __coarsegrad.tape.pop();
            c2 = dw !== 0;
            t14 = (t3 - 2 * (t4 * wThen)) / length;
            c3 = t14 < 0.001;
            if (c2) {
                t15 = 1 + (c3 ? 0 : -2 * (t4 * t13));
                t16 = t15 !== 0 ? dw * t15 : 0;
            }
            else {
                t16 = 0;
            }
            if (c3) {
                t19 = 0;
            }
            else {
                if (c2) {
                    t17 = t13 * wThen;
                    t18 = -2 * t17 !== 0 ? -2 * (dw * t17) : 0;
                }
                else {
                    t18 = 0;
                }
                t19 = t18;
            }
            const dwNext = t16;
            const drNext = dr1 + (c3 ? 0 : c2 ? t14 !== 0 ? dw * t14 : 0 : 0);
            const dinNext = din + (c3 ? 0 : c2 ? t13 !== 0 ? dw * t13 : 0 : 0);
            const dinNext1 = din1 + t19;
            dw = dwNext;
            dr1 = drNext;
            din = dinNext;
            din1 = dinNext1;
        }
        if (tapeTop > tapeEnd)
            __coarsegrad.tape.seek(tapeTop);
        dr = dr1;
        c4 = 2 * din !== 0;
        if (c4) {
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
    }
    else {
        dr = 0;
    }
    __coarsegrad.tape.seek(tapeStart);
    return [value, [dx, dy, dr, 0]];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad(x, y, r, T) {
    let k, t, t1, t2, t4, d, c, t5, t6, t7, t8, t9, t11, t12, c2, t13, c3, t14, t15, t16, t17, t18, dr, c4, k1, w, kCount, tapeMark, dw, dr1, din, din1, tapeTop, tapeEnd;
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
    }
    // reverse sweep: adjoints flow from cut to cut
    const t10 = 1 / length / Math.sqrt(t9);
    const c1 = 0.5 * t10 !== 0;
    if (c1) {
        t11 = 0;
        t12 = r / length;
        for (let j = 0; j < length; j++) {
            t5 = y[j];
            t6 = x[j];
            t7 = w * t6;
            t8 = t5 - t7;
            dy[j] += t8 * t10;
            dx[j] -= t10 * (w * t8);
            t11 += -(t10 * (t6 * t8));
        }
        dw = t11;
        dr1 = 0;
        din = 0;
        din1 = 0;
        tapeTop = __coarsegrad.tape.size;
        tapeEnd = tapeMark + kCount;
        __coarsegrad.tape.seek(tapeEnd);
        for (let step = kCount; step > 0; step--) {
            const wThen = __coarsegrad.tape.pop();
            c2 = dw !== 0;
            t13 = (t3 - 2 * (t4 * wThen)) / length;
            c3 = t13 < 0.001;
            if (c2) {
                t14 = 1 + (c3 ? 0 : -2 * (t4 * t12));
                t15 = t14 !== 0 ? dw * t14 : 0;
            }
            else {
                t15 = 0;
            }
            if (c3) {
                t18 = 0;
            }
            else {
                if (c2) {
                    t16 = t12 * wThen;
                    t17 = -2 * t16 !== 0 ? -2 * (dw * t16) : 0;
                }
                else {
                    t17 = 0;
                }
                t18 = t17;
            }
            const dwNext = t15;
            const drNext = dr1 + (c3 ? 0 : c2 ? t13 !== 0 ? dw * t13 : 0 : 0);
            const dinNext = din + (c3 ? 0 : c2 ? t12 !== 0 ? dw * t12 : 0 : 0);
            const dinNext1 = din1 + t18;
            dw = dwNext;
            dr1 = drNext;
            din = dinNext;
            din1 = dinNext1;
        }
        if (tapeTop > tapeEnd)
            __coarsegrad.tape.seek(tapeTop);
        dr = dr1;
        c4 = 2 * din !== 0;
        if (c4) {
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
    }
    else {
        dr = 0;
    }
    __coarsegrad.tape.seek(tapeStart);
    return [dx, dy, dr, 0];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad$2(x, y, r, T) {
    let k, t, t1, t3, d, c, t4, t5, t6, t7, t8, t10, t11, c1, t12, c2, t13, t14, t15, t16, t17, dr, k1, w, kCount, tapeMark, dw, dr1, din, din1, tapeTop, tapeEnd;
    const tapeStart = __coarsegrad.tape.size;
    // forward sweep: values used more than once
    const length = x.length;
    t1 = 0;
    t3 = 0;
    k1 = 0;
    w = 0;
    kCount = 0;
    t8 = 0;
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
        t6 = w * t5;
        t7 = t4 - t6;
        t8 += t7 ** 2;
    }
    // reverse sweep: adjoints flow from cut to cut
    const t9 = 1 / length / Math.sqrt(t8);
    if (0.5 * t9 !== 0) {
        t10 = 0;
        t11 = r / length;
        for (let j = 0; j < length; j++) {
            t4 = y[j];
            t5 = x[j];
            t6 = w * t5;
            t7 = t4 - t6;
            t10 += -(t9 * (t5 * t7));
        }
        dw = t10;
        dr1 = 0;
        din = 0;
        din1 = 0;
        tapeTop = __coarsegrad.tape.size;
        tapeEnd = tapeMark + kCount;
        __coarsegrad.tape.seek(tapeEnd);
        for (let step = kCount; step > 0; step--) {
            const wThen = __coarsegrad.tape.pop();
            c1 = dw !== 0;
            t12 = (t2 - 2 * (t3 * wThen)) / length;
            c2 = t12 < 0.001;
            if (c1) {
                t13 = 1 + (c2 ? 0 : -2 * (t3 * t11));
                t14 = t13 !== 0 ? dw * t13 : 0;
            }
            else {
                t14 = 0;
            }
            if (c2) {
                t17 = 0;
            }
            else {
                if (c1) {
                    t15 = t11 * wThen;
                    t16 = -2 * t15 !== 0 ? -2 * (dw * t15) : 0;
                }
                else {
                    t16 = 0;
                }
                t17 = t16;
            }
            const dwNext = t14;
            const drNext = dr1 + (c2 ? 0 : c1 ? t12 !== 0 ? dw * t12 : 0 : 0);
            const dinNext = din + (c2 ? 0 : c1 ? t11 !== 0 ? dw * t11 : 0 : 0);
            const dinNext1 = din1 + t17;
            dw = dwNext;
            dr1 = drNext;
            din = dinNext;
            din1 = dinNext1;
        }
        if (tapeTop > tapeEnd)
            __coarsegrad.tape.seek(tapeTop);
        dr = dr1;
    }
    else {
        dr = 0;
    }
    __coarsegrad.tape.seek(tapeStart);
    return [dr];
}
export const bgdGrad = bgd$grad$2;

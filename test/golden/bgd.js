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
    let k, t, t1, t2, t3, d, c, t4, t5, t6, t7, t8, t11, t12, t13, t14, c1, t15, t16, t17, k1, w, kCount, tapeMark, dk, dw, dr, din, din1;
    const tapeStart = __coarsegrad.tape.size;
    // forward sweep: values used more than once
    const dy = new Float64Array(y.length);
    const dx = new Float64Array(x.length);
    const length = x.length;
    t2 = 0;
    t3 = 0;
    k1 = 0;
    w = 0;
    kCount = 0;
    tapeMark = __coarsegrad.tape.size;
    t8 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t11 = 0;
    t12 = 0;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 = y[i];
        t2 += 2 * t * t1;
        t3 += -2 * t * t;
    }
    if (0 < T) {
        for (;;) {
            __coarsegrad.tape.push(k1);
            __coarsegrad.tape.push(w);
            kCount++;
            k = k1 + 1;
            d = (t2 + w * t3) / length;
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
        t11 += -(t4 * t5);
        t12 += t5 * t5;
    }
    const t9 = Math.sqrt(t8);
    const value = t9 / length;
    const t10 = 1 / length / t9;
    dk = 0;
    dw = t10 * t11 + t10 * w * t12;
    dr = 0;
    din = 0;
    din1 = 0;
    for (let j = 0; j < length; j++) {
        t4 = y[j];
        t5 = x[j];
        t6 = w * t5;
        t7 = t4 - t6;
        dy[j] += t7 * t10;
        dx[j] -= t10 * w * t7;
    }
    __coarsegrad.tape.seek(tapeMark + kCount * 2);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        const kThen = __coarsegrad.tape.pop();
        t14 = (t2 + t3 * wThen) / length;
        c1 = t14 < 0.001;
        if (c1) {
            t15 = 0;
            t16 = 0;
            t17 = 0;
        }
        else {
            t13 = r / length;
            t15 = t3 * t13;
            t16 = dw * t13;
            t17 = dw * t13 * wThen;
        }
        const dkNext = dk;
        const dwNext = dw * (1 + t15);
        const drNext = dr + (c1 ? 0 : dw * t14);
        const dinNext = din + t16;
        const dinNext1 = din1 + t17;
        dk = dkNext;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 = y[i];
        dx[i] += -4 * t * din1;
        dx[i] += 2 * t1 * din;
        dy[i] += 2 * t * din;
    }
    __coarsegrad.tape.seek(tapeStart);
    return [value, [dx, dy, dr, 0]];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad(x, y, r, T) {
    let k, t, t1, t2, t3, d, c, t4, t5, t6, t7, t8, t10, t11, t12, t13, c1, t14, t15, t16, k1, w, kCount, tapeMark, dk, dw, dr, din, din1;
    const tapeStart = __coarsegrad.tape.size;
    // forward sweep: values used more than once
    const dy = new Float64Array(y.length);
    const dx = new Float64Array(x.length);
    const length = x.length;
    t2 = 0;
    t3 = 0;
    k1 = 0;
    w = 0;
    kCount = 0;
    tapeMark = __coarsegrad.tape.size;
    t8 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t10 = 0;
    t11 = 0;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 = y[i];
        t2 += 2 * t * t1;
        t3 += -2 * t * t;
    }
    if (0 < T) {
        for (;;) {
            __coarsegrad.tape.push(k1);
            __coarsegrad.tape.push(w);
            kCount++;
            k = k1 + 1;
            d = (t2 + w * t3) / length;
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
        t10 += -(t4 * t5);
        t11 += t5 * t5;
    }
    const t9 = 1 / length / Math.sqrt(t8);
    dk = 0;
    dw = t9 * t10 + t9 * w * t11;
    dr = 0;
    din = 0;
    din1 = 0;
    for (let j = 0; j < length; j++) {
        t4 = y[j];
        t5 = x[j];
        t6 = w * t5;
        t7 = t4 - t6;
        dy[j] += t7 * t9;
        dx[j] -= t9 * w * t7;
    }
    __coarsegrad.tape.seek(tapeMark + kCount * 2);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        const kThen = __coarsegrad.tape.pop();
        t13 = (t2 + t3 * wThen) / length;
        c1 = t13 < 0.001;
        if (c1) {
            t14 = 0;
            t15 = 0;
            t16 = 0;
        }
        else {
            t12 = r / length;
            t14 = t3 * t12;
            t15 = dw * t12;
            t16 = dw * t12 * wThen;
        }
        const dkNext = dk;
        const dwNext = dw * (1 + t14);
        const drNext = dr + (c1 ? 0 : dw * t13);
        const dinNext = din + t15;
        const dinNext1 = din1 + t16;
        dk = dkNext;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 = y[i];
        dx[i] += -4 * t * din1;
        dx[i] += 2 * t1 * din;
        dy[i] += 2 * t * din;
    }
    __coarsegrad.tape.seek(tapeStart);
    return [dx, dy, dr, 0];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad$2(x, y, r, T) {
    let k, t, t1, t2, d, c, t3, t4, t5, t7, t8, t9, t10, c1, t11, t12, t13, k1, w, kCount, tapeMark, dk, dw, dr, din, din1;
    const tapeStart = __coarsegrad.tape.size;
    // forward sweep: values used more than once
    const length = x.length;
    t1 = 0;
    t2 = 0;
    k1 = 0;
    w = 0;
    kCount = 0;
    tapeMark = __coarsegrad.tape.size;
    t5 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t7 = 0;
    t8 = 0;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 += 2 * t * y[i];
        t2 += -2 * t * t;
    }
    if (0 < T) {
        for (;;) {
            __coarsegrad.tape.push(k1);
            __coarsegrad.tape.push(w);
            kCount++;
            k = k1 + 1;
            d = (t1 + w * t2) / length;
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
        t3 = y[j];
        t4 = x[j];
        t5 += (t3 - w * t4) ** 2;
        t7 += -(t3 * t4);
        t8 += t4 * t4;
    }
    const t6 = 1 / length / Math.sqrt(t5);
    dk = 0;
    dw = t6 * t7 + t6 * w * t8;
    dr = 0;
    din = 0;
    din1 = 0;
    __coarsegrad.tape.seek(tapeMark + kCount * 2);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        const kThen = __coarsegrad.tape.pop();
        t10 = (t1 + t2 * wThen) / length;
        c1 = t10 < 0.001;
        if (c1) {
            t11 = 0;
            t12 = 0;
            t13 = 0;
        }
        else {
            t9 = r / length;
            t11 = t2 * t9;
            t12 = dw * t9;
            t13 = dw * t9 * wThen;
        }
        const dkNext = dk;
        const dwNext = dw * (1 + t11);
        const drNext = dr + (c1 ? 0 : dw * t10);
        const dinNext = din + t12;
        const dinNext1 = din1 + t13;
        dk = dkNext;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    __coarsegrad.tape.seek(tapeStart);
    return [dr];
}
export const bgdGrad = bgd$grad$2;

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
    let k, t, t1, t2, t4, t5, d, c, t6, t7, t8, t9, t10, t13, t14, c1, t17, c2, t18, c3, t19, t20, t21, t22, t23, t24, k1, w, kCount, rare, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
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
    t10 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t13 = 0;
    t14 = 0;
    const t16 = r / length;
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
            t5 = t3 - 2 * (w * t4);
            d = (!(Math.abs(t5) < Infinity) ? (rare = 1) : t5) / length;
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
        t6 = y[j];
        t7 = x[j];
        t8 = w * t7;
        t9 = t6 - t8;
        t10 += t9 ** 2;
        t13 += t6 * t7;
        t14 += t7 * t7;
    }
    const t11 = Math.sqrt(t10);
    const value = t11 / length;
    const t12 = 1 / length / t11;
    const t15 = t12 * (w * t14) - t12 * t13;
    dw = !(Math.abs(t15) < Infinity) ? (rare = 1) : t15;
    dr = 0;
    din = 0;
    din1 = 0;
    for (let j = 0; j < length; j++) {
        t6 = y[j];
        t7 = x[j];
        t8 = w * t7;
        t9 = t6 - t8;
        dy[j] += t9 * t12;
        dx[j] -= t12 * (w * t9);
    }
    tapeTop = __coarsegrad.tape.size;
    tapeEnd = tapeMark + kCount;
    __coarsegrad.tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        c1 = dw !== 0;
        t17 = t3 - 2 * (t4 * wThen);
        c2 = !(Math.abs(t17) < Infinity);
        t18 = (c2 ? (rare = 1) : t17) / length;
        c3 = t18 < 0.001;
        if (c1) {
            t19 = 1 + (c3 ? 0 : c2 ? (rare = 1) : -2 * (t4 * t16));
            t20 = t19 !== 0 ? dw * t19 : 0;
        }
        else {
            t20 = 0;
        }
        if (c3) {
            t24 = 0;
        }
        else {
            if (c2) {
                rare = 1;
                for (let i = 0; i < length; i++) {
                    dx[i] += (rare = 1);
                    dy[i] += (rare = 1);
                }
            }
            else {
                if (c1) {
                    t21 = t16 * wThen;
                    t22 = -2 * t21 !== 0 ? -2 * (dw * t21) : 0;
                }
                else {
                    t22 = 0;
                }
                t23 = t22;
            }
            t24 = t23;
        }
        const dwNext = t20 + (c3 ? 0 : c2 ? (rare = 1) : 0);
        const drNext = dr + (c3 ? 0 : c1 ? t18 !== 0 ? dw * t18 : 0 : 0);
        const dinNext = din + (c3 ? 0 : c2 ? (rare = 1) : c1 ? t16 !== 0 ? dw * t16 : 0 : 0);
        const dinNext1 = din1 + t24;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        __coarsegrad.tape.seek(tapeTop);
    const c4 = 2 * din !== 0;
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
    __coarsegrad.tape.seek(tapeStart);
    // a rare input held (a norm below 2^-500, an argument past 2^500): again, with the careful partials
    if (rare)
        return (() => {
            let k, t, t1, t2, t3, t5, t6, t7, d, d1, c, t8, t9, t10, t11, t12, t15, t16, t18, t19, c1, t21, c2, t22, t23, t24, t25, t26, t27, t28, c3, t29, t30, t31, t32, t33, c4, t34, t35, t36, t37, t38, t39, t40, t41, t42, t43, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
            const tapeStart = __coarsegrad.tape.size;
            // forward sweep: values used more than once
            const dy = new Float64Array(y.length);
            const dx = new Float64Array(x.length);
            const length = x.length;
            t3 = 0;
            t5 = 0;
            k1 = 0;
            w = 0;
            kCount = 0;
            t12 = 0;
            // reverse sweep: adjoints flow from cut to cut
            t15 = 0;
            t16 = 0;
            const t20 = r / length;
            for (let i = 0; i < length; i++) {
                t = x[i];
                t1 = y[i];
                t2 = t * t;
                t3 += t * t1;
                t5 += t2;
            }
            const t4 = 2 * t3;
            tapeMark = __coarsegrad.tape.size;
            if (0 < T) {
                for (;;) {
                    __coarsegrad.tape.push(w);
                    kCount++;
                    k = k1 + 1;
                    t6 = t4 - 2 * (w * t5);
                    if (!(Math.abs(t6) < Infinity)) {
                        t7 = 0;
                        for (let i = 0; i < length; i++) {
                            t = x[i];
                            t1 = y[i];
                            t7 += 2 * (t * (t1 - w * t));
                        }
                        d = t7;
                    }
                    else {
                        d = t6;
                    }
                    d1 = d / length;
                    c = d1 < 0.001;
                    const kNext = k;
                    const wNext = c ? w : w + r * d1;
                    const goOn = !c && k < T;
                    k1 = kNext;
                    w = wNext;
                    if (!goOn)
                        break;
                }
            }
            for (let j = 0; j < length; j++) {
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                t12 += t11 ** 2;
                t15 += t8 * t9;
                t16 += t9 * t9;
            }
            const t13 = Math.sqrt(t12);
            const value = t13 / length;
            const t14 = 1 / length / t13;
            const t17 = t14 * (w * t16) - t14 * t15;
            for (let j = 0; j < length; j++) {
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                dy[j] += t11 * t14;
                dx[j] -= t14 * (w * t11);
            }
            if (!(Math.abs(t17) < Infinity)) {
                t18 = 0;
                for (let j = 0; j < length; j++) {
                    t8 = y[j];
                    t9 = x[j];
                    t10 = w * t9;
                    t11 = t8 - t10;
                    t18 += -(t14 * (t9 * t11));
                }
                t19 = t18;
            }
            else {
                t19 = t17;
            }
            dw = t19;
            dr = 0;
            din = 0;
            din1 = 0;
            tapeTop = __coarsegrad.tape.size;
            tapeEnd = tapeMark + kCount;
            __coarsegrad.tape.seek(tapeEnd);
            for (let step = kCount; step > 0; step--) {
                const wThen = __coarsegrad.tape.pop();
                c1 = dw !== 0;
                t28 = t4 - 2 * (t5 * wThen);
                c3 = !(Math.abs(t28) < Infinity);
                if (c3) {
                    t31 = 0;
                    for (let i = 0; i < length; i++) {
                        t = x[i];
                        t1 = y[i];
                        t29 = t * wThen;
                        t30 = t1 - t29;
                        t31 += 2 * (t * t30);
                    }
                    t32 = t31;
                }
                else {
                    t32 = t28;
                }
                t33 = t32 / length;
                c4 = t33 < 0.001;
                if (c4) {
                    t37 = 0;
                    t38 = 0;
                    t42 = 0;
                }
                else {
                    t21 = dw * t20;
                    c2 = t20 !== 0;
                    t38 = c3 ? 0 : c1 ? c2 ? t21 : 0 : 0;
                    if (c3) {
                        t41 = 0;
                        if (c1) {
                            for (let i = 0; i < length; i++) {
                                if (c2) {
                                    t = x[i];
                                    t1 = y[i];
                                    t22 = 2 * (t * t21);
                                    t29 = t * wThen;
                                    t30 = t1 - t29;
                                    t43 = t21 * (2 * t30 - 2 * t29);
                                }
                                else {
                                    t22 = 0;
                                    t43 = 0;
                                }
                                dx[i] += t43;
                                dy[i] += t22;
                            }
                            if (c2) {
                                t23 = -2 * (t5 * t21);
                                if (!(Math.abs(t23) < Infinity)) {
                                    t24 = 0;
                                    for (let i = 0; i < length; i++) {
                                        t = x[i];
                                        t2 = t * t;
                                        t24 += -2 * (t2 * t21);
                                    }
                                    t25 = t24;
                                }
                                else {
                                    t25 = t23;
                                }
                                t26 = t25;
                            }
                            else {
                                t26 = 0;
                            }
                            t27 = t26;
                        }
                        else {
                            t27 = 0;
                        }
                        t36 = t27;
                    }
                    else {
                        t36 = 0;
                        if (c1) {
                            t39 = t20 * wThen;
                            t40 = -2 * t39 !== 0 ? -2 * (dw * t39) : 0;
                        }
                        else {
                            t40 = 0;
                        }
                        t41 = t40;
                    }
                    t37 = t36;
                    t42 = t41;
                }
                if (c1) {
                    t34 = 1 + (c4 ? 0 : c3 ? 0 : -2 * (t5 * t20));
                    t35 = t34 !== 0 ? dw * t34 : 0;
                }
                else {
                    t35 = 0;
                }
                const dwNext = t35 + t37;
                const drNext = dr + (c4 ? 0 : c1 ? t33 !== 0 ? dw * t33 : 0 : 0);
                const dinNext = din + t38;
                const dinNext1 = din1 + t42;
                dw = dwNext;
                dr = drNext;
                din = dinNext;
                din1 = dinNext1;
            }
            if (tapeTop > tapeEnd)
                __coarsegrad.tape.seek(tapeTop);
            const c5 = 2 * din !== 0;
            if (c5) {
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
        })();
    return [value, [dx, dy, dr, 0]];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad(x, y, r, T) {
    let k, t, t1, t2, t4, t5, d, c, t6, t7, t8, t9, t10, t12, t13, c1, t16, c2, t17, c3, t18, t19, t20, t21, t22, t23, k1, w, kCount, rare, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
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
    t10 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t12 = 0;
    t13 = 0;
    const t15 = r / length;
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
            t5 = t3 - 2 * (w * t4);
            d = (!(Math.abs(t5) < Infinity) ? (rare = 1) : t5) / length;
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
        t6 = y[j];
        t7 = x[j];
        t8 = w * t7;
        t9 = t6 - t8;
        t10 += t9 ** 2;
        t12 += t6 * t7;
        t13 += t7 * t7;
    }
    const t11 = 1 / length / Math.sqrt(t10);
    const t14 = t11 * (w * t13) - t11 * t12;
    dw = !(Math.abs(t14) < Infinity) ? (rare = 1) : t14;
    dr = 0;
    din = 0;
    din1 = 0;
    for (let j = 0; j < length; j++) {
        t6 = y[j];
        t7 = x[j];
        t8 = w * t7;
        t9 = t6 - t8;
        dy[j] += t9 * t11;
        dx[j] -= t11 * (w * t9);
    }
    tapeTop = __coarsegrad.tape.size;
    tapeEnd = tapeMark + kCount;
    __coarsegrad.tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        c1 = dw !== 0;
        t16 = t3 - 2 * (t4 * wThen);
        c2 = !(Math.abs(t16) < Infinity);
        t17 = (c2 ? (rare = 1) : t16) / length;
        c3 = t17 < 0.001;
        if (c1) {
            t18 = 1 + (c3 ? 0 : c2 ? (rare = 1) : -2 * (t4 * t15));
            t19 = t18 !== 0 ? dw * t18 : 0;
        }
        else {
            t19 = 0;
        }
        if (c3) {
            t23 = 0;
        }
        else {
            if (c2) {
                rare = 1;
                for (let i = 0; i < length; i++) {
                    dx[i] += (rare = 1);
                    dy[i] += (rare = 1);
                }
            }
            else {
                if (c1) {
                    t20 = t15 * wThen;
                    t21 = -2 * t20 !== 0 ? -2 * (dw * t20) : 0;
                }
                else {
                    t21 = 0;
                }
                t22 = t21;
            }
            t23 = t22;
        }
        const dwNext = t19 + (c3 ? 0 : c2 ? (rare = 1) : 0);
        const drNext = dr + (c3 ? 0 : c1 ? t17 !== 0 ? dw * t17 : 0 : 0);
        const dinNext = din + (c3 ? 0 : c2 ? (rare = 1) : c1 ? t15 !== 0 ? dw * t15 : 0 : 0);
        const dinNext1 = din1 + t23;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        __coarsegrad.tape.seek(tapeTop);
    const c4 = 2 * din !== 0;
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
    __coarsegrad.tape.seek(tapeStart);
    // a rare input held (a norm below 2^-500, an argument past 2^500): again, with the careful partials
    if (rare)
        return (() => {
            let k, t, t1, t2, t3, t5, t6, t7, d, d1, c, t8, t9, t10, t11, t12, t14, t15, t17, t18, c1, t20, c2, t21, t22, t23, t24, t25, t26, t27, c3, t28, t29, t30, t31, t32, c4, t33, t34, t35, t36, t37, t38, t39, t40, t41, t42, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
            const tapeStart = __coarsegrad.tape.size;
            // forward sweep: values used more than once
            const dy = new Float64Array(y.length);
            const dx = new Float64Array(x.length);
            const length = x.length;
            t3 = 0;
            t5 = 0;
            k1 = 0;
            w = 0;
            kCount = 0;
            t12 = 0;
            // reverse sweep: adjoints flow from cut to cut
            t14 = 0;
            t15 = 0;
            const t19 = r / length;
            for (let i = 0; i < length; i++) {
                t = x[i];
                t1 = y[i];
                t2 = t * t;
                t3 += t * t1;
                t5 += t2;
            }
            const t4 = 2 * t3;
            tapeMark = __coarsegrad.tape.size;
            if (0 < T) {
                for (;;) {
                    __coarsegrad.tape.push(w);
                    kCount++;
                    k = k1 + 1;
                    t6 = t4 - 2 * (w * t5);
                    if (!(Math.abs(t6) < Infinity)) {
                        t7 = 0;
                        for (let i = 0; i < length; i++) {
                            t = x[i];
                            t1 = y[i];
                            t7 += 2 * (t * (t1 - w * t));
                        }
                        d = t7;
                    }
                    else {
                        d = t6;
                    }
                    d1 = d / length;
                    c = d1 < 0.001;
                    const kNext = k;
                    const wNext = c ? w : w + r * d1;
                    const goOn = !c && k < T;
                    k1 = kNext;
                    w = wNext;
                    if (!goOn)
                        break;
                }
            }
            for (let j = 0; j < length; j++) {
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                t12 += t11 ** 2;
                t14 += t8 * t9;
                t15 += t9 * t9;
            }
            const t13 = 1 / length / Math.sqrt(t12);
            const t16 = t13 * (w * t15) - t13 * t14;
            for (let j = 0; j < length; j++) {
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                dy[j] += t11 * t13;
                dx[j] -= t13 * (w * t11);
            }
            if (!(Math.abs(t16) < Infinity)) {
                t17 = 0;
                for (let j = 0; j < length; j++) {
                    t8 = y[j];
                    t9 = x[j];
                    t10 = w * t9;
                    t11 = t8 - t10;
                    t17 += -(t13 * (t9 * t11));
                }
                t18 = t17;
            }
            else {
                t18 = t16;
            }
            dw = t18;
            dr = 0;
            din = 0;
            din1 = 0;
            tapeTop = __coarsegrad.tape.size;
            tapeEnd = tapeMark + kCount;
            __coarsegrad.tape.seek(tapeEnd);
            for (let step = kCount; step > 0; step--) {
                const wThen = __coarsegrad.tape.pop();
                c1 = dw !== 0;
                t27 = t4 - 2 * (t5 * wThen);
                c3 = !(Math.abs(t27) < Infinity);
                if (c3) {
                    t30 = 0;
                    for (let i = 0; i < length; i++) {
                        t = x[i];
                        t1 = y[i];
                        t28 = t * wThen;
                        t29 = t1 - t28;
                        t30 += 2 * (t * t29);
                    }
                    t31 = t30;
                }
                else {
                    t31 = t27;
                }
                t32 = t31 / length;
                c4 = t32 < 0.001;
                if (c4) {
                    t36 = 0;
                    t37 = 0;
                    t41 = 0;
                }
                else {
                    t20 = dw * t19;
                    c2 = t19 !== 0;
                    t37 = c3 ? 0 : c1 ? c2 ? t20 : 0 : 0;
                    if (c3) {
                        t40 = 0;
                        if (c1) {
                            for (let i = 0; i < length; i++) {
                                if (c2) {
                                    t = x[i];
                                    t1 = y[i];
                                    t21 = 2 * (t * t20);
                                    t28 = t * wThen;
                                    t29 = t1 - t28;
                                    t42 = t20 * (2 * t29 - 2 * t28);
                                }
                                else {
                                    t21 = 0;
                                    t42 = 0;
                                }
                                dx[i] += t42;
                                dy[i] += t21;
                            }
                            if (c2) {
                                t22 = -2 * (t5 * t20);
                                if (!(Math.abs(t22) < Infinity)) {
                                    t23 = 0;
                                    for (let i = 0; i < length; i++) {
                                        t = x[i];
                                        t2 = t * t;
                                        t23 += -2 * (t2 * t20);
                                    }
                                    t24 = t23;
                                }
                                else {
                                    t24 = t22;
                                }
                                t25 = t24;
                            }
                            else {
                                t25 = 0;
                            }
                            t26 = t25;
                        }
                        else {
                            t26 = 0;
                        }
                        t35 = t26;
                    }
                    else {
                        t35 = 0;
                        if (c1) {
                            t38 = t19 * wThen;
                            t39 = -2 * t38 !== 0 ? -2 * (dw * t38) : 0;
                        }
                        else {
                            t39 = 0;
                        }
                        t40 = t39;
                    }
                    t36 = t35;
                    t41 = t40;
                }
                if (c1) {
                    t33 = 1 + (c4 ? 0 : c3 ? 0 : -2 * (t5 * t19));
                    t34 = t33 !== 0 ? dw * t33 : 0;
                }
                else {
                    t34 = 0;
                }
                const dwNext = t34 + t36;
                const drNext = dr + (c4 ? 0 : c1 ? t32 !== 0 ? dw * t32 : 0 : 0);
                const dinNext = din + t37;
                const dinNext1 = din1 + t41;
                dw = dwNext;
                dr = drNext;
                din = dinNext;
                din1 = dinNext1;
            }
            if (tapeTop > tapeEnd)
                __coarsegrad.tape.seek(tapeTop);
            const c5 = 2 * din !== 0;
            if (c5) {
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
        })();
    return [dx, dy, dr, 0];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad$2(x, y, r, T) {
    let k, t, t1, t3, t4, d, c, t5, t6, t7, t9, t10, c1, t13, c2, t14, c3, t15, t16, t17, t18, t19, t20, k1, w, kCount, rare, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
    const tapeStart = __coarsegrad.tape.size;
    // forward sweep: values used more than once
    const length = x.length;
    t1 = 0;
    t3 = 0;
    k1 = 0;
    w = 0;
    kCount = 0;
    t7 = 0;
    // reverse sweep: adjoints flow from cut to cut
    t9 = 0;
    t10 = 0;
    const t12 = r / length;
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
            t4 = t2 - 2 * (w * t3);
            d = (!(Math.abs(t4) < Infinity) ? (rare = 1) : t4) / length;
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
        t7 += (t5 - w * t6) ** 2;
        t9 += t5 * t6;
        t10 += t6 * t6;
    }
    const t8 = 1 / length / Math.sqrt(t7);
    const t11 = t8 * (w * t10) - t8 * t9;
    dw = !(Math.abs(t11) < Infinity) ? (rare = 1) : t11;
    dr = 0;
    din = 0;
    din1 = 0;
    tapeTop = __coarsegrad.tape.size;
    tapeEnd = tapeMark + kCount;
    __coarsegrad.tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = __coarsegrad.tape.pop();
        c1 = dw !== 0;
        t13 = t2 - 2 * (t3 * wThen);
        c2 = !(Math.abs(t13) < Infinity);
        t14 = (c2 ? (rare = 1) : t13) / length;
        c3 = t14 < 0.001;
        if (c1) {
            t15 = 1 + (c3 ? 0 : c2 ? (rare = 1) : -2 * (t3 * t12));
            t16 = t15 !== 0 ? dw * t15 : 0;
        }
        else {
            t16 = 0;
        }
        if (c3) {
            t20 = 0;
        }
        else {
            if (c2) {
                rare = 1;
            }
            else {
                if (c1) {
                    t17 = t12 * wThen;
                    t18 = -2 * t17 !== 0 ? -2 * (dw * t17) : 0;
                }
                else {
                    t18 = 0;
                }
                t19 = t18;
            }
            t20 = t19;
        }
        const dwNext = t16 + (c3 ? 0 : c2 ? (rare = 1) : 0);
        const drNext = dr + (c3 ? 0 : c1 ? t14 !== 0 ? dw * t14 : 0 : 0);
        const dinNext = din + (c3 ? 0 : c2 ? (rare = 1) : c1 ? t12 !== 0 ? dw * t12 : 0 : 0);
        const dinNext1 = din1 + t20;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        __coarsegrad.tape.seek(tapeTop);
    __coarsegrad.tape.seek(tapeStart);
    // a rare input held (a norm below 2^-500, an argument past 2^500): again, with the careful partials
    if (rare)
        return (() => {
            let k, t, t1, t2, t3, t5, t6, t7, d, d1, c, t8, t9, t10, t11, t12, t14, t15, t17, t18, c1, t20, c2, t21, t22, t23, t24, t25, t26, c3, t27, t28, t29, c4, t30, t31, t32, t33, t34, t35, t36, t37, t38, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
            const tapeStart = __coarsegrad.tape.size;
            // forward sweep: values used more than once
            const length = x.length;
            t3 = 0;
            t5 = 0;
            k1 = 0;
            w = 0;
            kCount = 0;
            t12 = 0;
            // reverse sweep: adjoints flow from cut to cut
            t14 = 0;
            t15 = 0;
            const t19 = r / length;
            for (let i = 0; i < length; i++) {
                t = x[i];
                t1 = y[i];
                t2 = t * t;
                t3 += t * t1;
                t5 += t2;
            }
            const t4 = 2 * t3;
            tapeMark = __coarsegrad.tape.size;
            if (0 < T) {
                for (;;) {
                    __coarsegrad.tape.push(w);
                    kCount++;
                    k = k1 + 1;
                    t6 = t4 - 2 * (w * t5);
                    if (!(Math.abs(t6) < Infinity)) {
                        t7 = 0;
                        for (let i = 0; i < length; i++) {
                            t = x[i];
                            t1 = y[i];
                            t7 += 2 * (t * (t1 - w * t));
                        }
                        d = t7;
                    }
                    else {
                        d = t6;
                    }
                    d1 = d / length;
                    c = d1 < 0.001;
                    const kNext = k;
                    const wNext = c ? w : w + r * d1;
                    const goOn = !c && k < T;
                    k1 = kNext;
                    w = wNext;
                    if (!goOn)
                        break;
                }
            }
            for (let j = 0; j < length; j++) {
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                t12 += t11 ** 2;
                t14 += t8 * t9;
                t15 += t9 * t9;
            }
            const t13 = 1 / length / Math.sqrt(t12);
            const t16 = t13 * (w * t15) - t13 * t14;
            if (!(Math.abs(t16) < Infinity)) {
                t17 = 0;
                for (let j = 0; j < length; j++) {
                    t8 = y[j];
                    t9 = x[j];
                    t10 = w * t9;
                    t11 = t8 - t10;
                    t17 += -(t13 * (t9 * t11));
                }
                t18 = t17;
            }
            else {
                t18 = t16;
            }
            dw = t18;
            dr = 0;
            din = 0;
            din1 = 0;
            tapeTop = __coarsegrad.tape.size;
            tapeEnd = tapeMark + kCount;
            __coarsegrad.tape.seek(tapeEnd);
            for (let step = kCount; step > 0; step--) {
                const wThen = __coarsegrad.tape.pop();
                c1 = dw !== 0;
                t26 = t4 - 2 * (t5 * wThen);
                c3 = !(Math.abs(t26) < Infinity);
                if (c3) {
                    t27 = 0;
                    for (let i = 0; i < length; i++) {
                        t = x[i];
                        t1 = y[i];
                        t27 += 2 * (t * (t1 - t * wThen));
                    }
                    t28 = t27;
                }
                else {
                    t28 = t26;
                }
                t29 = t28 / length;
                c4 = t29 < 0.001;
                if (c4) {
                    t33 = 0;
                    t34 = 0;
                    t38 = 0;
                }
                else {
                    t20 = dw * t19;
                    c2 = t19 !== 0;
                    t34 = c3 ? 0 : c1 ? c2 ? t20 : 0 : 0;
                    if (c3) {
                        t37 = 0;
                        if (c1) {
                            if (c2) {
                                t21 = -2 * (t5 * t20);
                                if (!(Math.abs(t21) < Infinity)) {
                                    t22 = 0;
                                    for (let i = 0; i < length; i++) {
                                        t = x[i];
                                        t2 = t * t;
                                        t22 += -2 * (t2 * t20);
                                    }
                                    t23 = t22;
                                }
                                else {
                                    t23 = t21;
                                }
                                t24 = t23;
                            }
                            else {
                                t24 = 0;
                            }
                            t25 = t24;
                        }
                        else {
                            t25 = 0;
                        }
                        t32 = t25;
                    }
                    else {
                        t32 = 0;
                        if (c1) {
                            t35 = t19 * wThen;
                            t36 = -2 * t35 !== 0 ? -2 * (dw * t35) : 0;
                        }
                        else {
                            t36 = 0;
                        }
                        t37 = t36;
                    }
                    t33 = t32;
                    t38 = t37;
                }
                if (c1) {
                    t30 = 1 + (c4 ? 0 : c3 ? 0 : -2 * (t5 * t19));
                    t31 = t30 !== 0 ? dw * t30 : 0;
                }
                else {
                    t31 = 0;
                }
                const dwNext = t31 + t33;
                const drNext = dr + (c4 ? 0 : c1 ? t29 !== 0 ? dw * t29 : 0 : 0);
                const dinNext = din + t34;
                const dinNext1 = din1 + t38;
                dw = dwNext;
                dr = drNext;
                din = dinNext;
                din1 = dinNext1;
            }
            if (tapeTop > tapeEnd)
                __coarsegrad.tape.seek(tapeTop);
            __coarsegrad.tape.seek(tapeStart);
            return [dr];
        })();
    return [dr];
}
export const bgdGrad = bgd$grad$2;

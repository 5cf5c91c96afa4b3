import { grad } from 'coarsegrad';
import * as __coarsegrad from "coarsegrad";
const __coarsegrad_outputs = __coarsegrad.outputs;
__coarsegrad.register(bgd, bgd$valueAndGrad, bgd$grad, 4, undefined, { "grad:2": bgd$grad$2 });
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
    let k, t, t1, t2, t4, t5, d, c, t6, t7, t8, t9, t10, t13, t14, c1, t17, t18, t19, t20, t21, t22, t23, c3, t24, t25, t26, t27, t28, t29, k1, w, kCount, rare, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
    const tape = __coarsegrad.tape;
    const tapeStart = tape.size;
    // forward sweep: values used more than once
    const dy = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(y.length) : new Float64Array(y.length);
    const dx = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(x.length) : new Float64Array(x.length);
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
    const c2 = t16 !== 0;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 = y[i];
        t2 += t * t1;
        t4 += t * t;
    }
    const t3 = 2 * t2;
    tapeMark = tape.size;
    if (0 < T) {
        for (;;) {
            tape.push(w);
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
    tapeTop = tape.size;
    tapeEnd = tapeMark + kCount;
    tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = tape.pop();
        t22 = t3 - 2 * (t4 * wThen);
        t23 = (!(Math.abs(t22) < Infinity) ? (rare = 1) : t22) / length;
        c3 = t23 < 0.001;
        if (c3) {
            t24 = 0;
            t25 = 0;
            t26 = 0;
            t29 = 0;
        }
        else {
            c1 = dw !== 0;
            t25 = c1 ? t23 !== 0 ? dw * t23 : 0 : 0;
            if (c1) {
                if (c2) {
                    t17 = dw * t16;
                    t18 = t17;
                    t20 = -2 * (t4 * t17);
                    t27 = -2 * (t17 * wThen);
                }
                else {
                    t18 = 0;
                    t20 = 0;
                    t27 = 0;
                }
                t19 = t18;
                t21 = t20;
                t28 = t27;
            }
            else {
                t19 = 0;
                t21 = 0;
                t28 = 0;
            }
            t24 = t21;
            t26 = t19;
            t29 = t28;
        }
        const dwNext = dw + t24;
        const drNext = dr + t25;
        const dinNext = din + t26;
        const dinNext1 = din1 + t29;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        tape.seek(tapeTop);
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
    tape.seek(tapeStart);
    // a rare case held (a norm below 2^-500, an argument past 2^500, a split sum or an adjoint not finite): again, in the careful form
    if (rare)
        return ((x, y, r, T) => {
            const times = (a, b) => a === 0 || b === 0 ? 0 : a * b;
            let k, t, t1, t2, t4, t5, t6, t7, d, c, t8, t9, t10, t11, t12, t15, t16, t18, t19, t20, t21, t22, c1, t24, t25, t26, t27, t28, t29, t30, t31, t32, c3, t33, t34, t35, t36, t37, t38, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
            const tape = __coarsegrad.tape;
            const tapeStart = tape.size;
            // forward sweep: values used more than once
            const dy = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(y.length) : new Float64Array(y.length);
            const dx = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(x.length) : new Float64Array(x.length);
            const length = x.length;
            t2 = 0;
            t4 = 0;
            k1 = 0;
            w = 0;
            kCount = 0;
            t12 = 0;
            // reverse sweep: adjoints flow from cut to cut
            t15 = 0;
            t16 = 0;
            const t23 = r / length;
            const c2 = t23 !== 0;
            for (let i = 0; i < length; i++) {
                t = x[i];
                t1 = y[i];
                t2 += t * t1;
                t4 += t * t;
            }
            const t3 = 2 * t2;
            tapeMark = tape.size;
            if (0 < T) {
                for (;;) {
                    tape.push(w);
                    kCount++;
                    k = k1 + 1;
                    t5 = t3 - 2 * (w * t4);
                    if (!(Math.abs(t5) < Infinity)) {
                        t6 = 0;
                        for (let i = 0; i < length; i++) {
                            t = x[i];
                            t1 = y[i];
                            t6 += 2 * (t * (t1 - w * t));
                        }
                        t7 = t6;
                    }
                    else {
                        t7 = t5;
                    }
                    d = t7 / length;
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
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                t12 += t11 ** 2;
                t15 += times(t8, t9);
                t16 += times(t9, t9);
            }
            const t13 = Math.sqrt(t12);
            const value = t13 / length;
            const t14 = 1 / length / t13;
            const t17 = times(t14, times(w, t16)) - times(t14, t15);
            for (let j = 0; j < length; j++) {
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                dy[j] += times(t11, t14);
                dx[j] -= times(t14, times(w, t11));
            }
            if (!(Math.abs(t17) < Infinity)) {
                t18 = 0;
                for (let j = 0; j < length; j++) {
                    t8 = y[j];
                    t9 = x[j];
                    t10 = w * t9;
                    t11 = t8 - t10;
                    t18 += -times(t14, times(t9, t11));
                }
                if (Math.abs(t18) < Infinity) {
                    t21 = t18;
                }
                else {
                    t19 = times(w, t14);
                    t20 = 0;
                    for (let j = 0; j < length; j++) {
                        t8 = y[j];
                        t9 = x[j];
                        t20 += times(t9, times(t9, t19)) - times(t9, times(t8, t14));
                    }
                    t21 = t20;
                }
                t22 = t21;
            }
            else {
                t22 = t17;
            }
            dw = t22;
            dr = 0;
            din = 0;
            din1 = 0;
            tapeTop = tape.size;
            tapeEnd = tapeMark + kCount;
            tape.seek(tapeEnd);
            for (let step = kCount; step > 0; step--) {
                const wThen = tape.pop();
                t29 = t3 - 2 * times(t4, wThen);
                if (!(Math.abs(t29) < Infinity)) {
                    t30 = 0;
                    for (let i = 0; i < length; i++) {
                        t = x[i];
                        t1 = y[i];
                        t30 += 2 * times(t, t1 - times(t, wThen));
                    }
                    t31 = t30;
                }
                else {
                    t31 = t29;
                }
                t32 = t31 / length;
                c3 = t32 < 0.001;
                if (c3) {
                    t33 = 0;
                    t34 = 0;
                    t35 = 0;
                    t38 = 0;
                }
                else {
                    c1 = dw !== 0;
                    t34 = c1 ? t32 !== 0 ? times(dw, t32) : 0 : 0;
                    if (c1) {
                        if (c2) {
                            t24 = times(dw, t23);
                            t25 = t24;
                            t27 = -2 * times(t4, t24);
                            t36 = -2 * times(t24, wThen);
                        }
                        else {
                            t25 = 0;
                            t27 = 0;
                            t36 = 0;
                        }
                        t26 = t25;
                        t28 = t27;
                        t37 = t36;
                    }
                    else {
                        t26 = 0;
                        t28 = 0;
                        t37 = 0;
                    }
                    t33 = t28;
                    t35 = t26;
                    t38 = t37;
                }
                const dwNext = dw + t33;
                const drNext = dr + t34;
                const dinNext = din + t35;
                const dinNext1 = din1 + t38;
                dw = dwNext;
                dr = drNext;
                din = dinNext;
                din1 = dinNext1;
            }
            if (tapeTop > tapeEnd)
                tape.seek(tapeTop);
            const c4 = 2 * din !== 0;
            if (c4) {
                for (let i = 0; i < length; i++) {
                    t = x[i];
                    t1 = y[i];
                    if (t1 !== 0) {
                        dx[i] += 2 * times(t1, din);
                    }
                    if (t !== 0) {
                        dy[i] += 2 * times(t, din);
                    }
                }
            }
            if (din1 !== 0) {
                for (let i = 0; i < length; i++) {
                    t = x[i];
                    if (2 * t !== 0) {
                        dx[i] += 2 * times(t, din1);
                    }
                }
            }
            tape.seek(tapeStart);
            return [value, [dx, dy, dr, 0]];
        })(x, y, r, T);
    return [value, [dx, dy, dr, 0]];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad(x, y, r, T) {
    let k, t, t1, t2, t4, t5, d, c, t6, t7, t8, t9, t10, t12, t13, c1, t16, t17, t18, t19, t20, t21, t22, c3, t23, t24, t25, t26, t27, t28, k1, w, kCount, rare, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
    const tape = __coarsegrad.tape;
    const tapeStart = tape.size;
    // forward sweep: values used more than once
    const dy = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(y.length) : new Float64Array(y.length);
    const dx = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(x.length) : new Float64Array(x.length);
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
    const c2 = t15 !== 0;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 = y[i];
        t2 += t * t1;
        t4 += t * t;
    }
    const t3 = 2 * t2;
    tapeMark = tape.size;
    if (0 < T) {
        for (;;) {
            tape.push(w);
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
    tapeTop = tape.size;
    tapeEnd = tapeMark + kCount;
    tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = tape.pop();
        t21 = t3 - 2 * (t4 * wThen);
        t22 = (!(Math.abs(t21) < Infinity) ? (rare = 1) : t21) / length;
        c3 = t22 < 0.001;
        if (c3) {
            t23 = 0;
            t24 = 0;
            t25 = 0;
            t28 = 0;
        }
        else {
            c1 = dw !== 0;
            t24 = c1 ? t22 !== 0 ? dw * t22 : 0 : 0;
            if (c1) {
                if (c2) {
                    t16 = dw * t15;
                    t17 = t16;
                    t19 = -2 * (t4 * t16);
                    t26 = -2 * (t16 * wThen);
                }
                else {
                    t17 = 0;
                    t19 = 0;
                    t26 = 0;
                }
                t18 = t17;
                t20 = t19;
                t27 = t26;
            }
            else {
                t18 = 0;
                t20 = 0;
                t27 = 0;
            }
            t23 = t20;
            t25 = t18;
            t28 = t27;
        }
        const dwNext = dw + t23;
        const drNext = dr + t24;
        const dinNext = din + t25;
        const dinNext1 = din1 + t28;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        tape.seek(tapeTop);
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
    tape.seek(tapeStart);
    // a rare case held (a norm below 2^-500, an argument past 2^500, a split sum or an adjoint not finite): again, in the careful form
    if (rare)
        return ((x, y, r, T) => {
            const times = (a, b) => a === 0 || b === 0 ? 0 : a * b;
            let k, t, t1, t2, t4, t5, t6, t7, d, c, t8, t9, t10, t11, t12, t14, t15, t17, t18, t19, t20, t21, c1, t23, t24, t25, t26, t27, t28, t29, t30, t31, c3, t32, t33, t34, t35, t36, t37, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
            const tape = __coarsegrad.tape;
            const tapeStart = tape.size;
            // forward sweep: values used more than once
            const dy = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(y.length) : new Float64Array(y.length);
            const dx = __coarsegrad_outputs.pool !== undefined ? __coarsegrad_outputs.zeros(x.length) : new Float64Array(x.length);
            const length = x.length;
            t2 = 0;
            t4 = 0;
            k1 = 0;
            w = 0;
            kCount = 0;
            t12 = 0;
            // reverse sweep: adjoints flow from cut to cut
            t14 = 0;
            t15 = 0;
            const t22 = r / length;
            const c2 = t22 !== 0;
            for (let i = 0; i < length; i++) {
                t = x[i];
                t1 = y[i];
                t2 += t * t1;
                t4 += t * t;
            }
            const t3 = 2 * t2;
            tapeMark = tape.size;
            if (0 < T) {
                for (;;) {
                    tape.push(w);
                    kCount++;
                    k = k1 + 1;
                    t5 = t3 - 2 * (w * t4);
                    if (!(Math.abs(t5) < Infinity)) {
                        t6 = 0;
                        for (let i = 0; i < length; i++) {
                            t = x[i];
                            t1 = y[i];
                            t6 += 2 * (t * (t1 - w * t));
                        }
                        t7 = t6;
                    }
                    else {
                        t7 = t5;
                    }
                    d = t7 / length;
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
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                t12 += t11 ** 2;
                t14 += times(t8, t9);
                t15 += times(t9, t9);
            }
            const t13 = 1 / length / Math.sqrt(t12);
            const t16 = times(t13, times(w, t15)) - times(t13, t14);
            for (let j = 0; j < length; j++) {
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                dy[j] += times(t11, t13);
                dx[j] -= times(t13, times(w, t11));
            }
            if (!(Math.abs(t16) < Infinity)) {
                t17 = 0;
                for (let j = 0; j < length; j++) {
                    t8 = y[j];
                    t9 = x[j];
                    t10 = w * t9;
                    t11 = t8 - t10;
                    t17 += -times(t13, times(t9, t11));
                }
                if (Math.abs(t17) < Infinity) {
                    t20 = t17;
                }
                else {
                    t18 = times(w, t13);
                    t19 = 0;
                    for (let j = 0; j < length; j++) {
                        t8 = y[j];
                        t9 = x[j];
                        t19 += times(t9, times(t9, t18)) - times(t9, times(t8, t13));
                    }
                    t20 = t19;
                }
                t21 = t20;
            }
            else {
                t21 = t16;
            }
            dw = t21;
            dr = 0;
            din = 0;
            din1 = 0;
            tapeTop = tape.size;
            tapeEnd = tapeMark + kCount;
            tape.seek(tapeEnd);
            for (let step = kCount; step > 0; step--) {
                const wThen = tape.pop();
                t28 = t3 - 2 * times(t4, wThen);
                if (!(Math.abs(t28) < Infinity)) {
                    t29 = 0;
                    for (let i = 0; i < length; i++) {
                        t = x[i];
                        t1 = y[i];
                        t29 += 2 * times(t, t1 - times(t, wThen));
                    }
                    t30 = t29;
                }
                else {
                    t30 = t28;
                }
                t31 = t30 / length;
                c3 = t31 < 0.001;
                if (c3) {
                    t32 = 0;
                    t33 = 0;
                    t34 = 0;
                    t37 = 0;
                }
                else {
                    c1 = dw !== 0;
                    t33 = c1 ? t31 !== 0 ? times(dw, t31) : 0 : 0;
                    if (c1) {
                        if (c2) {
                            t23 = times(dw, t22);
                            t24 = t23;
                            t26 = -2 * times(t4, t23);
                            t35 = -2 * times(t23, wThen);
                        }
                        else {
                            t24 = 0;
                            t26 = 0;
                            t35 = 0;
                        }
                        t25 = t24;
                        t27 = t26;
                        t36 = t35;
                    }
                    else {
                        t25 = 0;
                        t27 = 0;
                        t36 = 0;
                    }
                    t32 = t27;
                    t34 = t25;
                    t37 = t36;
                }
                const dwNext = dw + t32;
                const drNext = dr + t33;
                const dinNext = din + t34;
                const dinNext1 = din1 + t37;
                dw = dwNext;
                dr = drNext;
                din = dinNext;
                din1 = dinNext1;
            }
            if (tapeTop > tapeEnd)
                tape.seek(tapeTop);
            const c4 = 2 * din !== 0;
            if (c4) {
                for (let i = 0; i < length; i++) {
                    t = x[i];
                    t1 = y[i];
                    if (t1 !== 0) {
                        dx[i] += 2 * times(t1, din);
                    }
                    if (t !== 0) {
                        dy[i] += 2 * times(t, din);
                    }
                }
            }
            if (din1 !== 0) {
                for (let i = 0; i < length; i++) {
                    t = x[i];
                    if (2 * t !== 0) {
                        dx[i] += 2 * times(t, din1);
                    }
                }
            }
            tape.seek(tapeStart);
            return [dx, dy, dr, 0];
        })(x, y, r, T);
    return [dx, dy, dr, 0];
}
/** Gradient companion of bgd, written by coarsegrad: returns the gradient. */
function bgd$grad$2(x, y, r, T) {
    let k, t, t1, t3, t4, d, c, t5, t6, t7, t9, t10, c1, t13, t14, t15, t16, t17, t18, t19, c3, t20, t21, t22, t23, t24, t25, k1, w, kCount, rare, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
    const tape = __coarsegrad.tape;
    const tapeStart = tape.size;
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
    const c2 = t12 !== 0;
    for (let i = 0; i < length; i++) {
        t = x[i];
        t1 += t * y[i];
        t3 += t * t;
    }
    const t2 = 2 * t1;
    tapeMark = tape.size;
    if (0 < T) {
        for (;;) {
            tape.push(w);
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
    tapeTop = tape.size;
    tapeEnd = tapeMark + kCount;
    tape.seek(tapeEnd);
    for (let step = kCount; step > 0; step--) {
        const wThen = tape.pop();
        t18 = t2 - 2 * (t3 * wThen);
        t19 = (!(Math.abs(t18) < Infinity) ? (rare = 1) : t18) / length;
        c3 = t19 < 0.001;
        if (c3) {
            t20 = 0;
            t21 = 0;
            t22 = 0;
            t25 = 0;
        }
        else {
            c1 = dw !== 0;
            t21 = c1 ? t19 !== 0 ? dw * t19 : 0 : 0;
            if (c1) {
                if (c2) {
                    t13 = dw * t12;
                    t14 = t13;
                    t16 = -2 * (t3 * t13);
                    t23 = -2 * (t13 * wThen);
                }
                else {
                    t14 = 0;
                    t16 = 0;
                    t23 = 0;
                }
                t15 = t14;
                t17 = t16;
                t24 = t23;
            }
            else {
                t15 = 0;
                t17 = 0;
                t24 = 0;
            }
            t20 = t17;
            t22 = t15;
            t25 = t24;
        }
        const dwNext = dw + t20;
        const drNext = dr + t21;
        const dinNext = din + t22;
        const dinNext1 = din1 + t25;
        dw = dwNext;
        dr = drNext;
        din = dinNext;
        din1 = dinNext1;
    }
    if (tapeTop > tapeEnd)
        tape.seek(tapeTop);
    tape.seek(tapeStart);
    // a rare case held (a norm below 2^-500, an argument past 2^500, a split sum or an adjoint not finite): again, in the careful form
    if (rare)
        return ((x, y, r, T) => {
            const times = (a, b) => a === 0 || b === 0 ? 0 : a * b;
            let k, t, t1, t2, t4, t5, t6, t7, d, c, t8, t9, t10, t11, t12, t14, t15, t17, t18, t19, t20, t21, c1, t23, t24, t25, t26, t27, t28, t29, t30, t31, c3, t32, t33, t34, t35, t36, t37, k1, w, kCount, tapeMark, dw, dr, din, din1, tapeTop, tapeEnd;
            const tape = __coarsegrad.tape;
            const tapeStart = tape.size;
            // forward sweep: values used more than once
            const length = x.length;
            t2 = 0;
            t4 = 0;
            k1 = 0;
            w = 0;
            kCount = 0;
            t12 = 0;
            // reverse sweep: adjoints flow from cut to cut
            t14 = 0;
            t15 = 0;
            const t22 = r / length;
            const c2 = t22 !== 0;
            for (let i = 0; i < length; i++) {
                t = x[i];
                t1 = y[i];
                t2 += t * t1;
                t4 += t * t;
            }
            const t3 = 2 * t2;
            tapeMark = tape.size;
            if (0 < T) {
                for (;;) {
                    tape.push(w);
                    kCount++;
                    k = k1 + 1;
                    t5 = t3 - 2 * (w * t4);
                    if (!(Math.abs(t5) < Infinity)) {
                        t6 = 0;
                        for (let i = 0; i < length; i++) {
                            t = x[i];
                            t1 = y[i];
                            t6 += 2 * (t * (t1 - w * t));
                        }
                        t7 = t6;
                    }
                    else {
                        t7 = t5;
                    }
                    d = t7 / length;
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
                t8 = y[j];
                t9 = x[j];
                t10 = w * t9;
                t11 = t8 - t10;
                t12 += t11 ** 2;
                t14 += times(t8, t9);
                t15 += times(t9, t9);
            }
            const t13 = 1 / length / Math.sqrt(t12);
            const t16 = times(t13, times(w, t15)) - times(t13, t14);
            if (!(Math.abs(t16) < Infinity)) {
                t17 = 0;
                for (let j = 0; j < length; j++) {
                    t8 = y[j];
                    t9 = x[j];
                    t10 = w * t9;
                    t11 = t8 - t10;
                    t17 += -times(t13, times(t9, t11));
                }
                if (Math.abs(t17) < Infinity) {
                    t20 = t17;
                }
                else {
                    t18 = times(w, t13);
                    t19 = 0;
                    for (let j = 0; j < length; j++) {
                        t8 = y[j];
                        t9 = x[j];
                        t19 += times(t9, times(t9, t18)) - times(t9, times(t8, t13));
                    }
                    t20 = t19;
                }
                t21 = t20;
            }
            else {
                t21 = t16;
            }
            dw = t21;
            dr = 0;
            din = 0;
            din1 = 0;
            tapeTop = tape.size;
            tapeEnd = tapeMark + kCount;
            tape.seek(tapeEnd);
            for (let step = kCount; step > 0; step--) {
                const wThen = tape.pop();
                t28 = t3 - 2 * times(t4, wThen);
                if (!(Math.abs(t28) < Infinity)) {
                    t29 = 0;
                    for (let i = 0; i < length; i++) {
                        t = x[i];
                        t1 = y[i];
                        t29 += 2 * times(t, t1 - times(t, wThen));
                    }
                    t30 = t29;
                }
                else {
                    t30 = t28;
                }
                t31 = t30 / length;
                c3 = t31 < 0.001;
                if (c3) {
                    t32 = 0;
                    t33 = 0;
                    t34 = 0;
                    t37 = 0;
                }
                else {
                    c1 = dw !== 0;
                    t33 = c1 ? t31 !== 0 ? times(dw, t31) : 0 : 0;
                    if (c1) {
                        if (c2) {
                            t23 = times(dw, t22);
                            t24 = t23;
                            t26 = -2 * times(t4, t23);
                            t35 = -2 * times(t23, wThen);
                        }
                        else {
                            t24 = 0;
                            t26 = 0;
                            t35 = 0;
                        }
                        t25 = t24;
                        t27 = t26;
                        t36 = t35;
                    }
                    else {
                        t25 = 0;
                        t27 = 0;
                        t36 = 0;
                    }
                    t32 = t27;
                    t34 = t25;
                    t37 = t36;
                }
                const dwNext = dw + t32;
                const drNext = dr + t33;
                const dinNext = din + t34;
                const dinNext1 = din1 + t37;
                dw = dwNext;
                dr = drNext;
                din = dinNext;
                din1 = dinNext1;
            }
            if (tapeTop > tapeEnd)
                tape.seek(tapeTop);
            tape.seek(tapeStart);
            return [dr];
        })(x, y, r, T);
    return [dr];
}
export const bgdGrad = bgd$grad$2;

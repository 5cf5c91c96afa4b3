import { grad } from 'coarsegrad';

/** @differentiable */
export function bgd(x: Float64Array, y: Float64Array, r: number, T: number): number {
  let w = 0;
  let k = 0;
  const M = x.length;
  while (k < T) {
    k++;
    let d = 0;
    for (let i = 0; i < M; i++) d += 2 * x[i]! * (y[i]! - x[i]! * w);
    d = d / M;
    if (d < 0.001) break;
    else w = w + r * d;
  }
  let e = 0;
  for (let j = 0; j < M; j++) e += (y[j]! - x[j]! * w) ** 2;
  return Math.sqrt(e) / M;
}

export const bgdGrad = grad(bgd, { wrt: [2] });

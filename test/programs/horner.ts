import { grad } from 'coarsegrad';

/** @differentiable */
export function horner(x: number, c: Float64Array): number {
  let acc = 0;
  for (let i = c.length - 1; i >= 0; i--) acc = acc * x + c[i]!;
  return acc;
}

export const hornerGrad = grad(horner);

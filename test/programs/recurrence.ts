import { grad } from 'coarsegrad';

/** @differentiable */
export function cell(x: number, c: Float64Array): number {
  let acc = 0;
  for (let i = c.length - 1; i >= 0; i--) acc = Math.tanh(acc * x + c[i]!);
  return acc;
}

export const cellGrad = grad(cell);

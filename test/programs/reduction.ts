import { grad } from 'coarsegrad';

/** @differentiable */
export function springEnergy(p: Float64Array, k: number): number {
  const n = p.length / 2;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const d = Math.hypot(p[2 * j]! - p[2 * i]!, p[2 * j + 1]! - p[2 * i + 1]!);
    e += 0.5 * k * (d - 1) ** 2;
  }
  return e;
}

export const energyGrad = grad(springEnergy);

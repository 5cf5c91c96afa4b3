/** A weighted sum over a run-time trip count: the gradient of `x` is scattered at run-time indices.
 * @differentiable
 */
export function weighted(x: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.sin(x[i]!) * w[i]!;
  return s;
}

/**
 * Arrays of arrays (issue 11, item 1): point lists as `number[][]`, weight matrices as
 * `Float64Array[]` rows inside a model object, samples each holding a feature array, rows named, iterated, destructured, chosen by a
 * branch, passed to helpers and reduced with callbacks; and arrays of arrays the function builds
 * (points pushed as `[x, y]`, a grid from `Array.from`, rows mapped, a matrix product returning
 * rows), written the way their authors write them.
 * Each is built in both modes (`build` compares the gradients), its gradient has the parameter's
 * shape (rows of `Float64Array`s), every number is checked against 5-point finite differences, and
 * the coarse companion stays off the operation tape.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, checkAtPoint, numbersIn, type TableProgram } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';

const programs: Record<string, TableProgram> = {
  'a graph layout stress energy: points as number[][], pairs through a distance helper': {
    name: 'stress',
    source: `function dist(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(s);
}
/** @differentiable */
export function stress(pts: number[][], ideal: number): number {
  let e = 0;
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) e += (dist(pts[i]!, pts[j]!) - ideal) ** 2;
  }
  return e;
}`,
    points: [
      [[[0, 0], [1, 0.2], [0.4, 1.3]], 1],
      [[[0, 0, 1], [1, 0.2, -0.5], [0.4, 1.3, 0.1], [2, -1, 0.3]], 0.8],
    ],
  },
  'a polygon area: for...of with [x, y] destructuring, and a reduce reading the next vertex': {
    name: 'area',
    source: `/** @differentiable */
export function area(poly: number[][]): number {
  const n = poly.length;
  const shoelace = poly.reduce((acc, p, i) => {
    const q = poly[(i + 1) % n]!;
    return acc + p[0]! * q[1]! - p[1]! * q[0]!;
  }, 0);
  let cx = 0;
  for (const [x, y] of poly) cx += x * y;
  return shoelace / 2 + 0.01 * cx;
}`,
    points: [[[[0, 0], [2, 0.1], [1.5, 1.7], [0.2, 1]]], [[[1, 1], [3, 1], [2, 4]]]],
  },
  'a dense layer of Float64Array rows in a model object, mapped and reduced': {
    name: 'loss',
    source: `interface Layer { W: Float64Array[]; b: Float64Array }
interface Model { hidden: Layer; out: number[] }
function dense(layer: Layer, x: ArrayLike<number>): number[] {
  return layer.W.map((row, i) => Math.tanh(row.reduce((s, w, j) => s + w * x[j]!, layer.b[i]!)));
}
/** @differentiable */
export function loss(model: Model, x: number[], y: number): number {
  const h = dense(model.hidden, x);
  let o = 0;
  for (let j = 0; j < h.length; j++) o += model.out[j]! * h[j]!;
  return (o - y) ** 2;
}`,
    points: [
      [{ hidden: { W: [Float64Array.of(0.1, 0.2), Float64Array.of(-0.3, 0.5), Float64Array.of(0.7, -0.2)], b: Float64Array.of(0.1, 0, -0.1) }, out: [0.5, -1, 2] }, [0.3, -0.8], 0.4],
    ],
  },
  'a quadratic form xᵀAx with A as rows, A[i].length as the inner bound': {
    name: 'quadratic',
    source: `/** @differentiable */
export function quadratic(A: readonly (readonly number[])[], x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) {
    const row = A[i]!;
    for (let j = 0; j < row.length; j++) s += x[i]! * row[j]! * x[j]!;
  }
  return s;
}`,
    points: [
      [[[2, -1], [0.5, 3]], [0.7, -1.1]],
      [[[1, 0, 2], [0, 1, -1], [0.3, 0.2, 4]], [1, 2, 3]],
    ],
  },
  'a softmax classifier: weights and data both as rows, labels as indices': {
    name: 'crossEntropy',
    source: `function logSumExp(z: number[]): number {
  const m = Math.max(...z);
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  return m + Math.log(s);
}
/** @differentiable */
export function crossEntropy(W: number[][], X: number[][], labels: number[]): number {
  let total = 0;
  X.forEach((x, n) => {
    const z = W.map((w) => w.reduce((s, wk, k) => s + wk * x[k]!, 0));
    total += logSumExp(z) - z[labels[n]!]!;
  });
  return total / X.length;
}`,
    points: [
      [[[0.2, -0.1], [0.5, 0.3], [-0.4, 0.8]], [[1, 2], [-0.5, 0.7], [0.3, -1.2], [2, 0.1]], [0, 2, 1, 2]],
    ],
    discrete: [2],
  },
  'a row chosen by a branch, its maximum spread into Math.max': {
    name: 'pick',
    source: `/** @differentiable */
export function pick(m: ReadonlyArray<readonly number[]>, c: number): number {
  const r = c > 0 ? m[0]! : m[1]!;
  let s = 0;
  for (const v of r) s += v * v * c;
  return s + Math.max(...m[1]!);
}`,
    points: [
      [[[1, 2], [3, -4]], 0.5],
      [[[1, 2], [3, -4]], -0.5],
    ],
  },
  'a planar arm from [length, angle] segments': {
    name: 'reach',
    source: `/** @differentiable */
export function reach(segments: Float64Array[], gx: number, gy: number): number {
  let x = 0;
  let y = 0;
  let heading = 0;
  for (const segment of segments) {
    const [length, angle] = segment;
    heading += angle!;
    x += length! * Math.cos(heading);
    y += length! * Math.sin(heading);
  }
  return (x - gx) ** 2 + (y - gy) ** 2;
}`,
    points: [[[Float64Array.of(1, 0.25), Float64Array.of(0.75, 0.5), Float64Array.of(0.5, -0.125)], 1.2, 0.9]],
  },
  'reads past a row read undefined, as in JavaScript: ?? defaults, and a loop one past the end': {
    name: 'padded',
    source: `/** @differentiable */
export function padded(pts: number[][], w: number[]): number {
  let s = 0;
  // 2-D points taken as 3-D with z = 1 by default.
  for (const p of pts) s += p[0]! * (p[2] ?? 1) + (p[1]! > 0 ? p[1]! : 0);
  for (let i = 0; i < pts.length; i++) {
    const row = pts[i]!;
    for (let k = 0; k < w.length; k++) s += w[k]! * (row[k] ?? 0.5);
    // One past the end: undefined > 0.25 is false, not the next row's first number.
    for (let k = 0; k <= row.length; k++) if (row[k]! > 0.25) s += row[k]! * w[0]!;
  }
  return s;
}`,
    points: [
      [[[1, 2], [0.5, -1]], [0.3, 0.2, 0.1]],
      [[[1, 2, 3], [0.5, -1, 0.2]], [0.3, 0.2]],
    ],
  },
  'a data set as an array of samples, each with a feature array: a logistic regression': {
    name: 'nll',
    source: `interface Sample { x: number[]; y: number }
function dot(w: readonly number[], x: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < w.length; k++) s += w[k]! * x[k]!;
  return s;
}
/** @differentiable */
export function nll(w: number[], b: number, data: Sample[]): number {
  let loss = 0;
  for (const { x, y } of data) {
    const z = dot(w, x) + b;
    loss += Math.log1p(Math.exp(-z)) + (1 - y) * z;
  }
  return loss / data.length + 0.01 * w.reduce((s, v) => s + v * v, 0);
}`,
    points: [[[0.3, -0.2], 0.1, [{ x: [1, 2], y: 1 }, { x: [-1, 0.5], y: 0 }, { x: [0.3, 0.3], y: 1 }]]],
  },
  'a polyline built point by point with push([x, y]), then measured': {
    name: 'polyline',
    source: `/** @differentiable */
export function polyline(a: number, b: number, n: number): number {
  const pts: number[][] = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    pts.push([Math.cos(a * t), Math.sin(b * t) * t]);
  }
  let length = 0;
  for (let i = 1; i < pts.length; i++) length += Math.hypot(pts[i]![0]! - pts[i - 1]![0]!, pts[i]![1]! - pts[i - 1]![1]!);
  return length;
}`,
    points: [[1.3, 2.1, 8], [0.4, -1.2, 5]],
    discrete: [2],
  },
  'a heat grid from Array.from rows, relaxed in place, read back': {
    name: 'heat',
    source: `function relax(grid: number[][], k: number): void {
  for (let i = 1; i + 1 < grid.length; i++) {
    const row = grid[i]!;
    for (let j = 1; j + 1 < row.length; j++) row[j] = row[j]! + k * (grid[i - 1]![j]! + grid[i + 1]![j]! + row[j - 1]! + row[j + 1]! - 4 * row[j]!);
  }
}
/** @differentiable */
export function heat(source: number, k: number): number {
  const grid = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
  grid[1]![1] = source;
  grid[2]![2] = source * source;
  relax(grid, k);
  relax(grid, k);
  return grid.reduce((s, row) => s + row.reduce((t, v) => t + v * v, 0), 0);
}`,
    points: [[1.5, 0.1], [-0.7, 0.2]],
  },
  'points rotated with map into new rows, from a parameter of rows': {
    name: 'spread',
    source: `/** @differentiable */
export function spread(pts: number[][], angle: number): number {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const turned = pts.map(([x, y]) => [c * x! - s * y!, s * x! + c * y!]);
  const copies = turned.map((p) => p.slice());
  copies[0]![0] = copies[0]![0]! * 2;
  let e = 0;
  for (const [x, y] of copies) e += x! * x! + 3 * y! * y!;
  return e;
}`,
    points: [[[[1, 0], [0.5, 2], [-1, 0.3]], 0.4]],
  },
  'a matrix product helper returning rows, rows pushed from a local row': {
    name: 'frobenius',
    source: `function matmul(A: number[][], B: number[][]): number[][] {
  const C: number[][] = [];
  for (let i = 0; i < A.length; i++) {
    const row: number[] = [];
    for (let j = 0; j < B[0]!.length; j++) {
      let s = 0;
      for (let k = 0; k < B.length; k++) s += A[i]![k]! * B[k]![j]!;
      row.push(s);
    }
    C.push(row);
  }
  return C;
}
/** @differentiable */
export function frobenius(A: number[][], t: number): number {
  const B = [[Math.cos(t), -Math.sin(t)], [Math.sin(t), Math.cos(t)]];
  const C = matmul(A, B);
  const D = matmul(C, A);
  let s = 0;
  for (const row of D) for (const v of row) s += v * v;
  return s;
}`,
    points: [[[[1, 2], [0.5, -1]], 0.3]],
  },
};

const rows = suite('arrays of arrays as parameters');

for (const [title, p] of Object.entries(programs)) {
  rows(title, () => {
    const m = build(`${prelude}${p.source}\n`);
    const f = m[p.name] as (...a: unknown[]) => number;
    for (const at of p.points) {
      const before = JSON.stringify(numbersIn(at));
      // The indices are not differentiated: only the numbers of the rows and arrays are.
      const gradient = checkAtPoint(m.valueAndGrad, f, at, p, title);
      assert.is(JSON.stringify(numbersIn(at)), before, `${title}: the caller's arrays are left as they were`);
      assert.equal(m.grad(f)(...at), gradient, `${title}: grad gives valueAndGrad's gradient`);
    }
  });
}

rows('the coarse companions read the rows from one flat array, off the operation tape', () => {
  // Those that build arrays of arrays go to the tape (they are not coarsened yet).
  const built = ['polyline', 'heat', 'spread', 'frobenius'];
  for (const [title, p] of Object.entries(programs).filter(([, q]) => !built.includes(q.name))) {
    const js = compile({ 'main.ts': `${prelude}${p.source}\n` }).js['main.ts']!;
    assert.not.match(js, /operations/, `${title}: on the tape`);
  }
});

rows('the gradient of an array of arrays is an array of Float64Array rows, and an empty one an empty array', () => {
  const m = build(`${prelude}${programs['a polygon area: for...of with [x, y] destructuring, and a reduce reading the next vertex']!.source}\n`);
  const [g] = m.grad(m.area)([[0, 0], [2, 0], [0, 2]]) as [Float64Array[]];
  assert.ok(Array.isArray(g) && g.length === 3);
  for (const row of g) assert.ok(row instanceof Float64Array && row.length === 2);
  // The shoelace area's derivative at vertex k is (y(k+1) − y(k−1), x(k−1) − x(k+1)) / 2, plus 0.01·(y, x).
  assert.equal(Array.from(g[0]!), [(0 - 2) / 2 + 0, (0 - 2) / 2 + 0]);
  assertClose(g[1]![0]!, (2 - 0) / 2 + 0, 'area ∂/∂x₁', 1e-15, 0);
  assertClose(g[1]![1]!, (0 - 0) / 2 + 0.01 * 2, 'area ∂/∂y₁', 1e-15, 0);
  assert.equal(m.grad(m.area)([]), [[]]);
});

rows('Float32Array rows are read as they are: the same gradient as Float64Array rows of the same numbers', () => {
  const source = programs['a planar arm from [length, angle] segments']!.source;
  const wide = build(`${prelude}${source}\n`);
  const narrow = build(`${prelude}${source.replace('segments: Float64Array[]', 'segments: Float32Array[]')}\n`);
  // Numbers a Float32Array holds exactly.
  const segments = [[1, 0.25], [0.75, 0.5], [0.5, -0.125]];
  const g64 = wide.grad(wide.reach)(segments.map((s) => Float64Array.from(s)), 1.2, 0.9);
  const g32 = narrow.grad(narrow.reach)(segments.map((s) => Float32Array.from(s)), 1.2, 0.9);
  assert.equal(numbersIn(g32), numbersIn(g64));
});

rows('rows of different lengths are a RangeError naming the parameter and the rows, in both modes', () => {
  for (const mode of ['coarse', 'fine'] as const) {
    const m = build(`${prelude}${programs['a quadratic form xᵀAx with A as rows, A[i].length as the inner bound']!.source}\n`, { plugin: { mode } });
    assert.throws(
      () => m.grad(m.quadratic)([[1, 2], [3]], [1, 1]),
      (e: Error) => e instanceof RangeError && /the rows of 'A' have different lengths \(row 1 has 1 numbers, row 0 has 2\)/.test(e.message),
      mode,
    );
  }
});

rows('wrt leaves the rows out: their gradient entry is not computed', () => {
  const m = build(`${prelude}${programs['a softmax classifier: weights and data both as rows, labels as indices']!.source}
export const weightsOnly = grad(crossEntropy, { wrt: [0] });
`);
  const args = programs['a softmax classifier: weights and data both as rows, labels as indices']!.points[0]!;
  const [dW] = m.weightsOnly(...args) as [Float64Array[]];
  const [full] = m.grad(m.crossEntropy)(...args) as [Float64Array[]];
  assert.equal(numbersIn(dW), numbersIn(full));
});

rows.run();

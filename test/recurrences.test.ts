/**
 * The residue (DESIGN.md §5, strategy 5): counted loops with a run-time trip count whose carried
 * variables follow a general recurrence. The companion pushes the state onto the tape going forward
 * and pops it going back; checked against finite differences, and the tape left as it was found.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { assertClose, finiteDifference } from './gradcheck.js';
import { build, compile, prelude, runtimeEntry } from './harness.js';

type Arg = number | Float64Array;

interface Program {
  readonly params: string;
  readonly body: string;
  readonly points: readonly (readonly Arg[])[];
  /** Parameters that are counts: not moved by finite differences. */
  readonly counts?: readonly number[];
  /** A smaller finite-difference step where a wider one would change how many iterations run. */
  readonly step?: number;
}

const programs: Record<string, Program> = {
  // Regression: the array's gradient under an invariant branch once ran the reverse loop a second
  // time under that branch, starting from the adjoints the first run had left.
  maximumUnderABranchBesideAnotherGradient: {
    params: 'x: number, y: number, xs: Float64Array, n: number',
    body: 'let p = x;\n  let m = -10;\n  for (let i = 0; i < n; i++) {\n    p = Math.tanh(Math.exp(-x * x));\n    if (Math.tanh(p) > 0.2) m = Math.max(m, xs[i]!);\n    else m = Math.max(m, 1.3);\n  }\n  return p * y + m;',
    points: [[0.3, -0.7, Float64Array.from([0.5, -1, 2, 0.1]), 4]],
    counts: [3],
  },
  // Regression: the reverse loop once came before its forward loop when it read none of its state.
  aSumFeedingARecurrence: {
    params: 'x: number, xs: Float64Array, n: number',
    body: 'let s = 0;\n  for (let i = 0; i < n; i++) s += 0.05 * i > xs[i]! * x ? 0.05 * i : xs[i]! * x;\n  let p = x;\n  for (let i = 0; i < n; i++) {\n    s = 3 * s + p;\n    p = xs[i]!;\n  }\n  return s;',
    points: [[0.3, Float64Array.from([0.5, -1, 2, 0.1]), 4]],
    counts: [2],
  },
  // Regression: the second of two loops on the tape once read the first one's values back (its mark
  // on the tape was taken before the first loop had run).
  twoLoopsOnTheTapeOneAfterTheOther: {
    params: 'x: number, y: number, n: number',
    body: 'let s = 0;\n  let p = x;\n  let m = -10;\n  for (let i = 0; i < n; i++) {\n    s += s + y;\n    m = Math.max(m, i * 0.1);\n  }\n  for (let i = 0; i < n; i++) p = p * x > 1.3 ? p * x : 1.3;\n  return s + p * y + m;',
    points: [[1.1, 0.4, 3], [0.9, -0.2, 5]],
    counts: [2],
  },
  tanhCell: {
    params: 'x: number, c: Float64Array',
    body: 'let acc = 0;\n  for (let i = c.length - 1; i >= 0; i--) acc = Math.tanh(acc * x + c[i]!);\n  return acc;',
    points: [[0.7, Float64Array.from([1, -2, 0.5, 3])]],
  },
  // Affine in acc: a closed form, no tape.
  horner: {
    params: 'x: number, c: Float64Array',
    body: 'let acc = 0;\n  for (let i = c.length - 1; i >= 0; i--) acc = acc * x + c[i]!;\n  return acc;',
    points: [[0.7, Float64Array.from([1, -2, 0.5, 3])]],
  },
  eulerSteps: {
    params: 'k: number, y0: number, steps: number',
    body: 'let y = y0;\n  let t = 0;\n  const h = 1 / steps;\n  for (let s = 0; s < steps; s++) {\n    y = y + h * (-k * y + Math.sin(t));\n    t += h;\n  }\n  return y * y;',
    points: [[0.8, 1.5, 20], [2.5, -0.3, 7]],
    counts: [2],
  },
  twoStateCell: {
    params: 'x: Float64Array, a: number, b: number',
    body: 'let h1 = 0;\n  let h2 = 1;\n  for (let i = 0; i < x.length; i++) {\n    const n1 = Math.tanh(a * h1 + b * h2 + x[i]!);\n    const n2 = h1 > 0 ? h2 * a : h2 - b * x[i]!;\n    h1 = n1;\n    h2 = n2;\n  }\n  return h1 + h2;',
    points: [[Float64Array.from([0.3, -0.2, 0.5]), 0.6, 0.4], [Float64Array.from([-1, 2]), -0.5, 0.9]],
  },
  swapEachIteration: {
    params: 'p: number, q: number, n: number',
    body: 'let a = p;\n  let b = q;\n  for (let i = 0; i < n; i++) {\n    const t = a;\n    a = b * 0.9;\n    b = t + Math.sin(b);\n  }\n  return a * b;',
    points: [[0.4, 1.3, 5]],
    counts: [2],
  },
  recurrenceWithAReductionBeside: {
    params: 'x: Float64Array, r: number',
    body: 'let w = 0;\n  let loss = 0;\n  for (let i = 0; i < x.length; i++) {\n    const e = x[i]! - w;\n    loss += e * e;\n    w = w + r * e;\n  }\n  return loss + w * w;',
    points: [[Float64Array.from([1, 0.5, 2, -1]), 0.3]],
  },
  continueInARecurrence: {
    params: 'x: Float64Array, g: number',
    body: 'let v = 1;\n  for (let i = 0; i < x.length; i++) {\n    if (x[i]! < 0) continue;\n    v = v * g + Math.sqrt(x[i]!);\n  }\n  return v;',
    points: [[Float64Array.from([1, -1, 4, 0.25]), 0.8]],
  },
  whileOnARunTimeCondition: {
    params: 'x: number',
    body: 'let s = x;\n  let k = 0;\n  while (s > 1) {\n    s = s / 2 + 0.01 * x;\n    k++;\n  }\n  return s * s + k;',
    points: [[7.3], [0.5], [30.7]],
  },
  doWhileBounded: {
    params: 'x: number',
    body: 'let s = x;\n  let k = 0;\n  do {\n    s = Math.sin(s) + 0.5 * x;\n    k++;\n  } while (k < 6 && s < 0.9);\n  return s;',
    points: [[0.3], [1.7]],
  },
  breakAtTheFirstCrossing: {
    params: 'x: Float64Array, t: number',
    body: 'let acc = 0;\n  for (let i = 0; i < x.length; i++) {\n    acc = acc * 0.5 + x[i]! * t;\n    if (acc > 1) break;\n  }\n  return acc;',
    points: [[Float64Array.from([0.2, 0.4, 1.5, 3]), 0.9], [Float64Array.from([0.1, 0.1]), 1.2]],
  },
  forWithoutACounter: {
    params: 'x: number, target: number',
    body: 'let v = 0.1;\n  for (; v < target; v = v * x + 0.1) {}\n  return v;',
    points: [[1.7, 5]],
  },
  batchGradientDescentOnTheLearningRate: {
    params: 'x: Float64Array, y: Float64Array, r: number, T: number',
    body: [
      'let w = 0;',
      '  let k = 0;',
      '  const M = x.length;',
      '  while (k < T) {',
      '    k++;',
      '    let d = 0;',
      '    for (let i = 0; i < M; i++) d += 2 * x[i]! * (y[i]! - x[i]! * w);',
      '    d = d / M;',
      '    if (d < 0.001) break;',
      '    else w = w + r * d;',
      '  }',
      '  let e = 0;',
      '  for (let j = 0; j < M; j++) e += (y[j]! - x[j]! * w) ** 2;',
      '  return Math.sqrt(e) / M;',
    ].join('\n'),
    points: [[Float64Array.from({ length: 20 }, (_, i) => i / 20), Float64Array.from({ length: 20 }, (_, i) => (2 * i) / 20 + 0.5 + 0.1 * Math.sin(17 * i)), 0.05, 300]],
    counts: [3],
    // The loop stops when the step gets small: a wider stencil changes the iteration it stops at.
    step: 1e-6,
  },
  forOfOverAParameter: {
    params: 'x: Float64Array, g: number',
    body: 'let acc = 0;\n  for (const v of x) acc = acc * g + v * v;\n  return acc;',
    points: [[Float64Array.from([0.5, -1, 2]), 0.7]],
  },
  recurrenceInsideABranch: {
    params: 'x: Float64Array, w: number',
    body: 'let acc = 0.1;\n  if (w > 0) {\n    for (let i = 0; i < x.length; i++) acc = Math.tanh(acc * w + x[i]!);\n  } else {\n    acc = w * w;\n  }\n  return acc * 3;',
    points: [[Float64Array.from([0.5, -1, 2]), 0.7], [Float64Array.from([0.5, -1, 2]), -0.4]],
  },
  whileInsideABranch: {
    params: 'x: number',
    body: 'let s = x;\n  if (x > 1) {\n    while (s > 1) s = Math.sqrt(s) - 0.1;\n  }\n  return s * x;',
    points: [[7.3], [0.5]],
  },
  recurrenceInACallee: {
    params: 'x: Float64Array, w: number',
    body: 'return 2 * cell(x, w) + w;',
    points: [[Float64Array.from([0.5, -1, 2]), 0.7]],
  },
  returnFromALookup: {
    params: 'xs: Float64Array, ys: Float64Array, x: number',
    body: 'for (let i = 0; i + 1 < xs.length; i++) {\n    if (x < xs[i + 1]!) {\n      const t = (x - xs[i]!) / (xs[i + 1]! - xs[i]!);\n      return ys[i]! * (1 - t) + ys[i + 1]! * t;\n    }\n  }\n  return ys[ys.length - 1]!;',
    points: [0.4, 1.7, 3.1, 5].map((x) => [Float64Array.from([0, 1, 2.5, 4]), Float64Array.from([1, 3, 2, 5]), x]),
  },
  returnFromAWhile: {
    params: 'v: Float64Array, level: number',
    body: 'let k = 0;\n  while (k < v.length) {\n    if (v[k]! * level > 1) return v[k]! * v[k]! * level;\n    k++;\n  }\n  return -level;',
    // The second point returns after the loop: its reverse loop does not run.
    points: [[Float64Array.from([0.2, 0.5, 1.5, 3]), 0.9], [Float64Array.from([0.2, 0.5, 1.5, 3]), 0.1]],
  },
  innerReductionInARecurrence: {
    params: 'X: Float64Array, d: number, lr: number',
    body: 'let w = 0.5;\n  for (let i = 0; i < X.length / d; i++) {\n    let z = 0;\n    for (let j = 0; j < d; j++) z += X[i * d + j]! * w;\n    w = w - lr * Math.tanh(z);\n  }\n  return w;',
    points: [[Float64Array.from([0.2, -0.4, 1.1, 0.3, -0.6, 0.9]), 2, 0.3]],
    counts: [1],
  },
  // Only the array has a gradient: nothing reads the adjoint state after the reverse loop.
  onlyTheArrayIsActive: {
    params: 'xs: Float64Array, n: number',
    body: 'let p = 1;\n  for (let i = 0; i < xs.length; i++) p = p * xs[i]! + 1;\n  return p * n;',
    points: [[Float64Array.from([0.5, -1.2, 2, 0.3]), 3]],
    counts: [1],
  },
  onlyTheArrayIsActiveInABranch: {
    params: 'xs: Float64Array, n: number',
    body: 'let p = 1;\n  if (n > 2) {\n    for (let i = 0; i < xs.length; i++) p = Math.sin(p * xs[i]!);\n  }\n  return p * n;',
    points: [[Float64Array.from([0.5, -1.2, 2, 0.3]), 3], [Float64Array.from([0.5, -1.2, 2, 0.3]), 1]],
    counts: [1],
  },
  // The slots of a local array the loop writes are carried like variables.
  aLocalArrayAsState: {
    params: 'x: Float64Array, g: number',
    body: 'const h = [0, 1];\n  for (let i = 0; i < x.length; i++) {\n    const a = Math.tanh(g * h[0]! + x[i]!);\n    h[1] = h[1]! * 0.5 + a;\n    h[0] = a;\n  }\n  return h[0]! + h[1]!;',
    points: [[Float64Array.from([0.3, -0.2, 0.5]), 0.6]],
  },
  aLocalArrayAsAnAccumulator: {
    params: 'x: Float64Array, w: number',
    body: 'const acc = new Float64Array(2);\n  for (const v of x) {\n    acc[0] += w * v;\n    acc[1] += v * v;\n  }\n  return acc[0]! * acc[1]!;',
    points: [[Float64Array.from([0.3, -0.2, 0.5]), 0.6]],
  },
  aLocalArrayInAWhile: {
    params: 'x: number',
    body: 'const p = [x, 0];\n  while (p[0]! > 1) {\n    p[0] = p[0]! / 2 + 0.01 * x;\n    p[1]++;\n  }\n  return p[0]! * p[0]! + p[1]!;',
    points: [[7.3], [0.5]],
  },
  // Recurrences nested in loops that only add up: the tape is filled and emptied per outer iteration.
  recurrenceInAReduction: {
    params: 'xs: Float64Array, g: number, n: number',
    body: 'let s = 0;\n  for (let j = 0; j < n; j++) {\n    let p = j * 0.1;\n    for (let i = 0; i < xs.length; i++) p = Math.tanh(p * g + xs[i]!);\n    s += p * p;\n  }\n  return s;',
    points: [[Float64Array.from([0.5, -1.2, 2, 0.3]), 0.8, 3], [Float64Array.from([0.5]), -0.4, 1]],
    counts: [2],
  },
  whileInAReduction: {
    params: 'x: Float64Array, g: number',
    body: 'let total = 0;\n  for (const v of x) {\n    let t = v * g;\n    let k = 0;\n    while (t > 0.5 && k < 30) {\n      t = t * 0.6 + 0.05 * g;\n      k++;\n    }\n    total += t * v;\n  }\n  return total;',
    points: [[Float64Array.from([0.4, 2.5, 7, 1.1]), 1.3]],
  },
  breakInAReduction: {
    params: 'x: Float64Array, t: number, m: number',
    body: 'let total = 0;\n  for (let j = 0; j < m; j++) {\n    let acc = j * 0.05;\n    for (let i = 0; i < x.length; i++) {\n      acc = acc * 0.5 + x[i]! * t;\n      if (acc > 1) break;\n    }\n    total += acc;\n  }\n  return total;',
    points: [[Float64Array.from([0.2, 0.4, 1.5, 3]), 0.9, 3]],
    counts: [2],
  },
  objectStateInAReduction: {
    params: 'x0: number, c: number, trials: number',
    body: 'let loss = 0;\n  for (let j = 0; j < trials; j++) {\n    const s = { x: x0 + j, v: 0 };\n    for (let i = 0; i < 20; i += 1 + (j % 2)) {\n      s.v -= 0.1 * (s.x + c * s.v);\n      s.x += 0.1 * s.v;\n    }\n    loss += s.x * s.x;\n  }\n  return loss;',
    points: [[0.7, 0.4, 3]],
    counts: [2],
  },
};

const names = Object.keys(programs);
const helpers = 'function cell(x: Float64Array, w: number): number {\n  let h = 0;\n  for (let i = 0; i < x.length; i++) h = Math.sin(h * w + x[i]!);\n  return h;\n}\n';
const source = prelude + helpers + names.map((name) => `/** @differentiable */\nexport function ${name}(${programs[name]!.params}): number {\n  ${programs[name]!.body}\n}\n`).join('\n');
const m = build(source);
const tape = (require(runtimeEntry) as { tape: { size: number } }).tape;

const recurrences = suite('recurrences on the tape');

for (const name of names) {
  recurrences(`${name}: gradient against finite differences, the tape left as found`, () => {
    const p = programs[name]!;
    const f = m[name] as (...a: Arg[]) => number;
    for (const at of p.points) {
      const before = tape.size;
      const gradient = m.grad(f)(...at) as (number | Float64Array)[];
      assert.is(tape.size, before, 'every value pushed is popped');
      at.forEach((arg, i) => {
        if (p.counts?.includes(i)) return;
        if (typeof arg === 'number') {
          const along = (v: number) => f(...at.map((a, j) => (j === i ? v : a)));
          assertClose(gradient[i] as number, finiteDifference(along, [arg], 0, p.step), `${name} ∂/∂arg${i}`);
          return;
        }
        for (let k = 0; k < arg.length; k++) {
          const along = (v: number) => {
            const moved = Float64Array.from(arg);
            moved[k] = v;
            return f(...at.map((a, j) => (j === i ? moved : a)));
          };
          assertClose((gradient[i] as Float64Array)[k]!, finiteDifference(along, [arg[k]!], 0, p.step), `${name} ∂/∂arg${i}[${k}]`);
        }
      });
      assertClose(m.valueAndGrad(f)(...at)[0], f(...at), `${name} value`, 1e-12, 0);
    }
  });
}

recurrences('the companion pushes the carried state going forward and pops it going back', () => {
  const js = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function cell(x: number, c: Float64Array): number {\n  ${programs.tanhCell!.body}\n}\n` }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  const gradOnly = js.slice(js.indexOf('function cell$grad'));
  // The tape is read off the runtime once per call, not at every push and pop.
  assert.match(gradOnly, /const tape = __coarsegrad\.tape;/);
  assert.is(gradOnly.split('\n}\n')[0]!.match(/__coarsegrad\.tape/g)?.length, 1);
  assert.match(gradOnly, /tape\.push\(acc\);/);
  assert.match(gradOnly, /const accThen = tape\.pop\(\);/);
  assert.match(gradOnly, /for \(let step = \w+; step > 0; step--\)/);
});

recurrences('the counter goes on the tape only when the reverse loop reads it', () => {
  const js = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function cell(x: number, c: Float64Array): number {\n  ${programs.tanhCell!.body}\n}\n` +
    `/** @differentiable */\nexport function steps(k: number, y0: number, steps: number): number {\n  let y = y0;\n  for (let s = 0; s < steps; s++) y = y - 0.1 * k * Math.sin(y);\n  return y;\n}\n` }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  const of = (name: string) => js.slice(js.indexOf(`function ${name}$grad`), js.indexOf('\n}\n', js.indexOf(`function ${name}$grad`)));
  // The cell reads c[i] going back; the Euler steps never read s.
  assert.match(of('cell'), /tape\.push\(i\d*\);/);
  assert.is(of('steps').match(/tape\.push\(/g)?.length, 1, of('steps'));
  assert.is(of('steps').match(/tape\.pop\(/g)?.length, 1, of('steps'));
});

recurrences('a counter from a constant start is recomputed going back, whatever its step', () => {
  const source = `${prelude}/** @differentiable */
export function strided(a: Float64Array, x0: number): number {
  let x = x0;
  for (let i = 1; i < a.length; i += 3) x = Math.tanh(a[i]! * x + a[i - 1]!);
  return x;
}
/** @differentiable */
export function downward(a: Float64Array, x0: number): number {
  let x = x0;
  for (let i = 7; i > 7 - a.length; i -= 2) x = Math.sin(a[i]! * x) + a[i]!;
  return x;
}
`;
  const js = compile({ 'main.ts': source }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  const of = (name: string) => js.slice(js.indexOf(`function ${name}$grad`), js.indexOf('\n}\n', js.indexOf(`function ${name}$grad`)));
  for (const name of ['strided', 'downward']) assert.not.match(of(name), /tape\.push\(i\d*\)/, of(name));
  const m = build(source);
  const a = Float64Array.from([0.3, -0.8, 0.5, 1.2, -0.4, 0.9, 0.7, -0.2]);
  for (const name of ['strided', 'downward']) {
    const [ga, gx] = m.grad(m[name])(a, 0.6) as [Float64Array, number];
    assertClose(gx, finiteDifference((v) => m[name](a, v), [0.6], 0), `${name} ∂/∂x0`);
    for (let k = 0; k < a.length; k++) {
      const along = (v: number) => m[name](Object.assign(a.slice(), { [k]: v }), 0.6);
      assertClose(ga[k]!, finiteDifference(along, [a[k]!], 0), `${name} ∂/∂a[${k}]`);
    }
  }
});

recurrences('only the state the reverse loop reads goes on the tape: x = a[i]·x + b[i] in b pushes no x', () => {
  const source = `${prelude}/** @differentiable */\nexport function affine(a: Float64Array, b: Float64Array, x0: number): number {\n  let x = x0;\n  for (let i = 0; i < b.length; i++) x = a[i]! * x + b[i]! * Math.cos(x0);\n  return x * x0;\n}\nexport const inB = grad(affine, { wrt: [1] });\n`;
  const js = compile({ 'main.ts': source }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  const of = (name: string) => js.slice(js.indexOf(`function ${name}(`), js.indexOf('\n}\n', js.indexOf(`function ${name}(`)));
  // In b alone the step's Jacobian is a[i]: the reverse loop reads the counter, not x, and the
  // counter, from 0, is the reverse step's own number: nothing goes on the tape.
  assert.is(of('affine$grad$1').match(/tape\.push\(/g)?.length ?? 0, 0, of('affine$grad$1'));
  assert.match(of('affine$grad$1'), /const i\d* = step - 1;/);
  assert.not.match(of('affine$grad$1'), /xThen/);
  // In a as well, it needs x: x goes on the tape, the counter still does not.
  assert.is(of('affine$grad').match(/tape\.push\(/g)?.length, 1, of('affine$grad'));
  const built = build(source);
  const [a, b] = [Float64Array.from([0.9, -1.2, 0.5]), Float64Array.from([0.3, 0.1, -0.7])];
  const full = built.grad(built.affine)(a, b, 0.4) as [Float64Array, Float64Array, number];
  const onlyB = built.inB(a, b, 0.4) as [Float64Array];
  assert.equal(Array.from(onlyB[0]), Array.from(full[1]));
  for (let k = 0; k < 3; k++) {
    const along = (v: number) => built.affine(a, Object.assign(b.slice(), { [k]: v }), 0.4);
    assertClose(full[1][k]!, finiteDifference(along, [b[k]!], 0), `∂/∂b[${k}]`);
  }
});

recurrences('the reverse loop’s counter never hides a name its body reads (a parameter called step)', () => {
  const m = build(`${prelude}/** @differentiable */\nexport function f(x: number, step: number, n: number): number {\n  let y = x;\n  for (let i = 0; i < n; i++) y = Math.sin(y) * step + 0.1;\n  return y;\n}\n`);
  const g = m.grad(m.f)(0.5, 0.7, 5) as number[];
  for (const i of [0, 1]) assertClose(g[i]!, finiteDifference(m.f, [0.5, 0.7, 5], i), `∂/∂arg${i}`);
});

recurrences('BGD: the inner reduction splits into invariant sums computed once, outside the while loop', () => {
  const body = programs.batchGradientDescentOnTheLearningRate!;
  const js = compile(
    { 'main.ts': `${prelude}/** @differentiable */\nexport function bgd(${body.params}): number {\n  ${body.body}\n}\nexport const dr = grad(bgd, { wrt: [2] });\n` },
    { module: ts.ModuleKind.ESNext },
  ).js['main.ts']!;
  const gradOnly = js.slice(js.indexOf('function bgd$grad$2'));
  const descent = gradOnly.slice(gradOnly.indexOf('for (;;)'), gradOnly.indexOf('for (let j'));
  const reverse = gradOnly.slice(gradOnly.indexOf('for (let step'));
  assert.ok(gradOnly.indexOf('for (let i') < gradOnly.indexOf('for (;;)'), 'the sums over i come first');
  // Neither the descent nor its reverse loop runs over the M records: O(M + K), not O(M·K).
  assert.not.match(descent, /for \(let i/, descent);
  assert.not.match(reverse.slice(0, reverse.indexOf('return')), /for \(let i/);
});

recurrences('the report names each loop’s class and why', () => {
  const printed: string[] = [];
  const log = console.log;
  console.log = (text: string) => void printed.push(text);
  try {
    compile(
      {
        'main.ts': `${prelude}/** @differentiable */\nexport function f(x: Float64Array, c: number): number {\n  let acc = 0;\n  for (let i = 0; i < x.length; i++) acc = Math.sin(acc) * c + x[i]!;\n  let s = 0;\n  for (let i = 0; i < x.length; i++) s += x[i]!;\n  let u = 1;\n  for (let k = 0; k < 3; k++) u *= c;\n  while (u > 1) u /= 2;\n  return acc + s + u;\n}\n`,
      },
      { plugin: { report: true } },
    );
  } finally {
    console.log = log;
  }
  const report = printed.join('\n');
  assert.match(report, /line 6: recurrence on the tape, carrying acc: a variable is updated from its previous value/);
  assert.match(report, /line 8: reduction of s over a run-time trip count: sums, scans and closed forms, no tape/);
  assert.match(report, /line 10: unrolled, 3 iterations: the trip count is known at compile time/);
  assert.match(report, /line 11: recurrence on the tape, carrying u: it runs while a run-time condition holds/);
});

recurrences('an affine recurrence has a closed form: no tape', () => {
  const js = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function horner(x: number, c: Float64Array): number {\n  ${programs.horner!.body}\n}\n` }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  assert.not.match(js.slice(js.indexOf('function horner$grad')), /tape/);
});

recurrences('no iterations: the gradient of the initial state passes straight through', () => {
  assert.equal(m.grad(m.horner)(0.7, new Float64Array(0)), [0, new Float64Array(0)]);
  assert.equal(m.grad(m.eulerSteps)(0.8, 1.5, 0)[1], 3);
});

recurrences.run();

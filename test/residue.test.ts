/**
 * What coarsening cannot take goes to the operation tape (DESIGN.md §1, §7): a function whose loop
 * nest or array use the coarse pipeline stops at is differentiated whole by the fine mode instead,
 * compiles without a diagnostic, says so in the report, and gets the right gradient. Each program
 * here was a TS95001 or TS95006 before; each is checked against finite differences.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose, finiteDifference } from './gradcheck.js';
import { build, compile, describeDiagnostics, prelude } from './harness.js';

interface Program {
  readonly params: string;
  readonly body: string;
  /** Top-level declarations the program needs. */
  readonly extra?: string;
  readonly points: readonly (readonly unknown[])[];
  /** Positions of the arguments to check by finite differences (numbers, or arrays element by element). */
  readonly wrt: readonly number[];
}

const programs: Record<string, Program> = {
  recurrenceInRecurrence: {
    params: 'xs: number[], n: number',
    body: 'let s = 0;\n  for (let j = 0; j < n; j++) {\n    let p = s;\n    for (let i = 0; i < xs.length; i++) p = Math.sin(p * xs[i]!);\n    s = s * 0.5 + p + xs[0]!;\n  }\n  return s;',
    points: [[[0.3, -0.5, 0.8], 4], [[1.2, 0.4], 0]],
    wrt: [0],
  },
  whileInWhile: {
    params: 'x: number',
    body: 'let s = x;\n  while (s > 1) {\n    let t = s;\n    while (t > 0.5) t = t * 0.7;\n    s = s - t;\n  }\n  return s;',
    points: [[3.1], [4.3], [0.4]],
    wrt: [0],
  },
  recurrenceInALoopKeepingAMaximum: {
    params: 'xs: number[], n: number',
    body: 'let best = -Infinity;\n  for (let j = 0; j < n; j++) {\n    let p = j * 0.1;\n    for (let i = 0; i < xs.length; i++) p = Math.tanh(p + xs[i]!);\n    best = Math.max(best, p);\n  }\n  return best;',
    points: [[[0.3, -0.5, 0.8], 5]],
    wrt: [0],
  },
  recurrenceInALoopWritingAnArray: {
    params: 'xs: number[], n: number',
    body: 'const out = new Float64Array(n);\n  for (let j = 0; j < n; j++) {\n    let p = j * 0.1;\n    for (let i = 0; i < xs.length; i++) p = Math.tanh(p + xs[i]!);\n    out[j] = p;\n  }\n  let s = 0;\n  for (let j = 0; j < n; j++) s += out[j]! * j;\n  return s;',
    points: [[[0.3, -0.5, 0.8], 5]],
    wrt: [0],
  },
  whileWithAReturnInARuntimeLoop: {
    params: 'v: number[], level: number, n: number',
    body: 'let acc = 0;\n  for (let j = 0; j < n; j++) {\n    let k = 0;\n    while (k < v.length) {\n      if (v[k]! * level > 1) return acc + level * v[k]!;\n      k++;\n    }\n    acc += level * level;\n  }\n  return acc;',
    points: [[[0.2, 0.5, 0.9], 1.5, 3], [[0.2, 0.5, 0.9], 0.8, 3]],
    wrt: [0, 1],
  },
  returnInANestedLoop: {
    params: 'x: number, n: number',
    body: 'let s = 0;\n  for (let i = 0; i < n; i++) {\n    for (let j = 0; j < 2; j++) {\n      s += x * (j + 1);\n      if (s > 3) return s * s;\n    }\n  }\n  return s;',
    points: [[0.7, 5], [0.2, 3]],
    wrt: [0],
  },
  aBranchChoosingBetweenOpaqueObjects: {
    params: 'x: number, p: { name: string }, q: { name: string }',
    body: 'const o = x > 0 ? p : q;\n  return o.name.length * x * x;',
    points: [[0.7, { name: 'ab' }, { name: 'cde' }], [-0.7, { name: 'ab' }, { name: 'cde' }]],
    wrt: [0],
  },
  aClosureChangingACapturedNumber: {
    params: 'x: number',
    body: 'let c = x;\n  const bump = () => { c = c * Math.sin(c); return c; };\n  return bump() + bump() * c;',
    points: [[0.7], [2.1]],
    wrt: [0],
  },
  aRuntimeIndexIntoALocalArray: {
    params: 'x: number, k: number',
    body: 'const a = [x, 2 * x * x, Math.exp(x)];\n  return a[k]! * a[(k + 1) % 3]!;',
    points: [[0.7, 0], [0.7, 1], [0.7, 2]],
    wrt: [0],
  },
  aHelperChangingAnObjectInARuntimeLoop: {
    params: 'x: number, n: number',
    extra: 'function bump(o: { x: number; v: number }): number {\n  o.v += o.x * o.v + 0.1;\n  return o.v;\n}',
    body: 'const s = { x, v: 0 };\n  let t = 0;\n  for (let i = 0; i < n; i++) t += bump(s);\n  return t + s.v;',
    points: [[0.7, 4], [0.3, 0]],
    wrt: [0],
  },
  aHelperWritingALocalArrayInARuntimeLoop: {
    params: 'x: number, n: number',
    extra: 'function bumpFirst(a: number[]): number {\n  a[0] = a[0]! * a[1]! + 1;\n  return a[0]!;\n}',
    body: 'const p = [x, x * x];\n  let t = 0;\n  for (let i = 0; i < n; i++) t += bumpFirst(p);\n  return t;',
    points: [[0.7, 4]],
    wrt: [0],
  },
  writingAnObjectABranchChose: {
    params: 'x: number',
    body: 'const a = { v: x };\n  const b = { v: 2 * x };\n  const o = x > 0 ? a : b;\n  o.v = o.v * o.v;\n  return a.v + 3 * b.v;',
    points: [[0.7], [-0.7]],
    wrt: [0],
  },
  aHelperReturningAnArrayChangedBetweenItsReturns: {
    params: 'x: number',
    extra: 'function pick(a: number[], c: boolean): number[] {\n  if (c) return a;\n  a[0] = a[0]! * 2;\n  return a;\n}',
    body: 'const b = pick([x, 1], x > 0);\n  return b[0]! * x;',
    points: [[0.7], [-0.7]],
    wrt: [0],
  },
  // A chain of masses stepped in time: state arrays of run-time length, updated in place by inner
  // loops inside a time loop (the way simulation code is written).
  aSpringChainSteppedInTime: {
    params: 'k: number, x0: Float64Array, steps: number',
    body: [
      'const n = x0.length;',
      'const x = Float64Array.from(x0);',
      'const v = new Float64Array(n);',
      'for (let t = 0; t < steps; t++) {',
      '    for (let i = 0; i < n; i++) {',
      '      const left = i > 0 ? x[i - 1]! : 0;',
      '      const right = i < n - 1 ? x[i + 1]! : 0;',
      '      v[i]! += 0.01 * k * (left + right - 2 * x[i]!) - 0.001 * v[i]!;',
      '    }',
      '    for (let i = 0; i < n; i++) x[i]! += 0.01 * v[i]!;',
      '  }',
      '  let e = 0;',
      '  for (const xi of x) e += xi * xi;',
      '  return e;',
    ].join('\n  '),
    points: [[1.3, Float64Array.from([0.3, -0.2, 0.5, 0.1]), 60]],
    wrt: [0, 1],
  },
  // An implicit Euler step solved by Newton's method inside every time step.
  implicitStepsSolvedByNewton: {
    params: 'a: number, y0: number, steps: number',
    body: 'let y = y0;\n  for (let t = 0; t < steps; t++) {\n    let z = y;\n    while (Math.abs(z * z * z + z - y - a) > 1e-13) z -= (z * z * z + z - y - a) / (3 * z * z + 1);\n    y = z;\n  }\n  return y;',
    points: [[0.7, 0.4, 5], [-0.3, 1.2, 2]],
    wrt: [0, 1],
  },
};

const names = Object.keys(programs);
const source =
  prelude +
  names.map((name) => `${programs[name]!.extra ?? ''}\n/** @differentiable */\nexport function ${name}(${programs[name]!.params}): number {\n  ${programs[name]!.body}\n}\n`).join('\n');

const residue = suite('the residue on the operation tape');

residue('every program compiles without a diagnostic, and the report says which went to the tape and why', () => {
  const log = console.log;
  const reports: string[] = [];
  console.log = (text: string) => void reports.push(text);
  let diagnostics: string[];
  try {
    diagnostics = describeDiagnostics(compile({ 'main.ts': source }, { plugin: { report: true } }).diagnostics);
  } finally {
    console.log = log;
  }
  assert.equal(diagnostics, []);
  for (const name of names) {
    const report = reports.find((r) => r.startsWith(`${name}:`));
    assert.ok(report !== undefined, `no report for ${name}`);
    assert.match(report!, /residue: the whole function is differentiated on the operation tape, because coarsening stopped at line \d+: /);
  }
});

const m = build(source);

for (const name of names) {
  residue(`${name}: gradient against finite differences`, () => {
    const f = m[name] as (...a: unknown[]) => number;
    for (const at of programs[name]!.points) {
      const [value, gradient] = m.valueAndGrad(f)(...at) as [number, unknown[]];
      assert.is(value, f(...at), 'the value is the primal’s, bit for bit');
      for (const i of programs[name]!.wrt) {
        const arg = at[i];
        const moved = (v: number, j?: number) => at.map((a, n) => (n !== i ? a : j === undefined ? v : Object.assign((a as Float64Array).slice(), { [j]: v })));
        const along = (j?: number) => (...xs: number[]) => f(...moved(xs[0]!, j));
        const where = `${name} at ${JSON.stringify(at, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v))}`;
        if (typeof arg === 'number') {
          assertClose(gradient[i] as number, finiteDifference(along(), [arg], 0), `${where} ∂/∂(${i})`);
        } else {
          const values = arg as ArrayLike<number>;
          assert.instance(gradient[i], Float64Array);
          for (let j = 0; j < values.length; j++) assertClose((gradient[i] as Float64Array)[j]!, finiteDifference(along(j), [values[j]!], 0), `${where} ∂/∂(${i}[${j}])`);
        }
      }
    }
  });
}

residue('what neither mode can differentiate is still the coarse diagnostic, at its position', () => {
  const result = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function f(x: number, n: number): number {\n  let s = x;\n  for (let i = 0; i < n; i++) s += Math.random() * s;\n  return s;\n}\n` });
  const lines = describeDiagnostics(result.diagnostics);
  assert.is(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /main\.ts\(6,36\): TS95002: .*draw random numbers outside/);
});

residue.run();

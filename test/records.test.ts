/**
 * Objects a marked function builds (`{ x: a, y: b }`, DESIGN.md §4): records of numbers that exist
 * only at compile time. Passed to helpers, returned from them, changed field by field in branches
 * and loops (carried field by field through a run-time loop); checked against finite differences.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { assertClose, finiteDifference } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';

const helpers = [
  'interface Vec { x: number; y: number }',
  'function add(a: Vec, b: Vec): Vec { return { x: a.x + b.x, y: a.y + b.y }; }',
  'function scale(a: Vec, k: number): Vec { return { x: a.x * k, y: a.y * k }; }',
  'function dot(a: Vec, b: Vec): number { return a.x * b.x + a.y * b.y; }',
  'function norm(v: Vec): number { return Math.hypot(v.x, v.y); }',
  'function reflect(v: Vec, wall: number): Vec {\n  if (v.x > wall) return { x: 2 * wall - v.x, y: v.y };\n  return v;\n}',
  'function clampedStep(v: Vec, d: number): Vec {\n  const w = { x: v.x + d, y: v.y };\n  if (w.x > 1) {\n    w.x = 1;\n    return w;\n  }\n  w.y = w.y * 2;\n  return w;\n}',
  '',
].join('\n');

interface Program {
  readonly params: string;
  readonly body: string;
  readonly points: readonly (readonly number[])[];
}

const programs: Record<string, Program> = {
  springBetweenTwoPoints: {
    params: 'px: number, py: number, qx: number, qy: number',
    body: 'const d = add({ x: px, y: py }, scale({ x: qx, y: qy }, -1));\n  const r = norm(d);\n  return (r - 1) ** 2 + 0.1 / r;',
    points: [[0.3, 0.5, 1.2, -0.4], [-2, 1, 0.5, 0.5]],
  },
  shorthandFields: {
    params: 'x: number, y: number',
    body: 'const p = { x, y };\n  return dot(p, p) * Math.sin(p.x);',
    points: [[0.7, -1.3]],
  },
  fieldsChangedInBranches: {
    params: 'px: number, py: number, k: number',
    body: 'const p = { x: px, y: py };\n  const q = add(p, scale(p, k));\n  if (q.x > 0) q.y = q.y * q.x;\n  else q.x += 1;\n  return dot(q, p) + Math.sin(q.y);',
    points: [[0.7, -0.4, 1.3], [-0.7, -0.4, 0.3]],
  },
  stateReplacedInAnUnrolledLoop: {
    params: 'x: number, v: number',
    body: 'let s = { x, v };\n  for (let i = 0; i < 5; i++) s = { x: s.x + 0.1 * s.v, v: s.v - 0.1 * Math.sin(s.x) };\n  return s.x * s.v;',
    points: [[0.5, 0.2]],
  },
  aPendulumStateStepped: {
    params: 'x: number, v: number, steps: number',
    body: 'const s = { x, v };\n  for (let i = 0; i < steps; i++) {\n    s.v -= 0.1 * Math.sin(s.x);\n    s.x += 0.1 * s.v;\n  }\n  return s.x * s.x + s.v;',
    points: [[0.5, 0.2, 7], [1.5, -0.3, 0]],
  },
  aBallUntilItLands: {
    params: 'vx: number, vy: number',
    body: 'const p = { x: 0, y: 1 };\n  const v = { x: vx, y: vy };\n  while (p.y > 0) {\n    v.y -= 9.81 * 0.01;\n    v.x *= 0.999;\n    p.x += v.x * 0.01;\n    p.y += v.y * 0.01;\n  }\n  return p.x + 0.3 * p.y;',
    points: [[2, 1.3]],
  },
  anObjectMadeInEachIteration: {
    params: 'x: number, w: number, n: number',
    body: 'let s = 0;\n  for (let i = 0; i < n; i++) {\n    const q = { a: x + i, b: w };\n    q.a *= q.b;\n    s += q.a * q.a;\n  }\n  return s;',
    points: [[0.3, 0.7, 4]],
  },
  aHelperReturningOneOfTwoObjects: {
    params: 'px: number, py: number',
    body: 'const p = reflect({ x: px, y: py }, 1);\n  return p.x * p.y + norm(p);',
    points: [[1.5, 0.7], [0.5, 0.7]],
  },
  anObjectReturnedAsItWasThen: {
    params: 'px: number, py: number, d: number',
    body: 'const w = clampedStep({ x: px, y: py }, d);\n  return w.x * w.y;',
    points: [[0.5, 0.7, 0.9], [0.5, 0.7, 0.2]],
  },
  aConditionalBetweenTwoObjects: {
    params: 'x: number, y: number',
    body: 'const a = { x, y };\n  const b = { y: y * y, x: -x };\n  const o = x * y > 0.2 ? a : b;\n  return o.x + 3 * o.y;',
    points: [[0.5, 0.7], [-0.5, 0.7]],
  },
  aRecordChosenByABranch: {
    params: 'x: number',
    body: 'const p = { x, y: 2 * x };\n  const o = x > 0 ? p : p;\n  o.y += x * x;\n  return p.y;',
    points: [[0.9], [-1.1]],
  },
};

/** Counts (`steps`) are not moved by finite differences: every point keeps its trip count. */
const counts: Record<string, readonly number[]> = { aPendulumStateStepped: [2], anObjectMadeInEachIteration: [2] };

const names = Object.keys(programs);
const source = prelude + helpers + names.map((name) => `/** @differentiable */\nexport function ${name}(${programs[name]!.params}): number {\n  ${programs[name]!.body}\n}\n`).join('\n');
const m = build(source);

const records = suite('objects built in a marked function');

for (const name of names) {
  records(`${name}: gradient against finite differences`, () => {
    const p = programs[name]!;
    const f = m[name] as (...a: number[]) => number;
    for (const at of p.points) {
      const gradient = m.grad(f)(...at) as number[];
      at.forEach((_, i) => {
        if (!counts[name]?.includes(i)) assertClose(gradient[i]!, finiteDifference(f, at, i), `${name} ∂/∂arg${i}`);
      });
      assertClose(m.valueAndGrad(f)(...at)[0], f(...at), `${name} value`, 1e-12, 0);
    }
  });
}

records('the object exists only at compile time: the companion builds none', () => {
  const js = compile({ 'main.ts': source }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  const companion = js.slice(js.indexOf('function springBetweenTwoPoints$grad'));
  const body = companion.slice(0, companion.indexOf('\n}\n'));
  assert.not.match(body, /[{,]\s*x:/);
  assert.not.match(body, /\.x\b|\.y\b/);
});

records.run();

/**
 * Branches through φ-calculus (DESIGN.md §5): a table of branchy programs, each checked against
 * finite differences at points on every path, and exactly where an untaken arm would give NaN.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { assertClose, assertGradient } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';

interface Program {
  readonly params?: string;
  readonly body: string;
  /** Points on every path, away from the kinks between paths. */
  readonly points: readonly (readonly number[])[];
  /** Exact gradients, above all where an untaken arm is NaN or throws. */
  readonly exact?: readonly { readonly at: readonly number[]; readonly gradient: readonly (number | undefined)[] }[];
}

const helpers = `
function softClip(u: number): number {
  if (u > 2) return 2 + Math.log(u - 1);
  if (u < -2) return -2 - Math.log(-u - 1);
  return u;
}
`;

const programs: Record<string, Program> = {
  relu: { params: 'x: number', body: 'if (x > 0) return x;\n  return 0;', points: [[2], [-1]], exact: [{ at: [0], gradient: [0] }] },
  sqrtWhenPositive: {
    params: 'x: number',
    body: 'return x > 0 ? Math.sqrt(x) : 0;',
    points: [[4], [-1]],
    exact: [{ at: [-1], gradient: [0] }, { at: [4], gradient: [0.25] }],
  },
  logOrSquare: {
    body: 'let r: number;\n  if (x > 0) r = Math.log(x) * y;\n  else r = y * y;\n  return r;',
    points: [[2, 3], [-1, 3]],
    exact: [{ at: [-1, 3], gradient: [0, 6] }],
  },
  elseIfChain: {
    params: 'x: number',
    body: 'if (x < -1) return -x * x;\n  else if (x < 0) return x;\n  else if (x < 1) return x * x * x;\n  else return Math.sin(x);',
    points: [[-2], [-0.5], [0.5], [2]],
  },
  nestedIfs: {
    body: 'if (x > 0) {\n    if (y > 0) return x * y;\n    else return x - y;\n  } else {\n    if (y > x) return Math.exp(x + y);\n    return y;\n  }',
    points: [[1, 2], [1, -2], [-1, 0.5], [-1, -2]],
  },
  earlyReturnInsideIf: {
    body: 'let a = x * 2;\n  if (a > 3) {\n    a = a * y;\n    if (y < 0) return a;\n  }\n  a += Math.cos(y);\n  return a * x;',
    points: [[2, -1], [2, 1], [1, 1], [1, -1]],
  },
  ternariesInExpressions: { body: 'return x * (y > 0 ? y : -y) + (x > y ? x - y : y - x) ** 2;', points: [[1, 2], [3, 1], [1, -2], [-3, -1]] },
  armsShareSubexpressions: {
    body: 'const s = Math.sin(x * y);\n  let r: number;\n  if (x > y) r = s * x + Math.exp(s);\n  else r = s * y - Math.exp(s);\n  return r;',
    points: [[2, 1], [1, 2]],
  },
  conditionOnComputedValue: {
    body: 'const e = Math.exp(x) - 2;\n  if (e * y > 1) return e * e;\n  return e + y;',
    points: [[2, 1], [0, 1], [2, -1]],
  },
  parametersComparedWithEachOther: { body: 'return x > y ? x * x + y : y * y - x;', points: [[3, 1], [1, 3]] },
  numericSelectors: {
    body: 'return (x && y) * 3 + (y || 2) * x;',
    points: [[2, 3], [-1, 0.5]],
    // At x = 0, `x && y` is x itself and `y || 2` is y.
    exact: [{ at: [0, 3], gradient: [6, 0] }, { at: [2, 0], gradient: [2, 3] }],
  },
  booleanLogic: { body: 'if ((x > 0 && y > 0) || x < -5) return x * y;\n  return x + y;', points: [[1, 2], [-6, 2], [-1, 2], [1, -2]] },
  negatedCondition: { body: 'if (!(x > y)) return Math.atan2(y, x);\n  return Math.hypot(x, y);', points: [[1, 2], [3, 1]] },
  maxMinAbs: { body: 'return Math.max(x, y) * Math.min(x, 2) + Math.abs(x - y);', points: [[1, 3], [3, 1], [2.5, -1]] },
  clampBySequentialIfs: { body: 'let v = x * y;\n  if (v > 1) v = 1;\n  if (v < -1) v = -1;\n  return v * x;', points: [[2, 3], [0.5, 0.5], [2, -3]] },
  earlyReturnsInACallee: {
    body: 'return softClip(x * y) + softClip(x);',
    points: [[2.5, 3], [0.5, 1], [-3, 2]],
    exact: [{ at: [0.5, 1], gradient: [2, 0.5] }],
  },
  conditionOnABooleanParameter: {
    params: 'x: number, flag: boolean',
    body: 'return flag ? x * x : -x;',
    points: [],
    exact: [{ at: [3, 1], gradient: [6, undefined] }, { at: [3, 0], gradient: [-1, undefined] }],
  },
  huber: { body: 'const r = x - y;\n  const a = Math.abs(r);\n  return a <= 1 ? 0.5 * r * r : a - 0.5;', points: [[0.3, 0.1], [3, 1], [-3, 1]] },
  assignedInOneArmOnly: { body: 'let s = x;\n  if (y > 0) s = s * y;\n  return s * s + y;', points: [[2, 3], [2, -3]] },
  nestedTernaries: {
    body: 'return x < 0 ? (y < 0 ? x * y : x + y) : y < 0 ? x - y : Math.exp(x - y);',
    points: [[-1, -2], [-1, 2], [1, -2], [1, 2]],
  },
  logOnlyWhenPositive: {
    body: 'return y > 0 ? Math.log(y) * x : x * 2;',
    points: [[2, 3], [2, -1]],
    exact: [{ at: [5, -1], gradient: [2, 0] }],
  },
  sqrtInAnElseIf: {
    body: 'if (x < 0) return 0;\n  else if (x === 0) return 1;\n  else return Math.sqrt(x) * y;',
    points: [[4, 2], [-4, 2]],
    exact: [{ at: [-4, 2], gradient: [0, 0] }, { at: [4, 2], gradient: [0.5, 2] }],
  },
  conditionAsANumber: { body: 'return +(x > y) * x * x + y;', points: [[3, 1], [1, 3]] },
  branchOnAReassignedValue: {
    body: 'let t = x;\n  t = t * t - y;\n  if (t > 0) t = Math.log(t) + 1;\n  else t = -Math.sqrt(-t);\n  return t * y;',
    points: [[3, 1], [1, 3]],
  },
};

const names = Object.keys(programs);
const source =
  prelude +
  helpers +
  names.map((name) => `/** @differentiable */\nexport function ${name}(${programs[name]!.params ?? 'x: number, y: number'}): number {\n  ${programs[name]!.body}\n}\n`).join('\n');
const m = build(source);

const branches = suite('branches');

for (const name of names) {
  const p = programs[name]!;
  branches(`${name}: finite differences on every path, and exact values`, () => {
    const f = m[name] as (...a: number[]) => number;
    for (const at of p.points) assertGradient(f, m.grad(f)(...at), at, name);
    for (const { at, gradient } of p.exact ?? []) {
      const got = m.grad(f)(...at) as (number | undefined)[];
      gradient.forEach((expected, i) => {
        if (expected === undefined) assert.is(got[i], undefined, `${name} ∂/∂x${i} is undefined`);
        else assertClose(got[i]!, expected, `${name} ∂/∂x${i} at (${at.join(', ')})`, 1e-15, 0);
      });
      const [value] = m.valueAndGrad(f)(...at);
      assert.is(value, f(...at), `${name} value at (${at.join(', ')})`);
    }
  });
}

branches('the value from valueAndGrad is the primal value on every path', () => {
  for (const name of names) {
    const f = m[name] as (...a: number[]) => number;
    for (const at of programs[name]!.points) assertClose(m.valueAndGrad(f)(...at)[0], f(...at), `${name} at (${at.join(', ')})`, 1e-12, 0);
  }
});

const laziness = suite('laziness');

laziness('an untaken arm is never evaluated, in the forward or the reverse sweep', () => {
  // The arm reads a field that only exists when the arm is taken: evaluating it would throw.
  const lazy = build(`${prelude}
export class Lens {
  ready = false;
  table: { k: number } = undefined as never;

  @differentiable
  focus(x: number): number {
    return this.ready && x > 0 ? this.table.k * Math.sqrt(x) : x * 2;
  }
}
`);
  const lens = new lazy.Lens();
  assert.equal(lazy.grad(lens.focus).call(lens, -1), [2]);
  assert.equal(lazy.grad(lens.focus).call(lens, 4), [2]);
  lens.ready = true;
  lens.table = { k: 3 };
  assert.equal(lazy.grad(lens.focus).call(lens, 4), [0.75]);
  assert.equal(lazy.valueAndGrad(lens.focus).call(lens, -4), [-8, [2]]);
});

laziness('the companion of a branch is an if/else, with no arithmetic masking', () => {
  const js = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function f(x: number, y: number): number {\n  let r: number;\n  if (x > 0) r = Math.log(x) * y;\n  else r = y * y;\n  return r;\n}\n` }, { module: ts.ModuleKind.ESNext }).js['main.ts']!;
  const both = js.slice(js.indexOf('function f$valueAndGrad'), js.indexOf('function f$grad'));
  const gradOnly = js.slice(js.indexOf('function f$grad'));
  // The condition is computed once, and the arms are an if/else or a conditional expression.
  assert.match(both, /const c = x > 0;/);
  assert.match(both, /if \(c\) \{[^}]*Math\.log\(x\)[^}]*\}\s*else \{/);
  assert.match(gradOnly, /= c \? Math\.log\(x\) : 2 \* y;/);
  assert.match(gradOnly, /= c \? y \/ x : 0;/);
  for (const code of [both, gradOnly]) assert.not.match(code, /\* 0\b|\b0 \*|\* c\b|\bc \*/);
});

branches.run();
laziness.run();

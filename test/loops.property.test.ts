/**
 * A property test: random programs of run-time loops (sums, maxima, recurrences, branches inside
 * them, nested constant loops, a small local array written at run-time indices), their gradients
 * compared between the coarse mode and the fine mode (`harness.ts` compares every gradient a test
 * asks for). The two modes share nothing but the rule table, so a disagreement is a bug in one of
 * them; five such bugs in the coarse mode were found this way and are regression tests elsewhere.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build, crossCheckedCount, prelude } from './harness.js';

const leaf = fc.constantFrom('x', 'y', 's', 'p', 'xs[i]!', '0.5', '1.3', 'i * 0.1');

function expression(depth: number): fc.Arbitrary<string> {
  if (depth === 0) return leaf;
  const sub = expression(depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 3, arbitrary: fc.tuple(sub, fc.constantFrom('+', '-', '*'), sub).map(([a, op, b]) => `(${a} ${op} ${b})`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('Math.sin(#)', 'Math.tanh(#)', 'Math.exp(-(#) * (#))'), sub).map(([t, a]) => t.replaceAll('#', a)) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(${a} > ${b} ? ${a} : ${b})`) },
  );
}

/** One statement of a loop body over `i`. */
function statement(depth: number): fc.Arbitrary<string> {
  const e1 = expression(1);
  const e2 = expression(2);
  const simple = fc.oneof(
    { weight: 3, arbitrary: e2.map((e) => `s += ${e};`) },
    { weight: 2, arbitrary: e2.map((e) => `p = ${e};`) },
    { weight: 1, arbitrary: e1.map((e) => `a[i % 3] = ${e}; s += a[(i + 1) % 3]!;`) },
    { weight: 1, arbitrary: e1.map((e) => `m = Math.max(m, ${e});`) },
  );
  if (depth === 0) return simple;
  const inner = statement(depth - 1);
  return fc.oneof(
    { weight: 4, arbitrary: simple },
    { weight: 1, arbitrary: fc.tuple(e1, inner, inner).map(([c, a, b]) => `if (${c} > 0.2) { ${a} } else { ${b} }`) },
    { weight: 1, arbitrary: inner.map((a) => `for (let j = 0; j < 2; j++) { ${a} }`) },
  );
}

const loop = fc.tuple(statement(1), statement(1)).map(([a, b]) => `for (let i = 0; i < n; i++) { ${a} ${b} }`);
const program = fc.array(loop, { minLength: 1, maxLength: 2 }).map((loops) =>
  ['let s = 0;', 'let p = x;', 'let m = -10;', 'const a = [x, y, 0];', ...loops, 'return s + p * y + m + a[0]! * a[2]!;'].join('\n  '),
);

const bodies = fc.sample(program, { numRuns: 150, seed: 20261126 });
const m = build(prelude + bodies.map((body, i) => `/** @differentiable */\nexport function q${i}(x: number, y: number, xs: number[], n: number): number {\n  ${body}\n}\n`).join('\n'));

test('random loop programs: the coarse and the fine gradients agree', () => {
  const before = crossCheckedCount();
  const points: [number, number, number[], number][] = [
    [0.3, -0.7, [0.5, -1, 2, 0.1], 4],
    [1.1, 0.4, [0.2, 0.3, -0.4, 0.9], 3],
    [-0.6, 0.9, [1.5, 0.2, -0.3, 0.8, -1.1], 5],
  ];
  bodies.forEach((body, i) => {
    for (const at of points) {
      try {
        m.grad(m[`q${i}`])(...at);
      } catch (error) {
        assert.unreachable(`q${i} at ${JSON.stringify(at)}:\n  ${body}\n${error instanceof Error ? error.message : String(error)}`);
      }
    }
  });
  assert.is(crossCheckedCount() - before, bodies.length * points.length);
});

test.run();

/**
 * A property test: random straight-line-plus-branch programs, compiled through the plugin and
 * gradient-checked against finite differences away from the kinks where a branch flips.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { finiteDifference } from './gradcheck.js';
import { build, prelude } from './harness.js';

/** An expression over `vars`, of bounded depth, finite for inputs of moderate size. */
function expression(vars: readonly string[], depth: number): fc.Arbitrary<string> {
  const leaf = fc.oneof(fc.constantFrom(...vars), fc.integer({ min: -20, max: 20 }).map((k) => String(k / 10)));
  if (depth === 0) return leaf;
  const sub = expression(vars, depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 3, arbitrary: fc.tuple(sub, fc.constantFrom('+', '-', '*'), sub).map(([a, op, b]) => `(${a} ${op} ${b})`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('Math.sin(#)', 'Math.cos(#)', 'Math.tanh(#)', 'Math.atan(#)', 'Math.exp(Math.sin(#))', 'Math.sqrt(1 + # * #)', '# / (1 + # * #)'), sub)
        .map(([template, a]) => template.replaceAll('#', a)),
    },
    { weight: 1, arbitrary: fc.tuple(condition(vars, depth - 1), sub, sub).map(([c, a, b]) => `(${c} ? ${a} : ${b})`) },
  );
}

function condition(vars: readonly string[], depth: number): fc.Arbitrary<string> {
  const comparison = fc.tuple(expression(vars, depth), fc.constantFrom('<', '>', '<=', '>='), expression(vars, depth)).map(([a, op, b]) => `${a} ${op} ${b}`);
  return fc.oneof(
    { weight: 4, arbitrary: comparison },
    { weight: 1, arbitrary: comparison.map((c) => `!(${c})`) },
    { weight: 1, arbitrary: fc.tuple(comparison, fc.constantFrom('&&', '||'), comparison).map(([a, op, b]) => `(${a}) ${op} (${b})`) },
  );
}

/** `let a = ..; let b = ..; if (..) {..} else {..}; [if (..) ..;] return ..;` with an optional early return. */
const program: fc.Arbitrary<string> = fc
  .tuple(
    expression(['x', 'y', 'z'], 2),
    expression(['x', 'y', 'z', 'a'], 2),
    condition(['x', 'y', 'a', 'b'], 1),
    expression(['x', 'z', 'a', 'b'], 2),
    fc.option(expression(['y', 'a', 'b'], 2), { nil: undefined }),
    expression(['x', 'y', 'a', 'b'], 2),
    fc.option(fc.tuple(condition(['y', 'z', 'a', 'b'], 1), expression(['x', 'a', 'b'], 2)), { nil: undefined }),
    expression(['x', 'y', 'z', 'a', 'b'], 2),
  )
  .map(([ea, eb, c1, thenA, early, elseB, second, result]) =>
    [
      `let a = ${ea};`,
      `let b = ${eb};`,
      `if (${c1}) {`,
      `  a = ${thenA};`,
      ...(early !== undefined ? [`  if (a > b) return ${early};`] : []),
      `} else {`,
      `  b = ${elseB};`,
      `}`,
      ...(second !== undefined ? [`if (${second[0]}) b = ${second[1]};`] : []),
      `return ${result};`,
    ].join('\n  '),
  );

const bodies = fc.sample(program, { numRuns: 40, seed: 20261126 });
const m = build(prelude + bodies.map((body, i) => `/** @differentiable */\nexport function p${i}(x: number, y: number, z: number): number {\n  ${body}\n}\n`).join('\n'));

test('random branchy programs: gradients agree with finite differences away from kinks', () => {
  let checked = 0;
  let skipped = 0;
  const coordinate = fc.integer({ min: -150, max: 150 }).map((k) => k / 100);
  fc.assert(
    fc.property(fc.nat(bodies.length - 1), coordinate, coordinate, coordinate, (i, x, y, z) => {
      const f = m[`p${i}`] as (...a: number[]) => number;
      const at = [x, y, z];
      const value = f(...at);
      if (!Number.isFinite(value)) {
        skipped++;
        return;
      }
      const [companionValue, gradient] = m.valueAndGrad(f)(...at) as [number, number[]];
      assert.ok(Math.abs(companionValue - value) <= 1e-12 * Math.max(1, Math.abs(value)), `p${i} value at (${at}): ${companionValue} vs ${value}\n${bodies[i]}`);
      for (let k = 0; k < 3; k++) {
        // Two step sizes that disagree mean a branch flips inside the stencil: a kink, not a bug.
        const coarse = finiteDifference(f, at, k);
        const halfStep = finiteDifferenceWithStep(f, at, k, 2.5e-4);
        if (!Number.isFinite(coarse) || Math.abs(coarse - halfStep) > 1e-6 * (1 + Math.abs(coarse))) {
          skipped++;
          continue;
        }
        checked++;
        assert.ok(
          Math.abs(gradient[k]! - halfStep) <= 1e-6 * (1 + Math.abs(halfStep)),
          `p${i} ∂/∂${'xyz'[k]} at (${at}): ${gradient[k]} vs ${halfStep}\n${bodies[i]}`,
        );
      }
    }),
    { numRuns: 400, seed: 7 },
  );
  // The check must have had something to check.
  assert.ok(checked > 5 * skipped, `only ${checked} checks against ${skipped} skipped`);
});

function finiteDifferenceWithStep(f: (...a: number[]) => number, at: readonly number[], k: number, h: number): number {
  const moved = (d: number) => f(...at.map((v, j) => (j === k ? v + d : v)));
  return (-moved(2 * h) + 8 * moved(h) - 8 * moved(-h) + moved(-2 * h)) / (12 * h);
}

test.run();

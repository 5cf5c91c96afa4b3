/**
 * Segments of interest on small graphs (DESIGN.md §6): chains of single-use values merge into one
 * segment, reused values are cut, and the size limit holds; and the guard of Algebrite's
 * simplification, which must refuse a simplification that changes the value.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Graph, operationCount, show, type Node } from '../transformer/coarse/ir.js';
import { newStats, read, simplifyGuarded, simplifyOptions } from '../transformer/coarse/simplify.js';
import { segmentsOfInterest } from '../transformer/coarse/soi.js';
import { build, compile, prelude } from './harness.js';

const segments = suite('segments of interest');

/** Each segment as `root [size] <- inputs`, in order. */
function partition(roots: readonly Node[], limit?: number): string[] {
  return segmentsOfInterest(roots, () => true, limit).segments.map((s) => `${show(s.root)} [${s.nodes.length}] <- ${s.inputs.map((n) => show(n)).join(', ')}`);
}

segments('a chain of single-use values is one segment', () => {
  const g = new Graph();
  const x = g.param(0, 'x');
  const y = g.param(1, 'y');
  const out = g.call('exp', g.call('sin', g.mul(g.add(x, y), g.constant(3))));
  assert.equal(partition([out]), ['Math.exp(Math.sin((3 * (x + y)))) [4] <- x, y']);
});

segments('a value used twice is cut: it is computed once and its own segment', () => {
  const g = new Graph();
  const x = g.param(0, 'x');
  const y = g.param(1, 'y');
  const s = g.add(x, y);
  const out = g.mul(g.call('sin', s), g.call('cos', s));
  assert.equal(partition([out]), ['(x + y) [1] <- x, y', '(Math.sin((x + y)) * Math.cos((x + y))) [3] <- (x + y)']);
});

segments('the size limit holds: a large tree is cut at its largest subtrees', () => {
  const g = new Graph();
  const p = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => g.param(i, `x${i}`));
  // A balanced tree of 7 additions over 8 inputs, under a sin: 8 operations, every value used once.
  const level1 = [0, 2, 4, 6].map((i) => g.mul(p[i]!, p[i + 1]!));
  const level2 = [g.add(level1[0]!, level1[1]!), g.add(level1[2]!, level1[3]!)];
  const out = g.call('sin', g.add(level2[0]!, level2[1]!));
  assert.equal(partition([out], Infinity).length, 1, 'without a limit, one segment');
  for (const limit of [1, 2, 3, 5, 8]) {
    const cut = segmentsOfInterest([out], () => true, limit).segments;
    for (const s of cut) assert.ok(s.nodes.length <= limit, `limit ${limit}: a segment of ${s.nodes.length}`);
    assert.is(cut.reduce((n, s) => n + s.nodes.length, 0), 8, `limit ${limit}: every operation in exactly one segment`);
  }
  // With 3: each half (3 operations) is cut off, leaving the root's sum and sin.
  assert.equal(partition([out], 3), [
    '((x0 * x1) + (x2 * x3)) [3] <- x0, x1, x2, x3',
    '((x4 * x5) + (x6 * x7)) [3] <- x4, x5, x6, x7',
    'Math.sin((((x0 * x1) + (x2 * x3)) + ((x4 * x5) + (x6 * x7)))) [2] <- ((x0 * x1) + (x2 * x3)), ((x4 * x5) + (x6 * x7))',
  ]);
});

segments('any limit gives the same gradients: cuts only name values, they never change them', () => {
  const source = `${prelude}/** @differentiable */\nexport function f(a: number, b: number, c: number): number {\n  return Math.sin(a * b + c * Math.exp(a - b)) * Math.log(1 + a * a + b * b * c * c) + Math.tanh(a * b * c);\n}\n`;
  const at = [0.3, -0.7, 1.1];
  const wide = build(source, { plugin: { segmentLimit: 1000 } });
  const expected = wide.grad(wide.f)(...at) as number[];
  for (const segmentLimit of [1, 2, 4, 8]) {
    const m = build(source, { plugin: { segmentLimit } });
    (m.grad(m.f)(...at) as number[]).forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) <= 1e-13 * Math.max(1, Math.abs(expected[i]!)), `limit ${segmentLimit}, ∂/∂${i}: ${g} vs ${expected[i]}`));
  }
});

segments('an invalid segmentLimit is a diagnostic on the plugin entry', () => {
  const result = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function f(x: number): number { return x; }\n` }, { plugin: { segmentLimit: 0 } });
  assert.ok(result.pluginDiagnostics.some((d) => d.code === 95008 && /segmentLimit/.test(String(d.messageText))));
});

const guard = suite('simplification by Algebrite, guarded');

/** `(x·y + x·z) / x`, which simplifies to `y + z`. */
function quotient(g: Graph): Node {
  const [x, y, z] = [g.param(0, 'x'), g.param(1, 'y'), g.param(2, 'z')];
  return g.div(g.add(g.mul(x, y), g.mul(x, z)), x);
}

guard('a simplification that agrees at random points and is smaller is kept', () => {
  const g = new Graph();
  const stats = newStats();
  const simplified = simplifyGuarded(g, quotient(g), { ...simplifyOptions(), minOperations: 1 }, stats);
  assert.is(show(simplified), '(y + z)');
  assert.equal([stats.tried, stats.accepted, stats.rejected], [1, 1, 0]);
});

guard('a wrong simplification is refused: the original is kept', () => {
  const g = new Graph();
  const stats = newStats();
  const original = quotient(g);
  // A simplifier with a bug: it drops the second term.
  const wrong = { ...simplifyOptions(), minOperations: 1, simplifier: () => 'v1' };
  assert.is(simplifyGuarded(g, original, wrong, stats), original);
  assert.equal([stats.tried, stats.accepted, stats.rejected], [1, 0, 1]);
});

guard('an identity that fails off a set of measure zero is refused too', () => {
  const g = new Graph();
  const stats = newStats();
  const x = g.param(0, 'x');
  // sqrt(x²) is |x|, not x: a simplifier that says x is wrong for every negative x.
  const original = g.call('sqrt', g.mul(x, x));
  const careless = { ...simplifyOptions(), minOperations: 1, simplifier: () => 'v0' };
  assert.is(simplifyGuarded(g, original, careless, stats), original);
  assert.is(stats.rejected, 1);
});

guard('what Algebrite writes is read back, and what is not understood is left alone', () => {
  const g = new Graph();
  const [x, y] = [g.param(0, 'x'), g.param(1, 'y')];
  assert.is(show(read(g, '3*v1/(2*v0^(1/2))', [x, y])!), '((3 * y) / (2 * Math.sqrt(x)))');
  assert.is(show(read(g, '-exp(v0+v1)', [x, y])!), '-Math.exp((x + y))');
  assert.is(read(g, 'besselj(v0,2)', [x, y]), undefined);
  assert.is(read(g, 'v0+', [x, y]), undefined);
  assert.is(read(g, 'v7', [x, y]), undefined);
});

guard('with the option on, a build simplifies what it can and reports it; the gradient is unchanged', () => {
  const source = `${prelude}/** @differentiable */\nexport function f(x: number, y: number, z: number): number {\n  return Math.exp((x * y + x * z) / x) * y;\n}\n`;
  const log = console.log;
  const reports: string[] = [];
  console.log = (text: string) => void reports.push(text);
  try {
    compile({ 'main.ts': source }, { plugin: { algebrite: true, report: true } });
  } finally {
    console.log = log;
  }
  assert.match(reports.join('\n'), /Algebrite: \d+ partials tried, [1-9]\d* simplified, 0 refused by the guard/);
  const plain = build(source);
  const simplified = build(source, { plugin: { algebrite: true } });
  const at = [0.7, 0.2, -0.4];
  (simplified.grad(simplified.f)(...at) as number[]).forEach((g, i) => {
    const expected = (plain.grad(plain.f)(...at) as number[])[i]!;
    assert.ok(Math.abs(g - expected) <= 1e-13 * Math.max(1, Math.abs(expected)), `∂/∂${i}: ${g} vs ${expected}`);
  });
});

guard('the budget bounds the time: past it, nothing more is tried', () => {
  const g = new Graph();
  const stats = newStats();
  const spent = simplifyOptions();
  spent.budget.spentMs = spent.budget.limitMs;
  const original = quotient(g);
  assert.is(simplifyGuarded(g, original, { ...spent, minOperations: 1 }, stats), original);
  assert.is(stats.tried, 0);
  assert.ok(operationCount([original]) === 4);
});

segments.run();
guard.run();

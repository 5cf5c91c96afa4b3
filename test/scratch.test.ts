/**
 * Scratch arrays (issue 12, item 2): an array of run-time length that each iteration of a run-time
 * loop writes whole before reading it (gmm's per-point `beta[k]`) is coarsened, the iteration's
 * reads folded over its own writes. Where an iteration could read what an earlier one left (a read
 * before the write, a write that does not cover the array, a read after the loop), the coarse mode
 * hands the function to the tape instead. Each program in both modes (`build` compares them),
 * against 5-point finite differences.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAtPoint, type TableProgram } from './gradcheck.js';
import { build, compile, prelude } from './harness.js';

const scratch = suite('arrays rewritten in every iteration');

const programs: Record<string, TableProgram & { readonly coarse: boolean }> = {
  'a mixture likelihood: per point, one score per component, then their log-sum-exp': {
    name: 'mixture',
    coarse: true,
    source: `/** @differentiable */
export function mixture(w: Float64Array, mu: Float64Array, x: Float64Array): number {
  const K = w.length;
  const score = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    for (let k = 0; k < K; k++) score[k] = w[k]! - 0.5 * (x[i]! - mu[k]!) ** 2;
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, score[k]!);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(score[k]! - m);
    total += m + Math.log(s);
  }
  return total;
}`,
    points: [[Float64Array.from([0.1, -0.3, 0.5]), Float64Array.from([-1, 0.5, 2]), Float64Array.from([0.3, 1.7, -0.4, 2.2])]],
  },
  'a read of the previous iteration before the write: on the tape': {
    name: 'carried',
    coarse: false,
    source: `/** @differentiable */
export function carried(w: Float64Array, x: Float64Array): number {
  const K = w.length;
  const h = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    total += h[0]! * x[i]!;
    for (let k = 0; k < K; k++) h[k] = Math.tanh(w[k]! * x[i]! + 0.1 * k);
  }
  return total;
}`,
    points: [[Float64Array.from([0.5, -1, 2]), Float64Array.from([0.3, 1.1, -0.7])]],
  },
  'a write covering part of the array: on the tape': {
    name: 'partial',
    coarse: false,
    source: `/** @differentiable */
export function partial(w: Float64Array, x: Float64Array): number {
  const K = w.length;
  const h = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    for (let k = 0; k < K - 1; k++) h[k] = w[k]! * x[i]!;
    for (let k = 0; k < K; k++) total += h[k]! * h[k]!;
  }
  return total;
}`,
    points: [[Float64Array.from([0.5, -1, 2]), Float64Array.from([0.3, 1.1, -0.7])]],
  },
  'a read after the loop: on the tape': {
    name: 'after',
    coarse: false,
    source: `/** @differentiable */
export function after(w: Float64Array, x: Float64Array): number {
  const K = w.length;
  const h = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    for (let k = 0; k < K; k++) h[k] = Math.sin(w[k]! * x[i]!);
    total += h[K - 1]!;
  }
  return total + h[0]! * 3;
}`,
    points: [[Float64Array.from([0.5, -1, 2]), Float64Array.from([0.3, 1.1, -0.7])]],
  },
};

for (const [title, p] of Object.entries(programs)) {
  scratch(title, () => {
    const source = `${prelude}${p.source}\n`;
    const m = build(source);
    for (const at of p.points) checkAtPoint(m.valueAndGrad, m[p.name], at, p, title);
    const js = compile({ 'main.ts': source }, { plugin: {} }).js['main.ts']!;
    const companion = js.slice(js.indexOf(`function ${p.name}$grad`), js.indexOf('\n}\n', js.indexOf(`function ${p.name}$grad`)));
    // Coarsened: no operation tape.
    assert.is(!/operations/.test(companion), p.coarse, companion);
  });
}

scratch.run();

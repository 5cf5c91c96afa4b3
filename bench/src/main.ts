/**
 * Runs every problem's primal, coarsegrad gradient and hand-written gradient interleaved in one
 * process after warm-up, and prints medians (min, max) per call and the ratios that matter.
 */
import { problems, type Problem } from './problems.js';

const inputs = 1024;
const callsPerBatch = 200_000;
const quick = process.argv.includes('--quick');
const batches = quick ? 7 : 25;

let sink = 0;

type Batch = (f: Function, points: number[][]) => number;

/**
 * A batch loop of its own for each problem and variant, so that every call site stays monomorphic
 * as in a real program, and arguments are passed one by one, not spread.
 */
function makeBatch(arity: number, pick: string): Batch {
  const args = Array.from({ length: arity }, (_, i) => `a[${i}]`).join(', ');
  return new Function(
    'f',
    'points',
    `let s = 0;\nfor (let k = 0; k < ${callsPerBatch}; k++) {\n  const a = points[k & ${inputs - 1}];\n  s += f(${args})${pick};\n}\nreturn s;`,
  ) as Batch;
}

function timeBatch(batch: Batch, f: Function, points: number[][]): number {
  const start = process.hrtime.bigint();
  sink += batch(f, points);
  return Number(process.hrtime.bigint() - start) / callsPerBatch;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function check(p: Problem, points: number[][]): void {
  for (const at of points.slice(0, 16)) {
    const c = p.coarse(...at) as number[];
    const h = p.hand(...at);
    h.forEach((expected, i) => {
      if (Math.abs(c[i]! - expected) > 1e-9 * Math.max(1, Math.abs(expected))) {
        throw new Error(`${p.name}: coarsegrad ∂/∂x${i} = ${c[i]} but hand-written = ${expected} at (${at.join(', ')})`);
      }
    });
  }
}

const variants = ['primal', 'coarsegrad', 'hand-written'] as const;
type Variant = (typeof variants)[number];

const rows: string[] = [];
for (const p of problems) {
  const points = Array.from({ length: inputs }, (_, k) => p.point(((k * 0.6180339887) % 1)));
  check(p, points);
  const arity = p.primal.length;
  const functions: Record<Variant, Function> = { primal: p.primal, coarsegrad: p.coarse, 'hand-written': p.hand };
  const runners: Record<Variant, Batch> = {
    primal: makeBatch(arity, ''),
    coarsegrad: makeBatch(arity, '[0]'),
    'hand-written': makeBatch(arity, '[0]'),
  };
  const times: Record<Variant, number[]> = { primal: [], coarsegrad: [], 'hand-written': [] };
  for (let warm = 0; warm < 3; warm++) for (const v of variants) timeBatch(runners[v], functions[v], points);
  for (let b = 0; b < batches; b++) for (const v of variants) times[v].push(timeBatch(runners[v], functions[v], points));
  const m = (v: Variant) => median(times[v]);
  const cell = (v: Variant) => `${m(v).toFixed(1)} (${Math.min(...times[v]).toFixed(1)}–${Math.max(...times[v]).toFixed(1)})`;
  rows.push(
    `| ${p.name} | ${cell('primal')} | ${cell('coarsegrad')} | ${cell('hand-written')} | ${(m('coarsegrad') / m('primal')).toFixed(2)} | ${(m('coarsegrad') / m('hand-written')).toFixed(2)} |`,
  );
}

console.log(`ns per call, median (min–max) of ${batches} batches of ${callsPerBatch} calls, node ${process.version}\n`);
console.log('| problem | primal | coarsegrad gradient | hand-written gradient | gradient / primal | coarsegrad / hand-written |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
if (sink === 42) console.log('');

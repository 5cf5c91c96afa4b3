/**
 * Runs every problem's primal, coarsegrad gradient, fine-grained gradient and hand-written gradient
 * interleaved in one process after warm-up, and prints medians (min, max) per call and the ratios
 * that matter.
 */
import * as path from 'node:path';
import { problems, type Arg, type GradientEntry, type Problem } from './problems.js';

/**
 * The same problems built in the fine-grained mode (bench/tsconfig.fine.json): there, `grad(f)`
 * is the operator-level companion, the baseline that coarsening is measured against.
 */
const fineProblems = (require(path.join(__dirname, '..', 'out-fine', 'problems.js')) as { problems: readonly Problem[] }).problems;

/** Calls per batch for problems of a few numbers; larger problems run fewer (see `callsFor`). */
const maxCallsPerBatch = 200_000;
/** A batch of a larger problem runs as many calls as take about this long (at least one). */
const batchTargetNs = 25e6;
const quick = process.argv.includes('--quick');
/** `--only <text>`: run only the problems whose name contains <text>. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const batches = quick ? 7 : 25;

let sink = 0;

type Batch = (f: Function, inputs: readonly (readonly Arg[])[], calls: number) => number;

/**
 * A batch loop of its own for each problem and variant, so that every call site stays monomorphic
 * as in a real program, and arguments are passed one by one, not spread. `pick` reads one number
 * out of the result for the sink: '' for a value, '[0]' for a gradient's first entry when it is a
 * number, '[0][0]' when it is an array. The timed loops have their number of calls written in as a
 * constant; the trial loops that choose it take it as an argument.
 */
function makeBatch(arity: number, count: number, pick: string, calls?: number): Batch {
  const args = Array.from({ length: arity }, (_, i) => `a[${i}]`).join(', ');
  return new Function(
    'f',
    'inputs',
    'calls',
    `let s = 0;\nfor (let k = 0; k < ${calls ?? 'calls'}; k++) {\n  const a = inputs[k & ${count - 1}];\n  s += f(${args})${pick};\n}\nreturn s;`,
  ) as Batch;
}

function timeBatch(batch: Batch, f: Function, inputs: readonly (readonly Arg[])[], calls: number): number {
  const start = process.hrtime.bigint();
  sink += batch(f, inputs, calls);
  return Number(process.hrtime.bigint() - start) / calls;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function describe(at: readonly Arg[]): string {
  return at.map((a) => (typeof a === 'number' ? String(a) : `Float64Array(${a.length})`)).join(', ');
}

/**
 * Compares coarsegrad's gradient with the hand-written one, every entry and every element of an
 * array entry, to 1e-9 relative (absolute below 1), at up to 16 of the inputs.
 */
function check(p: Problem, inputs: readonly (readonly Arg[])[], gradient: Problem['coarse'] = p.coarse, mode = 'coarsegrad'): void {
  const close = (got: number, expected: number, what: string, at: readonly Arg[]) => {
    // Written so that a NaN fails too.
    if (!(Math.abs(got - expected) <= 1e-9 * Math.max(1, Math.abs(expected)))) {
      throw new Error(`${p.name} ${p.size}: ${mode} ${what} = ${got} but hand-written = ${expected} at (${describe(at)})`);
    }
  };
  for (const at of inputs.slice(0, 16)) {
    const c = gradient(...at);
    const h = p.hand(...at);
    if (c.length !== h.length) throw new Error(`${p.name} ${p.size}: ${mode} gives ${c.length} gradient entries, hand-written ${h.length}`);
    h.forEach((expected: GradientEntry, i) => {
      const got = c[i];
      if (typeof expected === 'number') {
        close(got as number, expected, `∂/∂arg${i}`, at);
      } else if (expected instanceof Float64Array) {
        if (!(got instanceof Float64Array) || got.length !== expected.length) {
          throw new Error(`${p.name} ${p.size}: ${mode} ∂/∂arg${i} is not a Float64Array(${expected.length})`);
        }
        for (let k = 0; k < expected.length; k++) close(got[k]!, expected[k]!, `∂/∂arg${i}[${k}]`, at);
      } else if (got !== undefined) {
        throw new Error(`${p.name} ${p.size}: ${mode} ∂/∂arg${i} = ${got}, hand-written has none`);
      }
    });
  }
}

/** Calls per batch: 200,000 for cheap functions, fewer when a call of the slowest variant is costly. */
function callsFor(slowestNs: number): number {
  return Math.max(1, Math.min(maxCallsPerBatch, Math.round(batchTargetNs / slowestNs)));
}

/** A time per call with a unit that suits it. */
function unitFor(ns: number): [string, number] {
  if (ns < 1e3) return ['ns', 1];
  if (ns < 1e6) return ['µs', 1e3];
  return ['ms', 1e6];
}

const variants = ['primal', 'coarsegrad', 'fine', 'hand-written'] as const;
type Variant = (typeof variants)[number];

const rows: string[] = [];
const batchSizes: string[] = [];
const failures: string[] = [];
for (const [index, p] of problems.entries()) {
  if (quick && p.sizeIndex > 0) continue;
  if (only !== undefined && !p.name.includes(only)) continue;
  const inputs = p.inputs();
  const count = inputs.length;
  if (count === 0 || (count & (count - 1)) !== 0) throw new Error(`${p.name} ${p.size}: ${count} inputs, not a power of two`);
  // A gradient that disagrees with the hand-written one is not timed: the row says so, the other
  // problems still run, and the bench exits non-zero at the end.
  const fine = fineProblems[index]!;
  if (fine.name !== p.name || fine.size !== p.size) throw new Error(`bench: out-fine/ lists ${fine.name} ${fine.size} where out/ lists ${p.name} ${p.size}; rebuild`);
  try {
    check(p, inputs);
    check(p, inputs, fine.coarse, 'fine-grained');
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
    rows.push(`| ${p.name} | ${p.size || '—'} | not timed: gradient check failed (below) | | | | | | |`);
    continue;
  }
  const arity = p.primal.length;
  const gradientPick = p.coarse(...inputs[0]!)[0] instanceof Float64Array ? '[0][0]' : '[0]';
  const functions: Record<Variant, Function> = { primal: p.primal, coarsegrad: p.coarse, fine: fine.coarse, 'hand-written': p.hand };
  const picks: Record<Variant, string> = { primal: '', coarsegrad: gradientPick, fine: gradientPick, 'hand-written': gradientPick };
  // Size the batches: grow a trial batch until it takes a few milliseconds, then time it three times
  // more at that size, warm, and keep the fastest.
  let slowest = 0;
  for (const v of variants) {
    const trial = makeBatch(arity, count, picks[v]);
    let calls = 1;
    while (timeBatch(trial, functions[v], inputs, calls) * calls < 3e6 && calls < maxCallsPerBatch) calls *= 4;
    const perCall = Math.min(...[0, 1, 2].map(() => timeBatch(trial, functions[v], inputs, calls)));
    slowest = Math.max(slowest, perCall);
  }
  const calls = callsFor(slowest);
  const runners: Record<Variant, Batch> = {
    primal: makeBatch(arity, count, picks.primal, calls),
    coarsegrad: makeBatch(arity, count, picks.coarsegrad, calls),
    fine: makeBatch(arity, count, picks.fine, calls),
    'hand-written': makeBatch(arity, count, picks['hand-written'], calls),
  };
  const times: Record<Variant, number[]> = { primal: [], coarsegrad: [], fine: [], 'hand-written': [] };
  for (let warm = 0; warm < 3; warm++) for (const v of variants) timeBatch(runners[v], functions[v], inputs, calls);
  for (let b = 0; b < batches; b++) for (const v of variants) times[v].push(timeBatch(runners[v], functions[v], inputs, calls));
  const m = (v: Variant) => median(times[v]);
  const cell = (v: Variant) => {
    const [unit, scale] = unitFor(m(v));
    const digits = unit === 'ns' ? 1 : 2;
    const f = (ns: number) => (ns / scale).toFixed(digits);
    return `${f(m(v))} (${f(Math.min(...times[v]))}–${f(Math.max(...times[v]))}) ${unit}`;
  };
  batchSizes.push(`${p.name}${p.size ? ` (${p.size})` : ''}: ${calls}`);
  rows.push(
    `| ${p.name} | ${p.size || '—'} | ${cell('primal')} | ${cell('coarsegrad')} | ${cell('fine')} | ${cell('hand-written')} | ${(m('coarsegrad') / m('primal')).toFixed(2)} | ${(m('fine') / m('coarsegrad')).toFixed(2)} | ${(m('coarsegrad') / m('hand-written')).toFixed(2)} |`,
  );
}

console.log(
  `time per call, median (min–max) of ${batches} batches, node ${process.version}; ` +
    `a batch is ${maxCallsPerBatch} calls, or for larger problems as many as take about ${batchTargetNs / 1e6} ms${quick ? '; --quick: first size of each problem' : ''}\n`,
);
console.log('| problem | size | primal | coarsegrad gradient | fine-grained gradient | hand-written gradient | gradient / primal | fine / coarse | coarsegrad / hand-written |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`\ncalls per batch: ${batchSizes.join('; ')}`);
if (failures.length > 0) {
  console.error(`\n${failures.length} gradient check(s) FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`);
  process.exitCode = 1;
}
if (sink === 42) console.log('');

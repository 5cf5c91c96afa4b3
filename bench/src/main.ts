/**
 * `npm run bench [-- --quick] [-- --only <text>]`: every problem's primal and gradients (coarsegrad,
 * its fine-grained mode, hand-written, TensorFlow.js, Penrose, jax-js, and finite differences on the
 * smallest size), each checked against the hand-written gradient, then timed interleaved in one
 * process after warm-up. Prints medians (min–max) per call, the ratios that matter and, apart from
 * them, jax-js's one-off first call; writes bench/results/latest.json and bench/results/speedups.svg.
 */
import * as path from 'node:path';
import { check, finiteDifferences } from './check.js';
import { writeResults, type Row } from './report.js';
import { problems, type Arg, type GradientEntry, type Problem } from './problems.js';

/**
 * The same problems built in the fine-grained mode (bench/tsconfig.fine.json): there, `grad(f)`
 * is the operator-level companion, the baseline that coarsening is measured against.
 */
const fineProblems = (require(path.join(__dirname, '..', 'out-fine', 'problems.js')) as { problems: readonly Problem[] }).problems;

/** Calls per batch for cheap functions; costlier ones run fewer (see `callsFor`). */
const maxCallsPerBatch = 200_000;
/** A batch runs as many calls as take about this long (at least one). */
const batchTargetNs = 25e6;
const quick = process.argv.includes('--quick');
/** `--only <text>`: run only the problems whose name contains <text>. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const batches = quick ? 7 : 25;

export const variants = ['primal', 'coarsegrad', 'fine', 'hand-written', 'TF.js', 'Penrose', 'jax-js', 'finite differences'] as const;
export type Variant = (typeof variants)[number];

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

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Calls per batch for a variant that takes `ns` per call. */
function callsFor(ns: number): number {
  return Math.max(1, Math.min(maxCallsPerBatch, Math.round(batchTargetNs / ns)));
}

/** A time per call with a unit that suits it. */
function formatTime(ns: number): string {
  const [unit, scale] = ns < 1e3 ? ['ns', 1] : ns < 1e6 ? ['µs', 1e3] : ns < 1e9 ? ['ms', 1e6] : ['s', 1e9];
  return `${(ns / scale).toFixed(unit === 'ns' ? 1 : 2)} ${unit}`;
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}

async function main(): Promise<void> {
  const { peersFor } = (await import('./peers.mjs')) as typeof import('./peers.mjs');
  const selected = [...problems.entries()].filter(([, p]) => !(quick && p.sizeIndex > 0) && (only === undefined || p.name.includes(only)));
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const [step, [index, p]] of selected.entries()) {
    const label = `${p.name}${p.size ? ` (${p.size})` : ''}`;
    progress(`[${step + 1}/${selected.length}] ${label}: checking`);
    const inputs = p.inputs();
    const count = inputs.length;
    if (count === 0 || (count & (count - 1)) !== 0) throw new Error(`${p.name} ${p.size}: ${count} inputs, not a power of two`);
    const fine = fineProblems[index]!;
    if (fine.name !== p.name || fine.size !== p.size) throw new Error(`bench: out-fine/ lists ${fine.name} ${fine.size} where out/ lists ${p.name} ${p.size}; rebuild`);
    const peers = await peersFor(p.name, inputs[0]!);
    const functions: Partial<Record<Variant, Function>> = { primal: p.primal, coarsegrad: p.coarse, fine: fine.coarse, 'hand-written': p.hand };
    const unavailable: Partial<Record<Variant, string>> = {};
    for (const [variant, peer] of [['TF.js', peers.tfjs], ['Penrose', peers.penrose], ['jax-js', peers.jax]] as const) {
      if ('gradient' in peer) functions[variant] = peer.gradient;
      else unavailable[variant] = peer.unavailable;
    }
    // jax-js traces and compiles its jitted gradient on the first call: that call is timed alone, here,
    // before the check and the warm-up, so that no timed batch includes it.
    const compile: Partial<Record<Variant, number>> = {};
    const jax = functions['jax-js'];
    if (jax !== undefined) {
      try {
        const start = process.hrtime.bigint();
        jax(...inputs[0]!);
        compile['jax-js'] = Number(process.hrtime.bigint() - start);
      } catch (error) {
        delete functions['jax-js'];
        unavailable['jax-js'] = `fails on its first call: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      }
    }
    if (p.sizeIndex === 0) functions['finite differences'] = finiteDifferences(p);
    else unavailable['finite differences'] = 'smallest size only';
    // A gradient that disagrees with the hand-written one is not timed: the row says so and the other
    // problems still run. If it is coarsegrad's (either mode), the bench exits non-zero at the end; a
    // peer's or finite differences' (float32 sums of a million terms, a step across a break) is
    // reported with its error, since it says nothing wrong about coarsegrad.
    for (const v of variants) {
      const f = functions[v];
      if (f === undefined || v === 'primal' || v === 'hand-written') continue;
      try {
        check(p, inputs, f as Problem['coarse'], v);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (v === 'coarsegrad' || v === 'fine') failures.push(message);
        delete functions[v];
        unavailable[v] = `gradient check failed: ${message}`;
      }
    }
    const timed = variants.filter((v) => functions[v] !== undefined);
    const arity = p.primal.length;
    const gradientPick = p.hand(...inputs[0]!)[0] instanceof Float64Array ? '[0][0]' : '[0]';
    const pick = (v: Variant) => (v === 'primal' ? '' : gradientPick);
    // Size each variant's batches: grow a trial batch until it takes a few milliseconds, keep the
    // fastest of three at that size, and aim each batch at about 25 ms.
    const calls: Partial<Record<Variant, number>> = {};
    for (const v of timed) {
      progress(`[${step + 1}/${selected.length}] ${label}: sizing ${v}`);
      const trial = makeBatch(arity, count, pick(v));
      let n = 1;
      let perCall = timeBatch(trial, functions[v]!, inputs, n);
      while (perCall * n < 3e6 && n < maxCallsPerBatch) perCall = timeBatch(trial, functions[v]!, inputs, (n *= 4));
      // A call that fills a batch alone is timed as it is; cheaper ones get the fastest of three trials.
      if (perCall < batchTargetNs) perCall = Math.min(perCall, ...[0, 1, 2].map(() => timeBatch(trial, functions[v]!, inputs, n)));
      calls[v] = callsFor(perCall);
    }
    const runners = Object.fromEntries(timed.map((v) => [v, makeBatch(arity, count, pick(v), calls[v])])) as Record<Variant, Batch>;
    const times = Object.fromEntries(timed.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
    // Warm-up: three batches, or one of a variant whose batch is a single long call (already warm from sizing).
    for (let warm = 0; warm < 3; warm++) for (const v of timed) if (warm === 0 || calls[v]! > 1) timeBatch(runners[v], functions[v]!, inputs, calls[v]!);
    for (let b = 0; b < batches; b++) {
      progress(`[${step + 1}/${selected.length}] ${label}: batch ${b + 1}/${batches}`);
      for (const v of timed) times[v].push(timeBatch(runners[v], functions[v]!, inputs, calls[v]!));
    }
    rows.push({
      problem: p.name,
      size: p.size,
      times: Object.fromEntries(timed.map((v) => [v, { median: median(times[v]), min: Math.min(...times[v]), max: Math.max(...times[v]), calls: calls[v]! }])),
      unavailable,
      compile,
    });
  }
  progress('');
  printTable(rows);
  const written = writeResults(rows, { quick, batches });
  console.log(`\nresults: ${written.json}\nchart: ${written.svg}`);
  if (failures.length > 0) {
    console.error(`\n${failures.length} gradient check(s) FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
  if (sink === 42) console.log('');
}

function printTable(rows: readonly Row[]): void {
  console.log(`time per call, median (min–max) of ${batches} batches of about ${batchTargetNs / 1e6} ms each, node ${process.version}${quick ? '; --quick: first size of each problem' : ''}\n`);
  const cell = (r: Row, v: Variant) => {
    const t = r.times[v];
    return t === undefined ? (r.unavailable[v] === undefined ? '—' : 'n/a') : `${formatTime(t.median)} (${formatTime(t.min)}–${formatTime(t.max)})`;
  };
  const ratio = (r: Row, a: Variant, b: Variant) => {
    const x = r.times[a]?.median;
    const y = r.times[b]?.median;
    return x === undefined || y === undefined ? '—' : (x / y).toFixed(2);
  };
  console.log(`| problem | size | ${variants.join(' | ')} | gradient / primal | fine / coarse | coarse / hand-written | Penrose / coarse | TF.js / coarse | jax-js / coarse |`);
  console.log(`|${'---|'.repeat(variants.length + 8)}`);
  for (const r of rows) {
    console.log(
      `| ${r.problem} | ${r.size || '—'} | ${variants.map((v) => cell(r, v)).join(' | ')} | ${ratio(r, 'coarsegrad', 'primal')} | ${ratio(r, 'fine', 'coarsegrad')} | ${ratio(r, 'coarsegrad', 'hand-written')} | ${ratio(r, 'Penrose', 'coarsegrad')} | ${ratio(r, 'TF.js', 'coarsegrad')} | ${ratio(r, 'jax-js', 'coarsegrad')} |`,
    );
  }
  // The small straight-line problems have no peer versions: only the reasons that say something.
  const notes = rows.flatMap((r) =>
    Object.entries(r.unavailable)
      .filter(([v, why]) => v !== 'finite differences' && !/^not written/.test(why))
      .map(([v, why]) => `- ${r.problem}${r.size ? ` (${r.size})` : ''}, ${v}: ${why}`),
  );
  if (notes.length > 0) console.log(`\nnot timed:\n${notes.join('\n')}`);
  const compiled = rows.filter((r) => r.compile['jax-js'] !== undefined).map((r) => `${r.problem}${r.size ? ` (${r.size})` : ''} ${formatTime(r.compile['jax-js']!)}`);
  if (compiled.length > 0) console.log(`\njax-js first call (trace and compile), not in the times above: ${compiled.join('; ')}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

export type { GradientEntry };

/**
 * The differential fuzzer's driver: generates programs `start .. start + n - 1` of a seed, checks
 * them in batches (one compile per batch per build), re-checks each failing program alone, shrinks
 * it, and counts outcomes. `run.ts` is its command line, `../fuzz.test.ts` runs a bounded sample.
 */
import type { Program } from './ast.js';
import { checkBatch, failureClass, noStats, primaryFailure, type CaseResult, type CaseSpec, type CheckStats, type Failure } from './check.js';

export { failureClass };
import { generatePoints, generateProgram, type PointRange } from './generate.js';
import { shrink, specOf, type ShrinkOptions, type ShrinkResult } from './shrink.js';

export interface FuzzOptions {
  seed: number;
  n: number;
  start?: number;
  /** Programs per compiled file. */
  batch?: number;
  /** Sample points per program. */
  points?: number;
  /** `false`: report failures unshrunk. */
  shrink?: false | ShrinkOptions;
  /** At most this many failures are shrunk (the rest are reported as they are). */
  maxShrinks?: number;
  /**
   * At most this many failures of one class are shrunk: the same oracle and, for compile errors and
   * exceptions, the same message with names and numbers blanked (`failureClass`).
   */
  shrinksPerClass?: number;
  /** Whether to re-check alone a failure of this class (default: every one). */
  recheck?: (cls: string) => boolean;
  /** Failure classes not to shrink (known bugs, already shrunk in regressions.ts). */
  dontShrink?: (cls: string) => boolean;
  /** Refusals (TS95001–95008) count as failures. */
  strictRefusals?: boolean;
  /** Generator features to avoid (see `generateProgram`): to look past known bugs. */
  avoid?: readonly string[];
  /** Only these program indices. */
  only?: readonly number[];
  /** Where the points' numbers come from (`generatePoints`). */
  range?: PointRange;
  log?: (line: string) => void;
}

export interface Found {
  seed: number;
  index: number;
  /** The oracle it fails first (see `oracleOrder`), and all it fails. */
  oracle: string;
  oracles: string[];
  message: string;
  original: CaseSpec;
  program: Program;
  /** Its class (see `failureClass`). */
  cls?: string;
  avoid?: readonly string[];
  /** Found at wide-range points (`--wide`). */
  wide?: boolean;
  shrunk?: ShrinkResult;
}

export interface FuzzReport {
  seed: number;
  programs: number;
  elapsedMs: number;
  outcomes: { passed: number; refused: number; failed: number; generator: number; vacuous: number };
  /** Programs per first failing oracle. */
  failures: Record<string, number>;
  /** Programs per oracle, counting every oracle a program fails. */
  oracles: Record<string, number>;
  /** The programs refused with each refusal (mode, code, message with names blanked). */
  refusals: Record<string, number[]>;
  found: Found[];
  generatorErrors: { index: number; messages: string[]; source: string }[];
  stats: CheckStats;
  /** Programs per generator feature. */
  coverage: Record<string, number>;
}

const idOf = (index: number): string => `p${index}`;

function normaliseRefusal(message: string): string {
  return message
    .replace(/^coarsegrad: /, '')
    .replace(/'[^']*'/g, "'…'")
    .replace(/`[^`]*`/g, '`…`')
    .replace(/\d+/g, 'N');
}

function refusalsAsFailures(r: CaseResult): Failure[] {
  return r.refusals.map((f) => ({ oracle: `refused:${f.mode}`, message: `TS${f.code}: ${f.message}` }));
}

export function fuzz(options: FuzzOptions): FuzzReport {
  const started = Date.now();
  const { seed } = options;
  const start = options.start ?? 0;
  const batchSize = options.batch ?? 25;
  const pointCount = options.points ?? 3;
  const log = options.log ?? (() => {});
  const indices = options.only?.slice() ?? Array.from({ length: options.n }, (_, i) => start + i);
  const report: FuzzReport = {
    seed,
    programs: indices.length,
    elapsedMs: 0,
    outcomes: { passed: 0, refused: 0, failed: 0, generator: 0, vacuous: 0 },
    failures: {},
    oracles: {},
    refusals: {},
    found: [],
    generatorErrors: [],
    stats: noStats(),
    coverage: {},
  };
  let shrinks = 0;
  const perClass = new Map<string, number>();
  for (let b = 0; b < indices.length; b += batchSize) {
    const batch = indices.slice(b, b + batchSize);
    const programs = new Map<number, Program>();
    const specs: CaseSpec[] = batch.map((index) => {
      const program = generateProgram(seed, index, options.avoid);
      programs.set(index, program);
      for (const f of program.features) report.coverage[f] = (report.coverage[f] ?? 0) + 1;
      return specOf(program, idOf(index), generatePoints(program.kinds, seed, index, pointCount, options.range));
    });
    const results = checkBatch(specs);
    batch.forEach((index, k) => {
      let r = results[k]!;
      const spec = specs[k]!;
      const program = programs.get(index)!;
      for (const key of Object.keys(report.stats) as (keyof CheckStats)[]) report.stats[key] += r.stats[key];
      for (const f of new Set(r.refusals.map((x) => `${x.mode} TS${x.code}: ${normaliseRefusal(x.message)}`))) (report.refusals[f] ??= []).push(index);
      if (r.generatorErrors.length > 0) {
        report.outcomes.generator++;
        report.generatorErrors.push({ index, messages: r.generatorErrors, source: spec.source });
        log(`GENERATOR BUG at seed ${seed} program ${index}: ${r.generatorErrors[0]}`);
        return;
      }
      let failures = options.strictRefusals ? [...r.failures, ...refusalsAsFailures(r)] : r.failures;
      // Compile errors are already this program's: TS95999 by its position, a crash or a module
      // that does not parse or load by bisecting the batch down to this program alone.
      const attributed = (f: Failure): boolean => /^(internal|crash|parse|load):/.test(f.oracle);
      if (failures.length > 0 && !failures.every(attributed) && (options.recheck?.(failureClass(primaryFailure(failures)!)) ?? true)) {
        // Alone, to be sure it is this program's (and to have its own messages).
        const alone = checkBatch([spec])[0]!;
        const aloneFailures = options.strictRefusals ? [...alone.failures, ...refusalsAsFailures(alone)] : alone.failures;
        if (aloneFailures.length > 0) {
          r = alone;
          failures = aloneFailures;
        } else {
          failures = failures.map((f) => ({ ...f, message: `${f.message} (only in its batch: alone it passes)` }));
        }
      }
      if (failures.length === 0) {
        if (r.refusals.length > 0) report.outcomes.refused++;
        else if (r.stats.points === r.stats.skippedPoints) report.outcomes.vacuous++;
        else report.outcomes.passed++;
        return;
      }
      report.outcomes.failed++;
      const primary = primaryFailure(failures)!;
      const oracles = [...new Set(failures.map((f) => f.oracle))];
      report.failures[primary.oracle] = (report.failures[primary.oracle] ?? 0) + 1;
      for (const o of oracles) report.oracles[o] = (report.oracles[o] ?? 0) + 1;
      const found: Found = { seed, index, oracle: primary.oracle, oracles, message: primary.message, original: spec, program, ...(options.avoid !== undefined ? { avoid: options.avoid } : {}), ...(options.range === 'wide' ? { wide: true } : {}) };
      const cls = failureClass(primary);
      found.cls = cls;
      const seen = perClass.get(cls) ?? 0;
      perClass.set(cls, seen + 1);
      if (options.shrink !== false && shrinks < (options.maxShrinks ?? Infinity) && seen < (options.shrinksPerClass ?? Infinity) && !options.dontShrink?.(cls)) {
        shrinks++;
        const pts = primary.point !== undefined ? [spec.points[primary.point]!] : spec.points.slice(0, 1);
        found.shrunk = shrink(program, pts, primary, options.shrink ?? {});
        log(`  program ${index}: ${primary.oracle}, shrunk ${spec.source.length} → ${found.shrunk.spec.source.length} characters (${found.shrunk.candidates} candidates, ${(found.shrunk.ms / 1000).toFixed(1)} s)`);
      } else log(`  program ${index}: ${primary.oracle}`);
      report.found.push(found);
    });
    log(`${Math.min(b + batchSize, indices.length)}/${indices.length} programs, ${((Date.now() - started) / 1000).toFixed(1)} s: ${report.outcomes.passed} passed, ${report.outcomes.refused} refused, ${report.outcomes.failed} failed, ${report.outcomes.generator} generator bugs`);
  }
  report.elapsedMs = Date.now() - started;
  return report;
}

/** A shrunk failure as an entry of `regressions.ts`, ready to paste (`pad`: the entry's indentation). */
export function regressionEntry(f: Found, pad = '  '): string {
  const spec = f.shrunk?.spec ?? f.original;
  const message = (f.shrunk?.message ?? f.message).split('\n')[0]!.replace(/\s+/g, ' ');
  return [
    `${pad}{`,
    `${pad}  name: 'seed ${f.seed}, program ${f.index}',`,
    `${pad}  oracle: '${f.oracle}',`,
    `${pad}  known: ${JSON.stringify(message)},`,
    `${pad}  id: '${spec.id}',`,
    `${pad}  call: '${spec.call}',`,
    `${pad}  kinds: ${JSON.stringify(spec.kinds)},`,
    `${pad}  points: ${JSON.stringify(spec.points)},`,
    `${pad}  source: \`\n${spec.source}\`,`,
    `${pad}},`,
  ].join('\n');
}

/** A failure for a person: where it came from, what it fails, the shrunk program. */
export function describeFound(f: Found): string {
  const spec = f.shrunk?.spec ?? f.original;
  const lines = [
    `seed ${f.seed}, program ${f.index}: ${f.oracle}${f.oracles.length > 1 ? ` (also ${f.oracles.filter((o) => o !== f.oracle).join(', ')})` : ''}`,
    `  ${(f.shrunk?.message ?? f.message).split('\n').join('\n  ')}`,
    `  reproduce: npm run fuzz -- --seed ${f.seed} --only ${f.index}${f.avoid !== undefined && f.avoid.length > 0 ? ` --avoid ${f.avoid.join(',')}` : ''}${f.wide === true ? ' --wide' : ''}`,
    f.shrunk !== undefined ? `  shrunk (${f.original.source.length} → ${spec.source.length} characters), at ${JSON.stringify(spec.points)}:` : `  at ${JSON.stringify(spec.points)}:`,
    ...spec.source.trimEnd().split('\n').map((l) => `    ${l}`),
  ];
  return lines.join('\n');
}

export function summary(report: FuzzReport): string {
  const out: string[] = [];
  const o = report.outcomes;
  // Milliseconds per program are seconds per 1000 programs.
  const per1000 = report.programs > 0 ? report.elapsedMs / report.programs : 0;
  out.push(`seed ${report.seed}: ${report.programs} programs in ${(report.elapsedMs / 1000).toFixed(1)} s (${per1000.toFixed(1)} s per 1000)`);
  out.push(`  passed ${o.passed}, refused ${o.refused}, failed ${o.failed}, generator bugs ${o.generator}, vacuous (no finite point) ${o.vacuous}`);
  const s = report.stats;
  out.push(`  points ${s.points} (${s.skippedPoints} skipped: primal not finite; ${s.hugePoints} beyond 1e30 and ${s.divergedPoints} chaotic, a mode's value off the primal's by rounding alone, gradients not compared; ${s.blindPoints} where finite differences cannot see the derivative: a switch of a test, || or && at 0, a remainder past rounding, an absorbed addend, an underflowed product), finite-difference checks ${s.fdChecked} (${s.fdUnstable} coordinates unstable or across a step of Math.floor and its kin, not compared); ${s.tapeRounded} comparisons where the fine gradient is off by its tape's rounding alone (terms of ±1e154 that cancel), which the coarse one is not; ${s.coarseningValue} points where an adjoint on the fine tape overflowed and its gradient is not finite, and the coarse one is (coarsening's value)`);
  const sorted = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1]);
  if (Object.keys(report.failures).length > 0) {
    out.push('  failures by first oracle:');
    for (const [k, v] of sorted(report.failures)) out.push(`    ${String(v).padStart(5)}  ${k}`);
    out.push('  programs failing each oracle:');
    for (const [k, v] of sorted(report.oracles)) out.push(`    ${String(v).padStart(5)}  ${k}`);
  }
  if (Object.keys(report.refusals).length > 0) {
    out.push('  refusals (programs):');
    const byCount = Object.entries(report.refusals).sort((a, b) => b[1].length - a[1].length);
    for (const [k, v] of byCount) {
      out.push(`    ${String(v.length).padStart(5)}  ${k.length > 220 ? k.slice(0, 220) + '…' : k}`);
      out.push(`           programs ${v.slice(0, 8).join(', ')}${v.length > 8 ? ', …' : ''}`);
    }
  }
  return out.join('\n');
}

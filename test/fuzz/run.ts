/**
 * The fuzzer's command line: `npm run fuzz -- --n 10000 --seed 7`.
 *
 *   --n N               programs to generate (default 1000)
 *   --seed S            seed (default: the current time; printed)
 *   --start K           first program index (default 0)
 *   --only K[,K...]     only these program indices (to reproduce one)
 *   --batch B           programs per compiled file (default 25)
 *   --points P          sample points per program (default 3)
 *   --no-shrink         report failures unshrunk
 *   --max-shrinks M     shrink at most M failures (default: all)
 *   --per-class C       shrink at most C failures of each class (oracle, and message for errors;
 *                       default 3): the others are listed unshrunk
 *   --shrink-ms T       time per shrink (default 120000)
 *   --strict-refusals   coarsegrad refusals (TS95001–95008) are failures
 *   --avoid F[,F...]    generate programs without these features (names from --coverage; `prefix*`
 *                       matches a family), to look past known bugs; changes the programs
 *   --out DIR           where shrunk failures go (default test/fuzz/found)
 *   --wide              draw the points' numbers from wide ranges too (±800, 1e±300, subnormals,
 *                       zeros): gradients that are not finite where the primal is
 *   --print K           print program K of the seed and exit
 *   --coverage          print how many programs use each generator feature
 *   --quiet             no progress lines
 *
 * Prints counts per outcome and the time, writes each shrunk failure to DIR/<seed>-<index>.ts as a
 * ready-to-paste entry of test/fuzz/regressions.ts, and exits 1 if anything failed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { printProgram } from './ast.js';
import { describeFound, fuzz, regressionEntry, summary } from './fuzz.js';
import { generatePoints, generateProgram } from './generate.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const int = (name: string, fallback: number): number => {
  const v = value(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name} needs an integer, got ${v}`);
  return n;
};

const root = path.resolve(__dirname, '..', '..', '..');
const seed = int('seed', Date.now() % 1_000_000_007);

const avoid = value('avoid')
  ?.split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');

const range = flag('wide') ? 'wide' : 'unit';

if (value('print') !== undefined) {
  const k = int('print', 0);
  const p = generateProgram(seed, k, avoid);
  console.log(printProgram(p, `p${k}`));
  console.log(`// points: ${JSON.stringify(generatePoints(p.kinds, seed, k, int('points', 3), range))}`);
  console.log(`// features: ${p.features.join(' ')}`);
  process.exit(0);
}

const only = value('only')
  ?.split(',')
  .map((s) => Number(s.trim()));
const out = path.resolve(root, value('out') ?? 'test/fuzz/found');
console.log(`coarsegrad fuzz: seed ${seed}${range === 'wide' ? ' (wide-range points)' : ''}${only !== undefined ? `, programs ${only.join(', ')}` : `, ${int('n', 1000)} programs from ${int('start', 0)}`}`);
const report = fuzz({
  seed,
  n: int('n', 1000),
  start: int('start', 0),
  batch: int('batch', 25),
  points: int('points', 3),
  shrink: flag('no-shrink') ? false : { timeMs: int('shrink-ms', 120_000) },
  ...(value('max-shrinks') !== undefined ? { maxShrinks: int('max-shrinks', 0) } : {}),
  shrinksPerClass: int('per-class', 3),
  strictRefusals: flag('strict-refusals'),
  ...(only !== undefined ? { only } : {}),
  ...(avoid !== undefined ? { avoid } : {}),
  range,
  log: flag('quiet') ? () => {} : (line) => console.log(line),
});

for (const g of report.generatorErrors) {
  console.log(`\nGENERATOR BUG (fix test/fuzz/generate.ts): seed ${seed}, program ${g.index}\n  ${g.messages.slice(0, 5).join('\n  ')}\n${g.source}`);
}
const shrunk = report.found.filter((f) => f.shrunk !== undefined);
if (shrunk.length > 0) {
  fs.mkdirSync(out, { recursive: true });
  console.log('\nFailures, shrunk:');
  for (const f of shrunk) {
    console.log('\n' + describeFound(f));
    const file = path.join(out, `${f.seed}-${f.index}.ts`);
    fs.writeFileSync(
      file,
      [
        `// coarsegrad fuzz failure: seed ${f.seed}, program ${f.index}, oracle ${f.oracle}${f.oracles.length > 1 ? ` (also ${f.oracles.filter((o) => o !== f.oracle).join(', ')})` : ''}`,
        `// ${(f.shrunk?.message ?? f.message).split('\n').join('\n// ')}`,
        `// reproduce: npm run fuzz -- --seed ${f.seed} --only ${f.index}${avoid !== undefined ? ` --avoid ${avoid.join(',')}` : ''}${range === 'wide' ? ' --wide' : ''}`,
        '// Paste the entry into test/fuzz/regressions.ts.',
        "import type { Regression } from '../regressions.js';",
        '',
        'export const regression: Regression =',
        regressionEntry(f, '').replace(/,$/, ';'),
        '',
        '/** The program as generated, before shrinking. */',
        `export const original = { points: ${JSON.stringify(f.original.points)}, source: \`\n${f.original.source}\` };`,
        '',
      ].join('\n'),
    );
  }
  console.log(`\n${shrunk.length} shrunk failure${shrunk.length === 1 ? '' : 's'} written to ${path.relative(root, out)}/`);
}
if (report.found.length > 0) {
  const classes = new Map<string, number[]>();
  for (const f of report.found) classes.set(f.cls ?? f.oracle, [...(classes.get(f.cls ?? f.oracle) ?? []), f.index]);
  console.log('\nfailure classes (programs; the first few of each are shrunk above):');
  for (const [cls, indices] of [...classes].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`  ${String(indices.length).padStart(5)}  ${cls.length > 200 ? cls.slice(0, 200) + '…' : cls}\n         programs ${indices.slice(0, 12).join(', ')}${indices.length > 12 ? ', …' : ''}`);
  }
}
if (flag('coverage')) {
  console.log('\nfeature coverage (programs):');
  for (const [k, v] of Object.entries(report.coverage).sort()) console.log(`  ${String(v).padStart(6)}  ${k}`);
}
console.log('\n' + summary(report));
process.exit(report.found.length > 0 || report.generatorErrors.length > 0 ? 1 : 0);

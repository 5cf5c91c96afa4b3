/**
 * What a bench run leaves behind: bench/results/latest.json with every figure and the machine it
 * was measured on, and bench/results/speedups.svg, coarsegrad's speedup over each other method per
 * problem and size, as bars on a log scale.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Timing {
  /** Nanoseconds per call: median, min and max over the batches. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Calls per batch. */
  readonly calls: number;
}

export interface Row {
  readonly problem: string;
  readonly size: string;
  /** By variant: primal, coarsegrad, fine, hand-written, TF.js, Penrose, jax-js, finite differences. */
  readonly times: Readonly<Record<string, Timing>>;
  /** Variants not timed, and why. */
  readonly unavailable: Readonly<Record<string, string>>;
  /**
   * Nanoseconds of the one-off first call, by variant, of those that trace and compile on it (jax-js's
   * jit): not part of `times`.
   */
  readonly compile: Readonly<Record<string, number>>;
}

/** The speedups the chart shows: how many times longer the other method takes than coarsegrad. */
const compared = [
  ['fine', 'fine-grained (operation tape)', '#8da0cb'],
  ['Penrose', 'Penrose', '#fc8d62'],
  ['TF.js', 'TF.js', '#66c2a5'],
  ['jax-js', 'jax-js', '#e78ac3'],
] as const;

export function writeResults(rows: readonly Row[], run: { readonly quick: boolean; readonly batches: number }): { json: string; svg: string } {
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const cpus = os.cpus();
  const machine = { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, node: process.version };
  const ratio = (r: Row, a: string, b: string) => (r.times[a] !== undefined && r.times[b] !== undefined ? r.times[a].median / r.times[b].median : null);
  const json = {
    date: new Date().toISOString(),
    machine,
    run,
    rows: rows.map((r) => ({
      ...r,
      ratios: {
        gradientOverPrimal: ratio(r, 'coarsegrad', 'primal'),
        fineOverCoarse: ratio(r, 'fine', 'coarsegrad'),
        coarseOverHand: ratio(r, 'coarsegrad', 'hand-written'),
        penroseOverCoarse: ratio(r, 'Penrose', 'coarsegrad'),
        tfjsOverCoarse: ratio(r, 'TF.js', 'coarsegrad'),
        jaxOverCoarse: ratio(r, 'jax-js', 'coarsegrad'),
        finiteDifferencesOverCoarse: ratio(r, 'finite differences', 'coarsegrad'),
      },
    })),
  };
  const jsonPath = path.join(dir, 'latest.json');
  fs.writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  const svgPath = path.join(dir, 'speedups.svg');
  fs.writeFileSync(svgPath, chart(rows, `${machine.cpu}, node ${machine.node}, ${json.date.slice(0, 10)}${run.quick ? ', --quick' : ''}`));
  return { json: path.relative(process.cwd(), jsonPath), svg: path.relative(process.cwd(), svgPath) };
}

/** Grouped horizontal bars, one group per problem and size, on a log scale from 0.1× to the largest. */
function chart(rows: readonly Row[], caption: string): string {
  const labelWidth = 250;
  const plotWidth = 560;
  const bar = 9;
  const groupHeight = compared.length * bar + 10;
  const top = 48;
  const height = top + rows.length * groupHeight + 50;
  const speedups = rows.flatMap((r) => compared.map(([v]) => (r.times[v] && r.times.coarsegrad ? r.times[v].median / r.times.coarsegrad.median : undefined)));
  const largest = Math.max(10, ...speedups.filter((s): s is number => s !== undefined));
  const decades = { from: -1, to: Math.ceil(Math.log10(largest)) };
  const x = (s: number) => labelWidth + ((Math.log10(Math.max(s, 10 ** decades.from)) - decades.from) / (decades.to - decades.from)) * plotWidth;
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 30}" height="${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="10" y="18" font-size="13" font-weight="bold">coarsegrad's speedup: time of each method's gradient / coarsegrad's (log scale)</text>`);
  parts.push(`<text x="10" y="34" fill="#555">${escape(caption)}; medians of whole runs on a shared machine</text>`);
  for (let d = decades.from; d <= decades.to; d++) {
    const at = x(10 ** d);
    parts.push(`<line x1="${at}" y1="${top - 6}" x2="${at}" y2="${height - 40}" stroke="${d === 0 ? '#333' : '#ddd'}"/>`);
    parts.push(`<text x="${at}" y="${height - 28}" text-anchor="middle">${d < 0 ? '0.1' : `${10 ** d}`}×</text>`);
  }
  rows.forEach((r, i) => {
    const y0 = top + i * groupHeight;
    parts.push(`<text x="${labelWidth - 6}" y="${y0 + groupHeight / 2}" text-anchor="end">${escape(r.problem)}${r.size ? ` (${escape(r.size)})` : ''}</text>`);
    compared.forEach(([v, , color], k) => {
      const t = r.times[v];
      const y = y0 + k * bar;
      if (t === undefined || r.times.coarsegrad === undefined) {
        parts.push(`<text x="${labelWidth + 4}" y="${y + bar - 1}" fill="#999" font-size="9">${escape(v)}: n/a</text>`);
        return;
      }
      const s = t.median / r.times.coarsegrad.median;
      parts.push(`<rect x="${Math.min(x(1), x(s))}" y="${y}" width="${Math.max(1, Math.abs(x(s) - x(1)))}" height="${bar - 1}" fill="${color}"/>`);
      parts.push(`<text x="${Math.max(x(1), x(s)) + 3}" y="${y + bar - 1}" font-size="9">${s >= 100 ? s.toFixed(0) : s.toFixed(1)}</text>`);
    });
  });
  // Each legend entry as wide as its name (about 6 px a character at 11 px) and a gap, so that all fit the width.
  let legendAt = labelWidth;
  for (const [, name, color] of compared) {
    parts.push(`<rect x="${legendAt}" y="${height - 10}" width="10" height="8" fill="${color}"/><text x="${legendAt + 14}" y="${height - 3}">${escape(name)}</text>`);
    legendAt += 34 + 6 * name.length;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

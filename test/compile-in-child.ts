/**
 * Compiles one program through the plugin in a process of its own and prints what came out, for
 * tests of programs that can hang the compiler or overflow its stack: the parent kills this process
 * after a timeout, and a crash here cannot take the test runner down with it.
 *
 * Input (argv[2]): JSON `{ source, mode, calls: [{ name, args, wrt? }] }`, `source` being the whole
 * main.ts. Output (one line on stdout): JSON of `ChildOutcome`, with every number that JSON cannot
 * hold (NaN, ±Infinity) and every `undefined` encoded by `encode`.
 */
import * as vm from 'node:vm';
import { compile, describeDiagnostics, load } from './harness.js';

export interface ChildCall {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly wrt?: readonly number[];
}

export interface ChildJob {
  readonly source: string;
  readonly mode: 'coarse' | 'fine';
  readonly calls: readonly ChildCall[];
}

export interface ChildOutcome {
  /** Every diagnostic, formatted as `file(line,col): TScode: message`. */
  readonly diagnostics: readonly string[];
  /** Why an emitted module does not parse, if one does not. */
  readonly parseError?: string;
  /** Per call: the primal, and `valueAndGrad`'s value and gradient; or what it threw. */
  readonly results: readonly ({ primal: unknown; value: unknown; gradient: unknown } | { error: string })[];
}

/** JSON-safe: NaN, ±Infinity and undefined become tagged objects, typed arrays plain arrays. */
export function encode(v: unknown): unknown {
  if (v === undefined) return { $undefined: true };
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $number: String(v) };
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, encode);
  if (Array.isArray(v)) return v.map(encode);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

/** The inverse of `encode` (typed arrays come back as plain arrays). */
export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.$undefined === true) return undefined;
    if (typeof o.$number === 'string') return Number(o.$number);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

function runJob(job: ChildJob): ChildOutcome {
  const result = compile({ 'main.ts': job.source }, { plugin: { mode: job.mode } });
  const diagnostics = describeDiagnostics(result.diagnostics);
  for (const [file, text] of Object.entries(result.js)) {
    try {
      new vm.Script(text, { filename: file });
    } catch (error) {
      return { diagnostics, parseError: `${file}: ${String(error)}`, results: [] };
    }
  }
  let m: Record<string, any>;
  try {
    m = load(result.js);
  } catch (error) {
    return { diagnostics, results: job.calls.map(() => ({ error: `loading main.ts: ${String(error)}` })) };
  }
  const results = job.calls.map((call) => {
    try {
      const f = m[call.name];
      const options = call.wrt === undefined ? undefined : { wrt: call.wrt };
      const primal = f(...call.args);
      const [value, gradient] = m.valueAndGrad(f, options)(...call.args);
      return { primal: encode(primal), value: encode(value), gradient: encode(gradient) };
    } catch (error) {
      return { error: String(error) };
    }
  });
  return { diagnostics, results };
}

if (require.main === module) {
  const job = JSON.parse(process.argv[2] ?? '') as ChildJob;
  process.stdout.write(`${JSON.stringify(runJob(job))}\n`);
}

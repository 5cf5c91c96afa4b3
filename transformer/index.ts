/**
 * The ts-patch plugin entry: `{ "transform": "coarsegrad/transformer" }` in tsconfig's plugins.
 * It reads the options and hands each file to `transformFile`; nothing escapes it as an exception.
 */
import type ts from 'typescript';
import { codes } from './diagnostics.js';
import { transformFile } from './emit/inject.js';
import { defaultSegmentLimit } from './coarse/soi.js';
import { simplifyOptions } from './coarse/simplify.js';
import { ProgramIndex } from './versions.js';

/** Options of the plugin entry in tsconfig.json. */
export interface CoarsegradOptions {
  /** `"coarse"` (default): coarsened gradients. `"fine"`: the operator-level baseline, every operation on a run-time tape. */
  readonly mode?: 'coarse' | 'fine';
  /**
   * The largest segment of interest, in operations, whose partials are derived as one expression;
   * larger trees of single-use values are cut (default 32, see the README).
   */
  readonly segmentLimit?: number;
  /**
   * Simplify small partial derivatives with Algebrite, each result checked at random points. Off by
   * default: loading Algebrite costs a build about half a second, and the benchmarks gain nothing.
   */
  readonly algebrite?: boolean;
  /** Print each marked function's coarsening report (segments, partials, operation counts) while building. */
  readonly report?: boolean;
  /** Print what each pipeline stage produced for each marked function. */
  readonly debug?: boolean;
}

/** What ts-patch passes as the third argument (a subset; `addDiagnostic` may be missing elsewhere). */
export interface TransformerExtras {
  readonly ts?: typeof ts;
  readonly addDiagnostic?: (diagnostic: ts.Diagnostic) => number | void;
}

export default function coarsegrad(
  program: ts.Program,
  config: CoarsegradOptions = {},
  extras: TransformerExtras = {},
): ts.TransformerFactory<ts.SourceFile> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tsApi: typeof ts = extras.ts ?? require('typescript');
  const addDiagnostic = (d: ts.Diagnostic): void => {
    if (extras.addDiagnostic !== undefined) extras.addDiagnostic(d);
    else reportWithoutHost(tsApi, d);
  };
  const mode = config.mode ?? 'coarse';
  const segmentLimit = config.segmentLimit ?? defaultSegmentLimit;
  const optionError =
    mode !== 'coarse' && mode !== 'fine'
      ? `unknown mode ${JSON.stringify(mode)}; use "coarse" (the default) or "fine".`
      : !(Number.isInteger(segmentLimit) && segmentLimit >= 1)
        ? `segmentLimit must be a whole number of operations, at least 1 (default ${defaultSegmentLimit}); got ${JSON.stringify(config.segmentLimit)}.`
        : undefined;
  const checker = program.getTypeChecker();
  // What every marked function of the program is desugared to, and which files' code they inline.
  const index = new ProgramIndex(tsApi, program, checker);
  // One budget of Algebrite time for the whole build.
  const simplify = config.algebrite === true ? simplifyOptions() : undefined;
  const trace = config.report === true || config.debug === true ? (text: string) => console.log(text) : undefined;
  let optionReported = false;

  return (context) => (file) => {
    if (optionError !== undefined) {
      if (!optionReported) {
        optionReported = true;
        addDiagnostic({ file: undefined, start: undefined, length: undefined, messageText: `coarsegrad: ${optionError}`, category: tsApi.DiagnosticCategory.Error, code: codes.invalidOption });
      }
      return file;
    }
    try {
      return transformFile({ ts: tsApi, checker, index, context, addDiagnostic, trace, mode, segmentLimit, simplify, debug: config.debug === true }, file);
    } catch (error) {
      // A bug in coarsegrad: report it, leave the file as plain tsc would emit it.
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      addDiagnostic({
        file,
        start: 0,
        length: 0,
        messageText: `coarsegrad: internal error in this file; it was emitted without gradient companions. Please report it. ${detail}`,
        category: tsApi.DiagnosticCategory.Error,
        code: codes.internal,
      });
      return file;
    }
  };
}

function reportWithoutHost(tsApi: typeof ts, d: ts.Diagnostic): void {
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  process.stderr.write(tsApi.formatDiagnostic(d, host));
  process.exitCode = 1;
}

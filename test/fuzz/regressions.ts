/**
 * Programs the fuzzer found failing, shrunk: each is a regression test in `../fuzz.test.ts`, which
 * checks it with every oracle of `check.ts` (not only the one it failed). `npm run fuzz` writes new
 * entries, ready to paste, to test/fuzz/found/<seed>-<index>.ts.
 *
 * `known` describes a bug that the code as checked out still has: such an entry fails until the bug
 * is fixed, and then stays as a regression test (delete the `known` line then).
 */
import type { ParamKind } from './ast.js';
import { checkBatch, type CaseSpec, type Failure } from './check.js';
import type { PointValue } from './generate.js';

export interface Regression {
  name: string;
  /** The oracle it failed when found. */
  oracle: string;
  /** The bug, while it is not fixed. */
  known?: string;
  id: string;
  call: CaseSpec['call'];
  kinds: ParamKind[];
  points: PointValue[][];
  source: string;
}

/** Every failure (refusals included) of a regression program, checked alone in all builds. */
export function checkRegression(r: Regression): { failures: Failure[]; text: string[] } {
  const [result] = checkBatch([{ id: r.id, source: r.source, call: r.call, kinds: r.kinds, points: r.points }]);
  const failures = [
    ...result!.failures,
    ...result!.generatorErrors.map((message) => ({ oracle: 'generator', message })),
    ...result!.refusals.map((f) => ({ oracle: `refused:${f.mode}`, message: `TS${f.code}: ${f.message}` })),
  ];
  return { failures, text: failures.map((f) => `${f.oracle}: ${f.message}`) };
}

export const regressions: Regression[] = [];

/**
 * Shrinking a failing program on the fuzzer's AST: drop helpers, statements and parameters, unwrap
 * branches and loops, replace expressions by a subexpression or a leaf, simplify constants and
 * the sample point. A candidate is kept when it type-checks, is smaller, and still fails the same
 * oracle; each candidate is compiled alone, in the builds that oracle needs.
 */
import { num, printProgram, type Expr, type Program, type Stmt } from './ast.js';
import { checkBatch, failureClass, type BuildKind, type CaseSpec, type Failure } from './check.js';
import type { PointValue } from './generate.js';

export interface ShrinkOptions {
  /** Candidates to try at most. */
  maxCandidates?: number;
  /** Milliseconds to spend at most. */
  timeMs?: number;
}

export interface ShrinkResult {
  program: Program;
  points: PointValue[][];
  spec: CaseSpec;
  candidates: number;
  accepted: number;
  ms: number;
  /** The failure message of the shrunk program. */
  message: string;
}

/** The id shrunk programs are printed with. */
export const shrunkId = 'f';

export function specOf(program: Program, id: string, points: PointValue[][]): CaseSpec {
  return {
    id,
    source: printProgram(program, id),
    call: program.spelling === 'method' ? 'method' : program.spelling === 'static' ? 'static' : 'fn',
    kinds: program.kinds.slice(),
    points,
  };
}

/** The builds an oracle needs: always the plain one (type errors, the primal), and the modes it names. */
export function buildsFor(oracle: string): BuildKind[] {
  const mode = oracle.split(':')[1];
  if (mode === 'coarse' || mode === 'fine') return ['plain', mode];
  return ['plain', 'coarse', 'fine'];
}

const stmtKinds = new Set(['decl', 'expr', 'if', 'for', 'forof', 'while', 'do', 'break', 'continue', 'return', 'fn']);
const exprKinds = new Set(['num', 'id', 'this', 'bin', 'unary', 'call', 'method', 'cond', 'index', 'member', 'update', 'assign', 'obj', 'arr', 'new']);

type Path = (string | number)[];
interface State {
  program: Program;
  points: PointValue[][];
}
type Edit = (s: State) => State | undefined;

function at(root: unknown, path: Path): any {
  let o: any = root;
  for (const k of path) o = o[k];
  return o;
}

/** Every statement list and every expression slot of the program, outermost first. */
function sites(program: Program): { lists: Path[]; exprs: Path[]; heads: Set<string> } {
  const lists: Path[] = [];
  const exprs: Path[] = [];
  const heads: string[] = [];
  // `lvalue`: an assignment's target, left alone; `head`: a loop's head, where only literals
  // are simplified (so that loops keep terminating).
  const walk = (o: unknown, path: Path, lvalue: boolean, head: boolean): void => {
    if (Array.isArray(o)) {
      if (o.length > 0 && o.every((x) => typeof x === 'object' && x !== null && stmtKinds.has((x as { t: string }).t))) lists.push(path);
      o.forEach((x, i) => walk(x, [...path, i], false, head));
      return;
    }
    if (typeof o !== 'object' || o === null) return;
    const node = o as Record<string, unknown>;
    // The expression of an expression statement is only ever dropped with its statement.
    const statementLevel = path.at(-1) === 'e' && (at(program, path.slice(0, -1)) as { t?: string }).t === 'expr';
    if (typeof node.t === 'string' && exprKinds.has(node.t) && !lvalue && !statementLevel && (!head || node.t === 'num')) {
      exprs.push(path);
      if (head) heads.push(JSON.stringify(path));
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 't') continue;
      const isTarget = (node.t === 'assign' || node.t === 'update') && k === 'target';
      const isHead = (node.t === 'for' && (k === 'init' || k === 'cond' || k === 'step')) || ((node.t === 'while' || node.t === 'do') && k === 'c');
      walk(v, [...path, k], isTarget, head || isHead);
    }
  };
  walk(program.helpers, ['helpers'], false, false);
  walk(program.target.body, ['target', 'body'], false, false);
  return { lists, exprs, heads: new Set(heads) };
}

function clone(s: State): State {
  return structuredClone(s);
}

function childExprs(e: Expr): Expr[] {
  const out: Expr[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (k === 't') continue;
    const visit = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(visit);
      else if (typeof x === 'object' && x !== null && exprKinds.has((x as { t: string }).t)) out.push(x as Expr);
    };
    visit(v);
  }
  return out;
}

/** Math functions finite and smooth only on part of the line, and the operators likewise. */
const restricted = new Set(['Math.asin', 'Math.acos', 'Math.atanh', 'Math.acosh', 'Math.log', 'Math.log1p', 'Math.log2', 'Math.log10', 'Math.sqrt', 'Math.cbrt', 'Math.atan2', 'Math.pow', 'Math.tan']);

/** Is the expression at `path` an argument (or a divisor, or a base or exponent) whose shape keeps its function on a safe domain? */
function guardedArgument(program: Program, path: Path): boolean {
  if (path.length < 2) return false;
  const holder = at(program, path.slice(0, -2));
  if (holder?.t === 'call' && path.at(-2) === 'args' && restricted.has(holder.callee)) return true;
  const parent = at(program, path.slice(0, -1));
  return parent?.t === 'bin' && ((parent.op === '/' && path.at(-1) === 'b') || parent.op === '**');
}

function bodiesOf(s: Stmt): Stmt[][] {
  switch (s.t) {
    case 'if':
      return s.else !== undefined ? [s.then, s.else] : [s.then];
    case 'for':
      return [[{ ...s.init, kind: 'let' }, ...s.body]];
    case 'forof':
      return [s.body];
    case 'while':
    case 'do':
      return [s.body];
    default:
      return [];
  }
}

function edits(state: State): Edit[] {
  const { program } = state;
  const out: Edit[] = [];
  // Helpers.
  program.helpers.forEach((_, i) =>
    out.push((s) => {
      const c = clone(s);
      c.program.helpers.splice(i, 1);
      return c;
    }),
  );
  const { lists, exprs, heads } = sites(program);
  // Statements: drop halves of long lists, then single statements, then unwrap.
  for (const list of lists) {
    const n = (at(program, list) as Stmt[]).length;
    if (n >= 4)
      for (const [from, count] of [
        [0, n >> 1],
        [n >> 1, n - (n >> 1) - 1],
      ] as const)
        out.push((s) => {
          const c = clone(s);
          (at(c.program, list) as Stmt[]).splice(from, count);
          return c;
        });
  }
  for (const list of lists) {
    const stmts = at(program, list) as Stmt[];
    stmts.forEach((_, i) =>
      out.push((s) => {
        const c = clone(s);
        (at(c.program, list) as Stmt[]).splice(i, 1);
        return c;
      }),
    );
  }
  for (const list of lists) {
    const stmts = at(program, list) as Stmt[];
    stmts.forEach((stmt, i) => {
      bodiesOf(stmt).forEach((_, b) =>
        out.push((s) => {
          const c = clone(s);
          const l = at(c.program, list) as Stmt[];
          l.splice(i, 1, ...bodiesOf(l[i]!)[b]!);
          return c;
        }),
      );
      if (stmt.t === 'if' && stmt.else !== undefined)
        out.push((s) => {
          const c = clone(s);
          delete ((at(c.program, list) as Stmt[])[i] as Stmt & { t: 'if' }).else;
          return c;
        });
    });
  }
  // Expressions: by a subexpression, by a leaf; not the argument of a function the generator keeps
  // on a safe domain (`Math.acos(0.9 * Math.sin(a))` must not become `Math.acos(a)`).
  for (const path of exprs) {
    if (guardedArgument(program, path)) continue;
    const e = at(program, path) as Expr;
    const children = childExprs(e);
    const replacements: (() => Expr)[] = children.map((ch) => () => structuredClone(ch));
    if (e.t !== 'num') replacements.push(() => num(1));
    const firstNum = program.target.params.find((p, i) => program.kinds[i] === 'num');
    if (firstNum !== undefined && !(e.t === 'id' && e.name === firstNum.name) && e.t !== 'num') replacements.push(() => ({ t: 'id', name: firstNum.name }));
    if (e.t === 'num') {
      // In a loop's head, only smaller trip counts.
      const simpler = heads.has(JSON.stringify(path)) ? [0, 1, 2].filter((v) => Number.isInteger(e.v) && v < e.v) : [0, 1, 2, 0.5, Math.round(e.v)];
      for (const v of simpler) if (v !== e.v) replacements.push(() => num(v));
    }
    if (heads.has(JSON.stringify(path)) && e.t !== 'num') continue;
    for (const r of replacements)
      out.push((s) => {
        const c = clone(s);
        const parent = at(c.program, path.slice(0, -1));
        parent[path.at(-1)!] = r();
        return c;
      });
  }
  // Parameters of the marked function, with their column of the points.
  program.target.params.forEach((_, i) =>
    out.push((s) => {
      const c = clone(s);
      c.program.target.params.splice(i, 1);
      c.program.kinds.splice(i, 1);
      c.points = c.points.map((p) => p.filter((_, j) => j !== i));
      return c;
    }),
  );
  // Module-level pieces.
  if (program.spelling !== 'decl')
    out.push((s) => {
      const c = clone(s);
      c.program.spelling = 'decl';
      return c;
    });
  for (const key of ['consts', 'fields', 'types'] as const)
    program[key].forEach((_, i) =>
      out.push((s) => {
        const c = clone(s);
        (c.program[key] as unknown[]).splice(i, 1);
        return c;
      }),
    );
  // The point: shorter arrays, simpler numbers.
  state.points[0]?.forEach((v, i) => {
    if (Array.isArray(v))
      for (let len = 1; len < v.length; len++)
        out.push((s) => {
          const c = clone(s);
          c.points = c.points.map((p) => p.map((w, j) => (j === i ? (w as number[]).slice(0, len) : w)));
          return c;
        });
    else if (typeof v === 'number')
      for (const simpler of [0.5, 1, -0.5, Math.round(v * 4) / 4])
        if (simpler !== v)
          out.push((s) => {
            const c = clone(s);
            c.points = c.points.map((p) => p.map((w, j) => (j === i ? simpler : w)));
            return c;
          });
  });
  return out;
}

function size(s: State): [number, number] {
  return [printProgram(s.program, shrunkId).length, JSON.stringify(s.points).length];
}

function smaller(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/**
 * Whether `s` type-checks and still fails as `failure` did: the same oracle, and for compile errors
 * and exceptions the same class of message (`failureClass`); the new message if so.
 */
export function stillFails(s: State, failure: Failure): string | undefined {
  const spec = specOf(s.program, shrunkId, s.points);
  const [r] = checkBatch([spec], { builds: buildsFor(failure.oracle), timeoutMs: 400 });
  if (r === undefined || r.generatorErrors.length > 0) return undefined;
  const cls = failureClass(failure);
  const all = failure.oracle.startsWith('refused:') ? r.refusals.map((f) => ({ oracle: `refused:${f.mode}`, message: `TS${f.code}: ${f.message}` })) : r.failures;
  return all.find((f) => failureClass(f) === cls)?.message;
}

/** Shrinks `program` (failing `oracle` at `points`, the failing point first). */
export function shrink(program: Program, points: PointValue[][], failure: Failure, options: ShrinkOptions = {}): ShrinkResult {
  const started = Date.now();
  const maxCandidates = options.maxCandidates ?? 3000;
  const timeMs = options.timeMs ?? 120_000;
  let current: State = { program: structuredClone(program), points: structuredClone(points) };
  let message = stillFails(current, failure) ?? '(the program no longer fails alone)';
  let candidates = 0;
  let accepted = 0;
  const seen = new Set<string>();
  const out = (): boolean => candidates >= maxCandidates || Date.now() - started > timeMs;
  let changed = true;
  while (changed && !out()) {
    changed = false;
    let list = edits(current);
    for (let i = 0; i < list.length && !out(); i++) {
      const next = list[i]!(current);
      if (next === undefined) continue;
      const key = printProgram(next.program, shrunkId) + JSON.stringify(next.points);
      if (seen.has(key) || !smaller(size(next), size(current))) continue;
      seen.add(key);
      candidates++;
      const m = stillFails(next, failure);
      if (m !== undefined) {
        current = next;
        message = m;
        accepted++;
        changed = true;
        list = edits(current);
        i--;
      }
    }
  }
  return { program: current.program, points: current.points, spec: specOf(current.program, shrunkId, current.points), candidates, accepted, ms: Date.now() - started, message };
}

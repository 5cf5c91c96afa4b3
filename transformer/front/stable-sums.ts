/**
 * A stable form over a loop (DESIGN.md §5, numerically stable patterns): the logarithm of a sum of
 * exponentials that a loop adds up, log-sum-exp as a textbook writes it:
 *
 *     let s = 0;
 *     for (let i = 0; i < x.length; i++) s += Math.exp(x[i]);
 *     ... Math.log(s) ...
 *
 * The chain rule's derivative, exp(xᵢ)/s, is ∞/∞ where an exponential overflows and 0/0 where they
 * all underflow, while the true one, the softmax, is finite everywhere. The loop stays as written
 * (the value is the same, bit for bit); after it, where `s` is not a positive finite number, the
 * companion runs the loop's exponents again, twice (their largest `m`, then t = Σ exp(xᵢ − m)), and
 * takes the derivative of m + log t instead (`reexpressed`; `m` is `stop`ped, its derivative being 0
 * in exact arithmetic). Where the sum is finite this costs one test on a value the companion has.
 *
 * Not where the exponents are already shifted by a maximum (`Math.exp(x[i] - a)`), which keeps the
 * sum at least 1. Recognised where the sum starts at 0 in the same block as its loop, the loop adds `Math.exp(E)`
 * once per iteration and reads the sum nowhere else, every later read is `Math.log(s)`, and the
 * exponents can be computed again: the loop has no `break`, `continue` or `return`, and what `E` and
 * the loop's test read is computed by plain assignments at the top of its body (calls only of
 * functions that change nothing), from arrays the loop does not write. Anything else keeps the
 * plain form.
 */
import type ts from 'typescript';
import type { CoreFunction, Expr, Loop, Shape, Stmt, Var } from './core.js';
import { expressionsOf, forEachExpr, mapExpr, mapStmt, walk } from './core-walk.js';
import { shapes } from './core.js';

type Temporary = (name: string, shape: Shape, at: ts.Node) => Var;

/** `body` with every log-sum-exp loop in it (in nested blocks too) given its stable derivative. */
export function stableSums(body: readonly Stmt[], temporary: Temporary): Stmt[] {
  return block(body, temporary);
}

function block(list: readonly Stmt[], temporary: Temporary): Stmt[] {
  let out = list.map((s) => nested(s, temporary));
  for (let j = 0; j < out.length; j++) {
    const loop = out[j]!;
    if (loop.kind !== 'loop') continue;
    for (const sum of sumsOf(loop)) {
      const rewritten = rewrite(out, j, loop, sum, temporary);
      if (rewritten === undefined) continue;
      j += rewritten.length - out.length;
      out = rewritten;
    }
  }
  return out;
}

function nested(s: Stmt, temporary: Temporary): Stmt {
  if (s.kind === 'if') return { ...s, then: block(s.then, temporary), else: block(s.else, temporary) };
  // A loop keeps its identity: its `break`s and `continue`s refer to it.
  if (s.kind === 'loop') s.body = block(s.body, temporary);
  return s;
}

/** A sum the loop adds an exponential to: `s = s + Math.exp(E)` at the top of its body. */
interface Sum {
  readonly s: Var;
  readonly exponent: Expr;
  /** The statement adding to it. */
  readonly adding: Stmt;
}

function sumsOf(loop: Loop): Sum[] {
  const found: Sum[] = [];
  for (const st of loop.body) {
    if (st.kind !== 'assign' || st.value.kind !== 'binary' || st.value.op !== '+') continue;
    const { left, right } = st.value;
    const term = isVar(left, st.var) ? right : isVar(right, st.var) ? left : undefined;
    const exponent = term === undefined ? undefined : exponentOf(term, loop.body, st);
    if (exponent !== undefined) found.push({ s: st.var, exponent, adding: st });
  }
  return found;
}

/** E of a term `Math.exp(E)`, or of a local of the body that holds one and is set once. */
function exponentOf(term: Expr, body: readonly Stmt[], adding: Stmt): Expr | undefined {
  if (term.kind === 'math' && term.op === 'exp') return term.args[0];
  if (term.kind !== 'var') return undefined;
  const before = body.slice(0, body.indexOf(adding));
  const held = before.find((st): st is Extract<Stmt, { kind: 'let' }> => st.kind === 'let' && st.var === term.var);
  if (held === undefined || held.init.kind !== 'math' || held.init.op !== 'exp' || assignments(body, term.var) !== 1) return undefined;
  return held.init.args[0];
}

function rewrite(list: readonly Stmt[], j: number, loop: Loop, sum: Sum, temporary: Temporary): Stmt[] | undefined {
  const { s } = sum;
  // The sum starts at 0 in this block, and nothing between there and the loop touches it.
  const k = list.findIndex((st) => st.kind === 'let' && st.var === s);
  if (k < 0 || k >= j) return undefined;
  const start = list[k] as Extract<Stmt, { kind: 'let' }>;
  if (start.init.kind !== 'number' || start.init.value !== 0) return undefined;
  if (list.slice(k + 1, j).some((st) => mentions([st], s))) return undefined;
  // The loop reads and changes the sum only where it adds to it.
  if (assignments([loop], s) !== 1 || reads([loop], s) !== 1) return undefined;
  // Later, it is only ever the argument of a logarithm.
  const rest = list.slice(j + 1);
  if (assignments(rest, s) !== 0) return undefined;
  const logs = logsOf(rest, s);
  if (logs === 0 || logs !== reads(rest, s) || closuresRead(rest, s)) return undefined;
  // Shifted by a largest value already (`Math.exp(x[i] - a)`, `a` a maximum), as careful code is:
  // the sum is at least 1 and cannot overflow, and a second shift would only cost.
  if (shiftedByMaximum(sum.exponent, list.slice(0, j))) return undefined;
  const slice = rerunnable(loop, sum);
  if (slice === undefined) return undefined;

  const at = loop.at;
  const value = temporary('lse', shapes.number, at);
  const largest = temporary('largest', shapes.number, at);
  const shifted = temporary('shifted', shapes.number, at);
  // Variables from outside that the loop changes (a `while` loop's counter): the clones start from
  // their values on entry, kept before the loop runs.
  const entry = new Map<Var, Var>([...slice.outer].map((v) => [v, temporary(`${v.name}Entry`, v.shape, at)]));
  const kept: Stmt[] = [...entry].map(([v, copy]) => ({ kind: 'let', var: copy, init: read(v, at), at }));
  const m = stop(read(largest, at), at);
  const rerun = (accumulate: (exponent: Expr) => Stmt): Loop => clone(loop, slice, sum, entry, temporary, accumulate);
  const finite: Expr = {
    kind: 'logical',
    op: '&&',
    left: { kind: 'binary', op: '>', left: read(s, at), right: number(0, at), at },
    right: { kind: 'binary', op: '<', left: read(s, at), right: number(Infinity, at), at },
    shape: shapes.boolean,
    at,
  };
  const after: Stmt[] = [
    { kind: 'let', var: value, init: math('log', [read(s, at)], at), at },
    {
      kind: 'if',
      test: { kind: 'unary', op: '!', operand: finite, at },
      then: [
        { kind: 'let', var: largest, init: number(-Infinity, at), at },
        rerun((e) => ({ kind: 'assign', var: largest, value: math('max', [read(largest, at), e], at), at })),
        { kind: 'let', var: shifted, init: number(0, at), at },
        rerun((e) => ({ kind: 'assign', var: shifted, value: { kind: 'binary', op: '+', left: read(shifted, at), right: math('exp', [{ kind: 'binary', op: '-', left: e, right: m, at }], at), at }, at })),
        { kind: 'assign', var: value, value: math('reexpressed', [read(value, at), { kind: 'binary', op: '+', left: m, right: math('log', [read(shifted, at)], at), at }], at), at },
      ],
      else: [],
      at,
    },
  ];
  return [...list.slice(0, j), ...kept, loop, ...after, ...rest.map((st) => replaceLogs(st, s, value))];
}

function shiftedByMaximum(exponent: Expr, before: readonly Stmt[]): boolean {
  if (exponent.kind !== 'binary' || exponent.op !== '-' || exponent.right.kind !== 'var') return false;
  const shift = exponent.right.var;
  let maximum = false;
  walk(before, (st) => {
    if ((st.kind === 'let' || st.kind === 'assign') && st.var === shift && valueOf(st).kind === 'math' && (valueOf(st) as Extract<Expr, { kind: 'math' }>).op === 'max') maximum = true;
  });
  return maximum;
}

/** What a second run of the loop computes: the statements its exponents and its test need. */
interface Slice {
  /** Statements of the body, in order, other than the one adding to the sum. */
  readonly body: ReadonlySet<Stmt>;
  /** Variables declared outside the loop that it changes. */
  readonly outer: ReadonlySet<Var>;
}

function rerunnable(loop: Loop, sum: Sum): Slice | undefined {
  if (loop.testing.length > 0 || loop.test === undefined) return undefined;
  let leaves = false;
  walk(loop.body, (st) => {
    if (st.kind === 'return' || ((st.kind === 'break' || st.kind === 'continue') && st.loop === loop)) leaves = true;
  });
  if (leaves) return undefined;
  const control = [...loop.init, ...loop.update];
  if (!control.every((st) => (st.kind === 'let' || st.kind === 'assign') && pure(valueOf(st)))) return undefined;
  // What the exponent and the loop's control read, closed over the body's plain assignments.
  const needed = new Set<Var>();
  const need = (e: Expr): void => forEachExpr(e, (x) => x.kind === 'var' && needed.add(x.var));
  need(sum.exponent);
  need(loop.test);
  control.forEach((st) => need(valueOf(st)));
  const body = new Set<Stmt>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const st of loop.body) {
      if (st === sum.adding || body.has(st) || (st.kind !== 'let' && st.kind !== 'assign') || !needed.has(st.var)) continue;
      if (!pure(valueOf(st))) return undefined;
      body.add(st);
      need(valueOf(st));
      grew = true;
    }
  }
  // Nothing the slice leaves out may change what it reads: no other assignment to its variables,
  // and no writes to arrays or objects (or calls that could make them) where it reads any.
  let changed = false;
  let writes = false;
  walk([loop], (st) => {
    if ((st.kind === 'let' || st.kind === 'assign') && needed.has(st.var) && !body.has(st) && !control.includes(st)) changed = true;
    if (st.kind === 'store' || st.kind === 'effect') writes = true;
    for (const e of expressionsOf(st)) forEachExpr(e, (x) => (x.kind === 'call' && !pureFunction(x.fn, new Set())) && (writes = true));
  });
  if (changed) return undefined;
  const readsMemory = [...body, ...control].some((st) => readsStorage(valueOf(st))) || readsStorage(sum.exponent) || readsStorage(loop.test);
  if (writes && readsMemory) return undefined;
  const declared = new Set<Var>();
  for (const st of [...loop.init, ...body]) if (st.kind === 'let') declared.add(st.var);
  const outer = new Set<Var>();
  for (const st of [...control, ...body]) if (st.kind === 'assign' && !declared.has(st.var)) outer.add(st.var);
  return { body, outer };
}

/** The loop again, over fresh variables, computing the exponents of `sum` for `accumulate`. */
function clone(loop: Loop, slice: Slice, sum: Sum, entry: ReadonlyMap<Var, Var>, temporary: Temporary, accumulate: (exponent: Expr) => Stmt): Loop {
  const renamed = new Map<Var, Var>();
  const fresh = (v: Var): Var => {
    let r = renamed.get(v);
    if (r === undefined) renamed.set(v, (r = temporary(v.name, v.shape, v.at)));
    return r;
  };
  const at = loop.at;
  const copy = (st: Stmt): Stmt => {
    const value = substitute(valueOf(st), renamed);
    return st.kind === 'let' ? { kind: 'let', var: fresh(st.var), init: value, at: st.at } : { kind: 'assign', var: fresh((st as Extract<Stmt, { kind: 'assign' }>).var), value, at: st.at };
  };
  const init: Stmt[] = [...entry].map(([v, copyOf]) => ({ kind: 'let', var: fresh(v), init: read(copyOf, at), at }));
  init.push(...loop.init.map(copy));
  const body: Stmt[] = [];
  for (const st of loop.body) {
    if (st === sum.adding) body.push(accumulate(substitute(sum.exponent, renamed)));
    else if (slice.body.has(st)) body.push(copy(st));
  }
  return { kind: 'loop', init, testing: [], test: substitute(loop.test!, renamed), testFirst: loop.testFirst, body, update: loop.update.map(copy), at };
}

// ---- Reading the core -------------------------------------------------------------------------

const isVar = (e: Expr, v: Var): boolean => e.kind === 'var' && e.var === v;

function valueOf(st: Stmt): Expr {
  if (st.kind === 'let') return st.init;
  if (st.kind === 'assign') return st.value;
  throw new Error(`no value in a '${st.kind}' statement`);
}

function assignments(body: readonly Stmt[], v: Var): number {
  let n = 0;
  walk(body, (st) => (st.kind === 'assign' || st.kind === 'let') && st.var === v && n++);
  return n;
}

function reads(body: readonly Stmt[], v: Var): number {
  let n = 0;
  walk(body, (st) => expressionsOf(st).forEach((e) => forEachExpr(e, (x) => isVar(x, v) && n++)));
  return n;
}

function mentions(body: readonly Stmt[], v: Var): boolean {
  return assignments(body, v) > 0 || reads(body, v) > 0 || closuresRead(body, v);
}

/** How many reads of `s` are `Math.log(s)`. */
function logsOf(body: readonly Stmt[], s: Var): number {
  let n = 0;
  walk(body, (st) => expressionsOf(st).forEach((e) => forEachExpr(e, (x) => x.kind === 'math' && x.op === 'log' && isVar(x.args[0]!, s) && n++)));
  return n;
}

/** Does a function declared inside this one, called from `body`, read or change `v`? */
function closuresRead(body: readonly Stmt[], v: Var): boolean {
  const seen = new Set<CoreFunction>();
  let found = false;
  const visit = (stmts: readonly Stmt[]): void =>
    walk(stmts, (st) =>
      expressionsOf(st).forEach((e) =>
        forEachExpr(e, (x) => {
          if (x.kind !== 'call' || seen.has(x.fn)) return;
          seen.add(x.fn);
          if (x.fn.closure && (assignments(x.fn.body, v) > 0 || reads(x.fn.body, v) > 0)) found = true;
          visit(x.fn.body);
        }),
      ),
    );
  visit(body);
  return found;
}

/** Computes a value and changes nothing: calls only of functions that change nothing. */
function pure(e: Expr): boolean {
  let ok = true;
  forEachExpr(e, (x) => {
    if (x.kind === 'arrayMethod' || (x.kind === 'call' && !pureFunction(x.fn, new Set()))) ok = false;
  });
  return ok;
}

/** A function that writes no array or object and assigns only its own variables. */
function pureFunction(fn: CoreFunction, seen: Set<CoreFunction>): boolean {
  if (seen.has(fn)) return true;
  seen.add(fn);
  const own = new Set<Var>(fn.params.map((p) => p.var));
  walk(fn.body, (st) => st.kind === 'let' && own.add(st.var));
  let ok = true;
  walk(fn.body, (st) => {
    if (st.kind === 'store' || st.kind === 'effect' || (st.kind === 'assign' && !own.has(st.var))) ok = false;
    for (const e of expressionsOf(st)) forEachExpr(e, (x) => (x.kind === 'arrayMethod' || (x.kind === 'call' && !pureFunction(x.fn, seen))) && (ok = false));
  });
  return ok;
}

/** Reads an array's elements, an object's fields or a call's result (which may read either). */
function readsStorage(e: Expr | undefined): boolean {
  let found = false;
  if (e !== undefined) forEachExpr(e, (x) => (x.kind === 'element' || x.kind === 'field' || x.kind === 'this' || x.kind === 'call' || x.kind === 'slice') && (found = true));
  return found;
}

// ---- Building the core ------------------------------------------------------------------------

const read = (v: Var, at: ts.Node): Expr => ({ kind: 'var', var: v, at });
const number = (value: number, at: ts.Node): Expr => ({ kind: 'number', value, at });
const math = (op: 'log' | 'exp' | 'max' | 'reexpressed', args: Expr[], at: ts.Node): Expr => ({ kind: 'math', op, name: op, args, at });
const stop = (e: Expr, at: ts.Node): Expr => ({ kind: 'math', op: 'stop', name: 'stop', args: [e], at });

function replaceLogs(st: Stmt, s: Var, value: Var): Stmt {
  return mapStmt(st, (e) => (e.kind === 'math' && e.op === 'log' && isVar(e.args[0]!, s) ? read(value, e.at) : undefined));
}

function substitute(e: Expr, renamed: ReadonlyMap<Var, Var>): Expr {
  return mapExpr(e, (x) => {
    if (x.kind !== 'var') return undefined;
    const r = renamed.get(x.var);
    return r === undefined ? undefined : read(r, x.at);
  });
}

/**
 * Discrete parameters (DESIGN.md §2, §4): a `number` parameter of the marked function whose value
 * decides a trip count (it is compared with a loop counter, or a counter starts from it), an index
 * or the length of an array is integer-valued, whatever arithmetic it also takes part in, and is not
 * differentiated: its gradient entry is 0. What passes through `Math.floor`, `round`, `ceil`, `trunc` or a bitwise operation is
 * rounded by the program itself and stays continuous.
 *
 * A forward data-flow analysis on the core, over every function the marked function reaches: which
 * of its parameters each variable's value is computed from, exactly (without rounding), then which
 * of those reach a place that takes an integer.
 */
import type { Call, CoreFunction, Expr, Stmt, Var } from './core.js';
import { expressionsOf, forEachExpr, walk } from './core-walk.js';

export function findDiscrete(main: CoreFunction): Map<Var, string> {
  const functions = reachedFunctions(main);
  const sources = new Set(main.params.filter((p) => p.var.shape.kind === 'number' && !p.var.shape.int).map((p) => p.var));
  const from = new Map<Var, Set<Var>>();
  for (const v of sources) from.set(v, new Set([v]));
  const returns = new Map<CoreFunction, Set<Var>>();
  const counters = counterVariables(functions);
  const startsCounter = new Set(functions.flatMap((fn) => [...loopCounters(fn)]));

  const depsOf = (e: Expr): Set<Var> => {
    const out = new Set<Var>();
    const add = (x: Expr): void => {
      switch (x.kind) {
        case 'var':
          for (const v of from.get(x.var) ?? []) out.add(v);
          return;
        case 'unary':
          if (x.op === 'neg' || x.op === 'plus') add(x.operand);
          return;
        case 'binary':
          if (x.op === '+' || x.op === '-' || x.op === '*' || x.op === '/' || x.op === '%' || x.op === '**') {
            add(x.left);
            add(x.right);
          }
          return;
        case 'math':
          if (!rounding.has(x.name)) x.args.forEach(add);
          return;
        case 'conditional':
          add(x.whenTrue);
          add(x.whenFalse);
          return;
        case 'logical':
          add(x.left);
          add(x.right);
          return;
        case 'call':
          for (const v of returns.get(x.fn) ?? []) out.add(v);
          return;
        default:
          return;
      }
    };
    add(e);
    return out;
  };

  // Flow to a fixed point: variables from their values, callees' parameters from arguments, results from returns.
  let changed = true;
  const flow = (target: Set<Var> | undefined, into: (s: Set<Var>) => void, value: Expr): void => {
    const deps = depsOf(value);
    const have = target ?? new Set<Var>();
    let grew = false;
    for (const v of deps) {
      if (!have.has(v)) {
        have.add(v);
        grew = true;
      }
    }
    if (grew) {
      into(have);
      changed = true;
    }
  };
  const intoVar = (v: Var, value: Expr) => flow(from.get(v), (s) => from.set(v, s), value);
  const calls = (e: Expr | undefined): void => {
    if (e?.kind !== 'call') return;
    e.args.forEach((a, i) => intoVar(e.fn.params[i]!.var, a));
  };
  while (changed) {
    changed = false;
    for (const fn of functions) {
      walk(fn.body, (s) => {
        if (s.kind === 'let') {
          intoVar(s.var, s.init);
          calls(s.init);
        } else if (s.kind === 'assign') {
          intoVar(s.var, s.value);
          calls(s.value);
        } else if (s.kind === 'effect' && s.call.kind === 'call') {
          calls(s.call);
        } else if (s.kind === 'return') {
          flow(returns.get(fn), (set) => returns.set(fn, set), s.value);
        }
      });
    }
  }

  // Places that take an integer: the other side of a comparison with a counter, an index, a length.
  const discrete = new Map<Var, string>();
  const sink = (e: Expr, why: string): void => {
    for (const v of depsOf(e)) if (!discrete.has(v)) discrete.set(v, `${why} at line ${lineOf(e)}`);
  };
  const visitExpr = (e: Expr): void => {
    forEachExpr(e, (x) => {
      if (x.kind === 'element') sink(x.index, 'it is an array index');
      if (x.kind === 'newArray' && !x.copy && x.arg !== undefined) sink(x.arg, 'it is the length of an array');
      if (x.kind === 'slice') x.args.forEach((a) => sink(a, 'it is an index of slice'));
    });
  };
  /** A loop's test comparing a counter the loop steps with a bound: the bound decides the trip count. */
  const visitTest = (loop: Extract<Stmt, { kind: 'loop' }>): void => {
    const stepped = new Set<Var>();
    walk([...loop.body, ...loop.update], (s) => {
      if (s.kind === 'assign' && counters.has(s.var)) stepped.add(s.var);
    });
    if (loop.test === undefined) return;
    forEachExpr(loop.test, (x) => {
      if (x.kind !== 'binary' || !(x.op === '<' || x.op === '<=' || x.op === '>' || x.op === '>=' || x.op === '===' || x.op === '!==')) return;
      if (isCounter(x.left, stepped)) sink(x.right, 'it decides a trip count');
      if (isCounter(x.right, stepped)) sink(x.left, 'it decides a trip count');
    });
    // Where a counter starts decides the trip count as much as what it is compared with
    // (`for (let i = n - 1; i >= 0; i--)`).
    for (const init of loop.init) {
      if (init.kind === 'let' && startsCounter.has(init.var)) sink(init.init, 'it decides a trip count');
    }
  };
  for (const fn of functions) {
    walk(fn.body, (s) => {
      for (const e of expressionsOf(s)) visitExpr(e);
      if (s.kind === 'loop') visitTest(s);
      if (s.kind === 'store' && s.key.kind === 'element') sink(s.key.index, 'it is an array index');
      if (s.kind === 'store' && s.key.kind === 'field' && s.key.name === 'length') sink(s.value, 'it is the length of an array');
    });
  }
  return discrete;
}

const rounding = new Set(['floor', 'ceil', 'round', 'trunc', 'sign']);

/** `i`, `i + 2`, `i - 1` for a counter `i`. */
function isCounter(e: Expr, counters: ReadonlySet<Var>): boolean {
  if (e.kind === 'var') return counters.has(e.var);
  if (e.kind === 'unary' && e.op === 'plus') return isCounter(e.operand, counters);
  return e.kind === 'binary' && (e.op === '+' || e.op === '-') && isCounter(e.left, counters) && e.right.kind === 'number' && Number.isInteger(e.right.value);
}

/** Variables that only ever hold whole numbers stepped by whole constants: `let k = 0; ... k++`. */
function counterVariables(functions: readonly CoreFunction[]): Set<Var> {
  const values = new Map<Var, Expr[]>();
  for (const fn of functions) {
    walk(fn.body, (s) => {
      if (s.kind === 'let' || s.kind === 'assign') {
        const list = values.get(s.var) ?? [];
        list.push(s.kind === 'let' ? s.init : s.value);
        values.set(s.var, list);
      }
    });
  }
  const counters = new Set<Var>();
  for (const [v, assigned] of values) {
    const steps = assigned.every((e) => isWhole(e) || isCounter(e, new Set([v])));
    const starts = assigned.some(isWhole);
    if (steps && starts) counters.add(v);
  }
  return counters;
}

/** A whole number to start counting from: a literal, an `Int`, a length. */
function isWhole(e: Expr): boolean {
  if (e.kind === 'number') return Number.isInteger(e.value);
  if (e.kind === 'var') return e.var.shape.kind === 'number' && e.var.shape.int;
  return e.kind === 'field' && e.name === 'length';
}

function reachedFunctions(main: CoreFunction): CoreFunction[] {
  const seen = new Set<CoreFunction>([main]);
  const visitCall = (c: Call): void => {
    if (seen.has(c.fn)) return;
    seen.add(c.fn);
    walk(c.fn.body, onStatement);
  };
  const onStatement = (s: Stmt): void => {
    for (const e of expressionsOf(s)) forEachExpr(e, (x) => x.kind === 'call' && visitCall(x));
  };
  walk(main.body, onStatement);
  return [...seen];
}

function lineOf(e: Expr): number {
  const file = e.at.getSourceFile();
  return file.getLineAndCharacterOfPosition(e.at.getStart(file)).line + 1;
}

/**
 * `let i = ...` in a loop's initialiser, stepped only as `i = i ± c` in its update: a loop counter,
 * which carries no derivative in either mode, whatever it starts from.
 */
export function loopCounters(fn: CoreFunction): Set<Var> {
  const counters = new Set<Var>();
  const assigned = new Map<Var, number>();
  walk(fn.body, (s) => {
    if (s.kind === 'assign') assigned.set(s.var, (assigned.get(s.var) ?? 0) + 1);
  });
  walk(fn.body, (s) => {
    if (s.kind !== 'loop') return;
    for (const init of s.init) {
      if (init.kind !== 'let') continue;
      const steps = s.update.filter((u) => u.kind === 'assign' && u.var === init.var && isStep(u.value, init.var));
      // Stepped once per iteration by the update, and nowhere else.
      if (steps.length === 1 && assigned.get(init.var) === 1) counters.add(init.var);
    }
  });
  return counters;
}

/** `v + c`, `v - c` (`+v + c` after `v++`) with a constant `c`. */
function isStep(e: Expr, v: Var): boolean {
  if (e.kind !== 'binary' || (e.op !== '+' && e.op !== '-') || e.right.kind !== 'number') return false;
  const base = e.left.kind === 'unary' && e.left.op === 'plus' ? e.left.operand : e.left;
  return base.kind === 'var' && base.var === v;
}

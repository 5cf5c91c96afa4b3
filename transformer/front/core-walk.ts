/** Traversals of the core (`core.ts`), shared by the passes that read it. */
import type { Expr, Stmt } from './core.js';

/** Calls `visit` on every statement of `body`, nested ones included. */
export function walk(body: readonly Stmt[], visit: (s: Stmt) => void): void {
  for (const s of body) {
    visit(s);
    if (s.kind === 'if') {
      walk(s.then, visit);
      walk(s.else, visit);
    } else if (s.kind === 'loop') {
      walk(s.init, visit);
      walk(s.testing, visit);
      walk(s.body, visit);
      walk(s.update, visit);
    }
  }
}

/** The expressions a statement evaluates itself (not those of the statements nested in it). */
export function expressionsOf(s: Stmt): Expr[] {
  switch (s.kind) {
    case 'let':
      return [s.init];
    case 'assign':
      return [s.value];
    case 'store':
      return [s.object, ...(s.key.kind === 'element' ? [s.key.index] : []), s.value];
    case 'effect':
      return [s.call];
    case 'if':
      return [s.test];
    case 'loop':
      return s.test === undefined ? [] : [s.test];
    case 'return':
    case 'throw':
      return [s.value];
    default:
      return [];
  }
}

/** Calls `visit` on `e` and every expression inside it. */
export function forEachExpr(e: Expr, visit: (x: Expr) => void): void {
  visit(e);
  const each = (xs: readonly Expr[]) => xs.forEach((x) => forEachExpr(x, visit));
  switch (e.kind) {
    case 'unary':
    case 'isUndefined':
      return each([e.operand]);
    case 'binary':
    case 'logical':
      return each([e.left, e.right]);
    case 'conditional':
      return each([e.test, e.whenTrue, e.whenFalse]);
    case 'math':
      return each(e.args);
    case 'field':
      return each([e.object]);
    case 'element':
      return each([e.array, e.index]);
    case 'arrayLiteral':
      return each(e.elements);
    case 'objectLiteral':
      return each([...e.fields.map(([, v]) => v), ...(e.original === undefined ? [] : [e.original])]);
    case 'newArray':
      return each(e.arg === undefined ? [] : [e.arg]);
    case 'slice':
      return each([e.array, ...e.args]);
    case 'call':
      return each([...(e.receiver !== undefined ? [e.receiver] : []), ...e.args]);
    case 'arrayMethod':
      return each([e.array, ...e.args]);
    case 'newError':
      return each(e.args);
    case 'records':
      return each(e.fields.map(([, v]) => v));
    case 'matrix':
      return each([e.flat, e.rows, e.cols, e.stride]);
    case 'view':
      return each([e.array, e.start, e.length]);
    default:
      return;
  }
}

/** `e` with every subexpression that `f` replaces (returns a value for) replaced. */
export function mapExpr(e: Expr, f: (x: Expr) => Expr | undefined): Expr {
  const replaced = f(e);
  if (replaced !== undefined) return replaced;
  const m = (x: Expr): Expr => mapExpr(x, f);
  switch (e.kind) {
    case 'unary':
      return { ...e, operand: m(e.operand) };
    case 'isUndefined':
      return { ...e, operand: m(e.operand) };
    case 'binary':
      return { ...e, left: m(e.left), right: m(e.right) };
    case 'logical':
      return { ...e, left: m(e.left), right: m(e.right) };
    case 'conditional':
      return { ...e, test: m(e.test), whenTrue: m(e.whenTrue), whenFalse: m(e.whenFalse) };
    case 'math':
      return { ...e, args: e.args.map(m) };
    case 'field':
      return { ...e, object: m(e.object) };
    case 'element':
      return { ...e, array: m(e.array), index: m(e.index) };
    case 'arrayLiteral':
      return { ...e, elements: e.elements.map(m) };
    case 'objectLiteral':
      return { ...e, fields: e.fields.map(([name, v]) => [name, m(v)] as const), ...(e.original === undefined ? {} : { original: m(e.original) }) };
    case 'newArray':
      return { ...e, arg: e.arg === undefined ? undefined : m(e.arg) };
    case 'slice':
      return { ...e, array: m(e.array), args: e.args.map(m) };
    case 'call':
      return { ...e, receiver: e.receiver === undefined ? undefined : m(e.receiver), args: e.args.map(m) };
    case 'arrayMethod':
      return { ...e, array: m(e.array), args: e.args.map(m) };
    case 'newError':
      return { ...e, args: e.args.map(m) };
    case 'records':
      return { ...e, fields: e.fields.map(([name, v]) => [name, m(v)] as const) };
    case 'matrix':
      return { ...e, flat: m(e.flat), rows: m(e.rows), cols: m(e.cols), stride: m(e.stride) };
    case 'view':
      return { ...e, array: m(e.array), start: m(e.start), length: m(e.length) };
    default:
      return e;
  }
}

/** `st` with `f` applied to its expressions and those of the statements nested in it. */
export function mapStmt(st: Stmt, f: (x: Expr) => Expr | undefined): Stmt {
  const m = (x: Expr): Expr => mapExpr(x, f);
  const all = (xs: readonly Stmt[]): Stmt[] => xs.map((x) => mapStmt(x, f));
  switch (st.kind) {
    case 'let':
      return { ...st, init: m(st.init) };
    case 'assign':
      return { ...st, value: m(st.value) };
    case 'store':
      return { ...st, object: m(st.object), key: st.key.kind === 'element' ? { kind: 'element', index: m(st.key.index) } : st.key, value: m(st.value) };
    case 'effect':
      return { ...st, call: m(st.call) as typeof st.call };
    case 'if':
      return { ...st, test: m(st.test), then: all(st.then), else: all(st.else) };
    case 'return':
    case 'throw':
      return { ...st, value: m(st.value) };
    case 'loop':
      // In place: `break` and `continue` statements refer to the loop object.
      st.init.splice(0, st.init.length, ...all(st.init));
      st.testing = all(st.testing);
      st.test = st.test === undefined ? undefined : m(st.test);
      st.body = all(st.body);
      st.update = all(st.update);
      return st;
    default:
      return st;
  }
}

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
      return each(e.fields.map(([, v]) => v));
    case 'newArray':
      return each(e.arg === undefined ? [] : [e.arg]);
    case 'slice':
      return each([e.array, ...e.args]);
    case 'call':
      return each([...(e.receiver !== undefined ? [e.receiver] : []), ...e.args]);
    case 'arrayMethod':
      return each([e.array, ...e.args]);
    default:
      return;
  }
}


/**
 * Activity analysis for the fine-grained mode: which variables of a core function may hold a value
 * that depends on a differentiated input, and so need a shadow (a tape slot, or an array or object
 * of slots). Flow-insensitive and run to a fixed point over the body, as operator-overloading tools
 * decide it by type: a loop counter or a size stays a plain number and costs the tape nothing.
 *
 * Local arrays and objects are always active (their shadow costs one allocation, and an element
 * written later may be active); a call's result is active when an argument is, or when the callee
 * reads active variables of the functions around it.
 */
import type { CoreFunction, Expr, Var } from '../front/core.js';
import { walk } from '../front/core-walk.js';
import { loopCounters } from '../front/discrete.js';

/** Math functions whose derivative is zero everywhere they have one: their results are inactive. */
const piecewiseConstant = new Set(['floor', 'ceil', 'round', 'trunc', 'sign']);

export interface Activity {
  /** Variables of the function that may hold an active value. */
  readonly active: ReadonlySet<Var>;
  /**
   * Counters of loops (started in the loop's initialiser, stepped by a constant in its update):
   * integers, never differentiated even when they start from an active value (DESIGN.md §4).
   */
  readonly counters: ReadonlySet<Var>;
}

/**
 * `seeds`: the parameters whose arguments are active. `outer`: whether a variable of an enclosing
 * function (read by a closure) holds an active value where the function runs.
 */
export function activeVariables(fn: CoreFunction, seeds: ReadonlySet<Var>, outer: (v: Var) => boolean, thisActive = false): Activity {
  const counters = loopCounters(fn);
  const active = new Set([...seeds].filter((v) => !counters.has(v)));
  const own = new Set<Var>(fn.params.map((p) => p.var));
  walk(fn.body, (s) => {
    if (s.kind === 'let') own.add(s.var);
  });
  const isActive = (e: Expr): boolean => {
    switch (e.kind) {
      case 'var':
        return own.has(e.var) ? active.has(e.var) : outer(e.var);
      // An inlined method's object, when it is one the function built (its shadow is `this`'s).
      case 'this':
        return thisActive;
      case 'field':
        return e.name !== 'length' && isActive(e.object);
      case 'element':
        return isActive(e.array);
      case 'unary':
        return (e.op === 'neg' || e.op === 'plus') && isActive(e.operand);
      case 'binary':
        return (e.op === '+' || e.op === '-' || e.op === '*' || e.op === '/' || e.op === '%' || e.op === '**') && (isActive(e.left) || isActive(e.right));
      case 'logical':
        return isActive(e.left) || isActive(e.right);
      case 'conditional':
        return isActive(e.whenTrue) || isActive(e.whenFalse);
      case 'math':
        return !piecewiseConstant.has(e.name) && e.args.some(isActive);
      case 'arrayLiteral':
      case 'objectLiteral':
      case 'newArray':
      case 'slice':
        // The function's own arrays and objects: an element written later may be active.
        return true;
      case 'arrayMethod':
        return e.method === 'fill';
      case 'records':
        return e.fields.some(([, v]) => isActive(v));
      case 'matrix':
        return isActive(e.flat);
      case 'view':
        return isActive(e.array);
      case 'call':
        return callIsActive(e, isActive);
      default:
        return false;
    }
  };
  // A closure called from here may assign this function's variables (`xs.forEach((v) => { t += v })`):
  // taken as active, whatever it assigns, since its values are the closure's to know.
  const seenClosures = new Set<CoreFunction>();
  const assignedByClosures = (body: CoreFunction['body']): void =>
    walk(body, (st) => {
      const call = st.kind === 'let' ? st.init : st.kind === 'assign' ? st.value : st.kind === 'effect' ? st.call : undefined;
      if (call?.kind === 'call' && call.fn.closure && !seenClosures.has(call.fn)) {
        seenClosures.add(call.fn);
        walk(call.fn.body, (inner) => {
          if (inner.kind === 'assign' && own.has(inner.var) && !counters.has(inner.var)) active.add(inner.var);
        });
        assignedByClosures(call.fn.body);
      }
    });
  assignedByClosures(fn.body);
  let changed = true;
  const mark = (v: Var, value: Expr): void => {
    if (!active.has(v) && !counters.has(v) && own.has(v) && isActive(value)) {
      active.add(v);
      changed = true;
    }
  };
  while (changed) {
    changed = false;
    walk(fn.body, (s) => {
      if (s.kind === 'let') mark(s.var, s.init);
      else if (s.kind === 'assign') mark(s.var, s.value);
    });
  }
  return { active, counters };
}


/**
 * A call's result may be active: an argument or its object is, the callee reads variables around
 * it, or it returns an array or an object (which may be one it built, always active).
 */
export function callIsActive(e: Extract<Expr, { kind: 'call' }>, isActive: (x: Expr) => boolean): boolean {
  if (e.fn.result.kind === 'array' || e.fn.result.kind === 'record') return true;
  return e.args.some(isActive) || (e.receiver !== undefined && isActive(e.receiver)) || e.fn.closure;
}

/**
 * Recursion on the operation tape. Inlining a function into itself would not end, so a function on
 * a cycle of calls (`power(x, n - 1)` in `power`, or `even` and `odd` calling each other) is
 * emitted as a local function that runs the primal's own recursion and records on the tape as it
 * goes: each argument comes with its shadow (a number's slot, 0 for a constant; an array's slots),
 * and the result's shadow comes back through a variable beside the function, read right after the
 * call. The reverse sweep needs nothing more: the tape is one list of operations whichever call
 * recorded them.
 *
 * A function that reads no variable around it is emitted once, at the top of the companion. A
 * closure (a recursive arrow inside the marked function) is emitted where it is called from outside
 * itself, so that what it captures is in scope, and it reads and writes those variables as an
 * inlined call would.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import type { Call, CoreFunction, Var } from '../front/core.js';
import { expressionsOf, forEachExpr, walk } from '../front/core-walk.js';
import { activeVariables, callIsActive } from './fine-activity.js';
import { expression, zeroSlots } from './fine-expressions.js';
import { Frame, kindOf, storageOf, type Binding, type Kind, type ReturnTarget, type Taping, type Val } from './taping.js';

/** The fine emitter as the recursion part sees it. */
export interface Recursing extends Taping {
  /** Local functions and the variables beside them, declared at the top of the companion. */
  readonly hoisted: ts.Statement[];
  /** The local function of each recursive function emitted so far. */
  readonly taped: Map<CoreFunction, TapedFunction>;
  /**
   * The statements of `frame`'s function body for a local function, emitted with no other frame
   * around it (`alone`), or where the call is, reading the frames around it.
   */
  localFunctionBody(frame: Frame, alone: boolean): ts.Statement[];
}

export interface TapedFunction {
  readonly name: string;
  /** Where the function leaves its result's shadow. */
  readonly resultSlot: string;
}

/** The functions `main` reaches that are on a cycle of calls: each calls itself, directly or not. */
export function recursiveFunctions(main: CoreFunction): Set<CoreFunction> {
  const callees = new Map<CoreFunction, Set<CoreFunction>>();
  const visit = (fn: CoreFunction): void => {
    if (callees.has(fn)) return;
    const called = new Set<CoreFunction>();
    callees.set(fn, called);
    walk(fn.body, (s) => expressionsOf(s).forEach((e) => forEachExpr(e, (x) => x.kind === 'call' && called.add(x.fn))));
    called.forEach(visit);
  };
  visit(main);
  const reaches = (from: CoreFunction, to: CoreFunction): boolean => {
    const seen = new Set<CoreFunction>();
    const stack = [...callees.get(from)!];
    while (stack.length > 0) {
      const fn = stack.pop()!;
      if (fn === to) return true;
      if (seen.has(fn)) continue;
      seen.add(fn);
      stack.push(...callees.get(fn)!);
    }
    return false;
  };
  return new Set([...callees.keys()].filter((fn) => reaches(fn, fn)));
}

/** A call of a recursive function: a call of its local function, with each argument's shadow. */
export function callTaped(t: Recursing, call: Call): Val {
  const f = t.f;
  const fn = call.fn;
  const emitted = t.taped.get(fn) === undefined;
  const taped = t.taped.get(fn) ?? emitTaped(t, fn, call);
  // A closure's local function is in scope only where it was emitted: a later call emits its own.
  if (emitted && fn.closure) t.taped.delete(fn);
  const args = call.args.map((a) => expression(t, a));
  const passed: ts.Expression[] = [];
  fn.params.forEach((p, i) => {
    const kind = parameterKind(p.var, call);
    const arg = args[i]!;
    if (kind === 'other') {
      if (arg.s !== undefined) unsupported(codes.recursion, call.at, `'${p.var.name}' of the recursive function '${fn.name}' has no numeric type here; give it the type 'number' or an array of numbers.`);
      passed.push(arg.v);
      return;
    }
    const value = t.simple(arg.v, p.var.name);
    passed.push(value);
    if (!shadowed(p.var)) return;
    passed.push(arg.s ?? (kind === 'num' ? f.createNumericLiteral(0) : zeroSlots(t, value, storageOf(p.var.shape))));
  });
  const kind = kindOf(fn.result);
  const value = t.namer.fresh(fn.name);
  const active = kind !== 'other' && callIsActive(call, (x) => args[call.args.indexOf(x)]?.s !== undefined);
  const slot = active ? t.namer.fresh(`${fn.name}$`) : undefined;
  const declarations = [f.createVariableDeclaration(value, undefined, undefined, f.createCallExpression(f.createIdentifier(taped.name), undefined, passed))];
  if (slot !== undefined) declarations.push(f.createVariableDeclaration(slot, undefined, undefined, f.createIdentifier(taped.resultSlot)));
  t.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, t.ts.NodeFlags.Const)));
  return {
    kind,
    v: f.createIdentifier(value),
    s: slot === undefined ? undefined : f.createIdentifier(slot),
    // What it returns may be one of the arrays it was given: the caller's, never written.
    outside: kind === 'arr' ? `an array the recursive function '${fn.name}' returns` : undefined,
  };
}

/** Emits `fn`'s local function into the companion's hoisted statements. */
function emitTaped(t: Recursing, fn: CoreFunction, call: Call): TapedFunction {
  const f = t.f;
  refuseUntaped(fn, call);
  const taped: TapedFunction = { name: t.namer.fresh(`${fn.name}Taped`), resultSlot: t.namer.fresh(`${fn.name}ResultSlot`) };
  // Registered before its body is emitted: the body calls it.
  t.taped.set(fn, taped);
  const parameters: ts.ParameterDeclaration[] = [];
  const bindings: [Var, Binding][] = [];
  const seeds = new Set<Var>();
  for (const p of fn.params) {
    const kind = parameterKind(p.var, call);
    const name = t.namer.fresh(p.var.name);
    parameters.push(f.createParameterDeclaration(undefined, undefined, name));
    const shadow = kind !== 'other' && shadowed(p.var) ? t.namer.fresh(`${p.var.name}$`) : undefined;
    if (shadow !== undefined) {
      parameters.push(f.createParameterDeclaration(undefined, undefined, shadow));
      seeds.add(p.var);
    }
    bindings.push([p.var, { kind, name, shadow, outside: kind === 'arr' ? `the array parameter '${p.var.name}' of the recursive function '${fn.name}'` : undefined }]);
  }
  const kind = kindOf(fn.result);
  const activity = activeVariables(fn, seeds, fn.closure ? (v) => t.stack.some((frame) => frame.bindings.get(v)?.shadow !== undefined) : () => false);
  const target: ReturnTarget = { label: t.namer.fresh(`${fn.name}Body`), value: t.namer.fresh('result'), shadow: kind === 'other' ? undefined : t.namer.fresh('resultSlot'), kind };
  const frame = new Frame(fn, activity, undefined, target);
  // A parameter the analysis finds constant inside (a counter) keeps its value, not its shadow.
  for (const [v, binding] of bindings) frame.bindings.set(v, activity.active.has(v) ? binding : { ...binding, shadow: undefined });
  const results = [f.createVariableDeclaration(target.value)];
  if (target.shadow !== undefined) results.push(f.createVariableDeclaration(target.shadow, undefined, undefined, f.createNumericLiteral(0)));
  const body = [
    f.createVariableStatement(undefined, f.createVariableDeclarationList(results, t.ts.NodeFlags.Let)),
    ...t.localFunctionBody(frame, !fn.closure),
    ...(target.shadow === undefined ? [] : [f.createExpressionStatement(f.createAssignment(f.createIdentifier(taped.resultSlot), f.createIdentifier(target.shadow)))]),
    f.createReturnStatement(f.createIdentifier(target.value)),
  ];
  // An arrow: `this` inside is the companion's, as in an inlined call.
  const arrow = f.createArrowFunction(undefined, undefined, parameters, undefined, undefined, f.createBlock(body, true));
  (fn.closure ? t.out : t.hoisted).push(
    f.createVariableStatement(
      undefined,
      f.createVariableDeclarationList([f.createVariableDeclaration(taped.resultSlot, undefined, undefined, f.createNumericLiteral(0)), f.createVariableDeclaration(taped.name, undefined, undefined, arrow)], t.ts.NodeFlags.Let),
    ),
  );
  return taped;
}

/** What the local function cannot be: each is a diagnostic at the call that made it one. */
function refuseUntaped(fn: CoreFunction, call: Call): void {
  const at = call.at;
  let self = false;
  walk(fn.body, (s) => expressionsOf(s).forEach((e) => forEachExpr(e, (x) => (self ||= x.kind === 'this' && x.owner === fn.decl))));
  if (self) unsupported(codes.recursion, at, `the recursive method '${fn.name}' reads 'this', which recursion on the operation tape does not pass yet; make it a function taking the values it reads.`);
  const result = kindOf(fn.result);
  if (result === 'rows' || result === 'rec') unsupported(codes.recursion, at, `the recursive function '${fn.name}' returns objects or arrays of arrays, which recursion on the operation tape does not pass yet; return numbers or an array of numbers.`);
}

function parameterKind(v: Var, call: Call): Kind {
  const kind = kindOf(v.shape);
  if (kind === 'rows' || kind === 'rec') unsupported(codes.recursion, call.at, `'${v.name}' of the recursive function '${call.fn.name}' is an object or an array of arrays; pass numbers and arrays of numbers.`);
  return kind;
}

/** Does the parameter come with a shadow: a non-integer number or an array of numbers. */
function shadowed(v: Var): boolean {
  return v.shape.kind === 'array' || (v.shape.kind === 'number' && !v.shape.int);
}

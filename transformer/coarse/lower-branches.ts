/**
 * Branches lowered into the IR (`lower.ts`, DESIGN.md §4): a value chosen by a condition is a φ
 * (objects and arrays field by field), both arms of an `if` are lowered from the same state, and
 * the states they leave are joined, variable by variable and element by element.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import type { Var } from '../front/core.js';
import { opaqueKey, type Node } from './ir.js';
import { recordPhi } from './lower-records.js';
import { joinDynamic } from './lower-maps.js';
import { undefinedValue, type DynamicArray, type Lowering, type State, type Value } from './lowering.js';

/** `c ? a : b` on lowered values. */
export function phi(lo: Lowering, c: Node, a: Value, b: Value, at: ts.Node): Value {
  if (a.kind === 'number' && b.kind === 'number') return { kind: 'number', node: lo.graph.call('select', c, a.node, b.node) };
  if (a.kind === 'boolean' && b.kind === 'boolean') return { kind: 'boolean', node: lo.graph.call('select', c, a.node, b.node) };
  if (a.kind === 'object' && b.kind === 'object' && opaqueKey(a.expr) === opaqueKey(b.expr)) return a;
  if ((a.kind === 'array' || a.kind === 'dynArray') && b.kind === a.kind && a.ref === b.ref) return a;
  if (a.kind === 'undefined' && b.kind === 'undefined') return a;
  if (a.kind === 'string' && b.kind === 'string' && a.value === b.value) return a;
  if (a.kind === 'array' && b.kind === 'array') {
    const chosen = recordPhi(lo, c, [a.ref, lo.heap], [b.ref, lo.heap], at);
    if (chosen !== undefined) {
      lo.heap.set(chosen.ref, chosen.elements);
      return { kind: 'array', ref: chosen.ref };
    }
  }
  if (a.kind === 'paramArray' && b.kind === 'paramArray' && a.index === b.index) {
    if (a.offset === b.offset) return a;
    // Two rows of one array of arrays: the row at the chosen offset.
    if (a.offset !== undefined && b.offset !== undefined && a.length === b.length) return { ...a, offset: lo.graph.call('select', c, a.offset, b.offset) };
  }
  if ((a.kind === 'records' || a.kind === 'matrix') && a === b) return a;
  if (a.kind === 'undefined' || b.kind === 'undefined') {
    unsupported(codes.unsupportedSyntax, at, 'a value here is `undefined` on some paths (read before it is assigned, or a path that returns nothing); give it a number on every path.');
  }
  if (a.kind !== b.kind && (a.kind === 'number' || a.kind === 'boolean') && (b.kind === 'number' || b.kind === 'boolean')) {
    unsupported(codes.unsupportedSyntax, at, 'the two branches give a number and a boolean; give both the same type.');
  }
  unsupported(codes.unsupportedSyntax, at, 'a branch chooses between objects or arrays here; only numbers, conditions and array elements can depend on a branch in a marked function.');
}

/**
 * Lowers the two arms of a branch on `cond` from the same state, then joins them: each variable
 * and array element the arms leave different becomes a φ. An arm that leaves on every path
 * (`return`, `break`, `continue`) leaves the other arm's state to the code after the branch, so
 * that code is lowered once.
 */
export function branch(lo: Lowering, cond: Node, at: ts.Node, thenArm: () => void, elseArm: () => void): void {
  const frame = lo.frame;
  const g = lo.graph;
  // A condition known at compile time: the arm not taken is never lowered (it may not even make sense).
  if (cond.kind === 'const') {
    (cond.value ? thenArm : elseArm)();
    return;
  }
  const before = lo.snapshot();
  const path = frame.path;
  const within = (c: Node) => (path === undefined ? c : g.call('&&', path, c));
  const thenPath = within(cond);
  frame.path = thenPath;
  thenArm();
  const [thenState, thenEnded, thenRest] = [lo.snapshot(), frame.ended, frame.path];
  lo.restore(before);
  frame.ended = false;
  const notCond = g.call('!', cond);
  const elsePath = within(notCond);
  frame.path = elsePath;
  elseArm();
  const [elseState, elseEnded, elseRest] = [lo.snapshot(), frame.ended, frame.path];
  frame.ended = thenEnded && elseEnded;
  if (thenEnded || elseEnded) {
    // Only the arm that goes on reaches what follows, so what follows runs under its condition.
    frame.path = frame.ended ? path : thenEnded ? elseRest : thenRest;
    lo.restore(thenEnded ? elseState : thenState);
  } else {
    // An arm left on some of its paths (a `break` in a branch inside it): what follows runs
    // where one of the arms went on.
    frame.path = thenRest === thenPath && elseRest === elsePath ? path : g.call('||', thenRest!, elseRest!);
    lo.restore(join(lo, cond, thenState, elseState, before, at));
  }
}

/** `cond ? a : b` on whole states; variables declared after `scope` are out of scope and dropped. */
export function join(lo: Lowering, cond: Node, a: State, b: State, scope: State, at: ts.Node): State {
  const bindings = new Map<Var, Value>();
  const chosenRecords = new Map<number, readonly Value[]>();
  for (const v of scope.bindings.keys()) {
    const v1 = a.bindings.get(v);
    const v2 = b.bindings.get(v);
    if (v1 === undefined || v2 === undefined) continue;
    const chosen = v1.kind === 'array' && v2.kind === 'array' && v1.ref !== v2.ref ? recordPhi(lo, cond, [v1.ref, a.heap], [v2.ref, b.heap], at) : undefined;
    if (chosen !== undefined) chosenRecords.set(chosen.ref, chosen.elements);
    // A variable `undefined` on one side stays so until it is read (then it is reported).
    const joined = chosen !== undefined ? { kind: 'array' as const, ref: chosen.ref } : v1 === v2 ? v1 : v1.kind === 'undefined' || v2.kind === 'undefined' ? undefinedValue : phi(lo, cond, v1, v2, at);
    bindings.set(v, joined);
  }
  // An array or object made in one arm only is kept: a value chosen from that arm may refer to it.
  const heap = new Map<number, readonly Value[]>([...b.heap, ...chosenRecords]);
  for (const [ref, e1] of a.heap) {
    const e2 = b.heap.get(ref);
    if (e2 === undefined || e1 === e2) {
      heap.set(ref, e1);
      continue;
    }
    if (e1.length !== e2.length) {
      unsupported(codes.unsupportedSyntax, at, 'an array has a different length on the two sides of this branch; give it the same length on both.');
    }
    heap.set(ref, e1.map((v, i) => (v === e2[i] ? v : phi(lo, cond, v, e2[i]!, at))));
  }
  const dynamic = new Map<number, DynamicArray>();
  for (const [ref, d1] of a.dynamic) {
    const d2 = b.dynamic.get(ref);
    if (d2 !== undefined) dynamic.set(ref, joinDynamic(lo, cond, d1, d2, at));
  }
  return { bindings, heap, dynamic };
}

/** The state of the first of `exits` whose guard holds, the last being the default. */
export function joinAll(lo: Lowering, exits: readonly { readonly guard: Node | undefined; readonly state: State }[], scope: State, at: ts.Node): State {
  let state = exits[exits.length - 1]!.state;
  for (let i = exits.length - 2; i >= 0; i--) state = join(lo, exits[i]!.guard!, exits[i]!.state, state, scope, at);
  return state;
}

/**
 * The IR: a hash-consed expression DAG in SSA form (DESIGN.md §4). Every value a marked function
 * computes is a node; building the same operation on the same operands twice returns the same node,
 * so shared subexpressions stay shared through lowering, differentiation and emission.
 */
import type ts from 'typescript';
import { primitive, type PrimitiveName } from './rules.js';

/** An inactive value read at run time, described so that emit can rebuild it in the companion. */
export type OpaqueExpr =
  | { readonly kind: 'this' }
  | { readonly kind: 'param'; readonly index: number }
  /** A name from an enclosing scope or a global; `node` is the source identifier, reused on emit. */
  | { readonly kind: 'free'; readonly name: string; readonly node: ts.Identifier | undefined }
  | { readonly kind: 'property'; readonly base: OpaqueExpr; readonly name: string; readonly node: ts.MemberName | undefined };

export type Node = ConstNode | ParamNode | OpaqueNode | ApplyNode;

interface NodeBase {
  readonly id: number;
  /** Depends on a differentiated parameter. */
  readonly active: boolean;
}

export interface ConstNode extends NodeBase {
  readonly kind: 'const';
  readonly value: number;
  /** `Math.PI` and friends keep their name so that emitted code reads like the source. */
  readonly name?: string;
}

export interface ParamNode extends NodeBase {
  readonly kind: 'param';
  readonly index: number;
  readonly name: string;
  /** For an element of an array parameter: its index. */
  readonly element?: number;
}

export interface OpaqueNode extends NodeBase {
  readonly kind: 'opaque';
  readonly expr: OpaqueExpr;
}

export interface ApplyNode extends NodeBase {
  readonly kind: 'apply';
  readonly op: PrimitiveName;
  readonly args: readonly Node[];
}

export function opaqueKey(e: OpaqueExpr): string {
  switch (e.kind) {
    case 'this':
      return 'this';
    case 'param':
      return `$${e.index}`;
    case 'free':
      return e.name;
    case 'property':
      return `${opaqueKey(e.base)}.${e.name}`;
  }
}

function constKey(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * Builds nodes. Constructors fold only what is exact in floating point (operations on constants,
 * `x * 1`, `x - 0`, double negation, ...), so the companion's value agrees with the primal's.
 */
export class Graph {
  private readonly table = new Map<string, Node>();
  private nextId = 0;

  /** Every node in creation order, which is a topological order. */
  readonly nodes: Node[] = [];

  private intern<N extends Node>(key: string, make: (id: number) => N): N {
    const found = this.table.get(key);
    if (found !== undefined) return found as N;
    const node = make(this.nextId++);
    this.table.set(key, node);
    this.nodes.push(node);
    return node;
  }

  constant(value: number, name?: string): ConstNode {
    const key = name !== undefined ? `#${name}` : `#${constKey(value)}`;
    return this.intern(key, (id) => ({ id, kind: 'const', active: false, value, ...(name !== undefined ? { name } : {}) }));
  }

  param(index: number, name: string, element?: number): ParamNode {
    const key = element === undefined ? `p${index}` : `p${index}[${element}]`;
    return this.intern(key, (id) => ({ id, kind: 'param', active: true, index, name, ...(element !== undefined ? { element } : {}) }));
  }

  opaque(expr: OpaqueExpr): OpaqueNode {
    return this.intern(`o:${opaqueKey(expr)}`, (id) => ({ id, kind: 'opaque', active: false, expr }));
  }

  /** `op(args)`, simplified by exact rewrites, then hash-consed. */
  apply(op: PrimitiveName, args: readonly Node[]): Node {
    // IEEE addition and multiplication commute exactly: one order for both spellings lets
    // hash-consing see `a * b` and `b * a` as the same value (constants stay in front).
    if ((op === '+' || op === '*') && args[0]!.kind !== 'const' && args[1]!.kind !== 'const' && args[0]!.id > args[1]!.id) {
      args = [args[1]!, args[0]!];
    }
    const simpler = simplify(this, op, args);
    if (simpler !== undefined) return simpler;
    const key = `${op}(${args.map((a) => a.id).join(',')})`;
    const active = args.some((a) => a.active);
    return this.intern(key, (id) => ({ id, kind: 'apply', active, op, args }));
  }

  add(a: Node, b: Node): Node {
    return this.apply('+', [a, b]);
  }
  sub(a: Node, b: Node): Node {
    return this.apply('-', [a, b]);
  }
  mul(a: Node, b: Node): Node {
    return this.apply('*', [a, b]);
  }
  div(a: Node, b: Node): Node {
    return this.apply('/', [a, b]);
  }
  neg(a: Node): Node {
    return this.apply('neg', [a]);
  }
  call(op: PrimitiveName, ...args: Node[]): Node {
    return this.apply(op, args);
  }
}

/** Is `n` a constant (with exactly this value, if given)? Not a type guard: false says nothing of `kind`. */
export function isConst(n: Node, value?: number): boolean {
  return n.kind === 'const' && (value === undefined || Object.is(n.value, value));
}

function isNeg(n: Node): n is ApplyNode & { readonly op: 'neg' } {
  return n.kind === 'apply' && n.op === 'neg';
}

function isBoolean(n: Node): boolean {
  return n.kind === 'apply' && primitive(n.op).boolean === true;
}

function isPhi(n: Node): n is ApplyNode & { readonly op: 'select' } {
  return n.kind === 'apply' && n.op === 'select';
}

/**
 * The φ rules of DESIGN.md §5: a constant condition picks its arm; equal arms need no φ; a negated
 * condition swaps the arms; a φ nested in an arm of a φ on the same condition is that arm; a factor
 * or a term common to both arms moves out of the φ.
 */
function simplifyPhi(g: Graph, c: Node, whenTrue: Node, whenFalse: Node): Node | undefined {
  if (c.kind === 'const') return c.value ? whenTrue : whenFalse;
  if (whenTrue === whenFalse) return whenTrue;
  if (c.kind === 'apply' && c.op === '!') return g.call('select', c.args[0]!, whenFalse, whenTrue);
  if (isPhi(whenTrue) && whenTrue.args[0] === c) return g.call('select', c, whenTrue.args[1]!, whenFalse);
  if (isPhi(whenFalse) && whenFalse.args[0] === c) return g.call('select', c, whenTrue, whenFalse.args[2]!);
  if (whenTrue.kind === 'apply' && whenFalse.kind === 'apply' && whenTrue.op === whenFalse.op && (whenTrue.op === '*' || whenTrue.op === '+')) {
    const [a1, a2] = whenTrue.args as [Node, Node];
    const [b1, b2] = whenFalse.args as [Node, Node];
    const combine = (shared: Node, x: Node, y: Node): Node => g.apply(whenTrue.op, [shared, g.call('select', c, x, y)]);
    if (a1 === b1) return combine(a1, a2, b2);
    if (a2 === b2) return combine(a2, a1, b1);
    if (a1 === b2) return combine(a1, a2, b1);
    if (a2 === b1) return combine(a2, a1, b2);
  }
  return undefined;
}

/** `c * x` with a constant `c`. */
function isScaled(n: Node): n is ApplyNode & { readonly args: readonly [ConstNode, Node] } {
  return n.kind === 'apply' && n.op === '*' && n.args[0]!.kind === 'const';
}

/** `-x`, a negative constant, or `c * x`, `c / x` with a negative constant `c`: written better as a subtraction. */
function isNegative(n: Node): boolean {
  if (n.kind === 'const') return n.value < 0;
  return isNeg(n) || (n.kind === 'apply' && (n.op === '*' || n.op === '/') && n.args[0]!.kind === 'const' && n.args[0].value < 0);
}

/** `-n`, exactly; for a negative `n` (see `isNegative`) without a negation left over. */
function negated(g: Graph, n: Node): Node {
  if (isNeg(n)) return n.args[0]!;
  return g.neg(n);
}

/** Exact rewrites only; `undefined` means "no simpler form". */
function simplify(g: Graph, op: PrimitiveName, args: readonly Node[]): Node | undefined {
  const rule = primitive(op);
  if (rule.fold !== undefined && args.every((a) => a.kind === 'const')) {
    const value = rule.fold(...args.map((a) => (a as ConstNode).value));
    return g.constant(value);
  }
  const [a, b] = args as [Node, Node];
  switch (op) {
    case '+':
      if (isConst(b, 0) || isConst(b, -0)) return a;
      if (isConst(a, 0) || isConst(a, -0)) return b;
      // φ(c, a₁, b₁) + φ(c, a₂, b₂) = φ(c, a₁ + a₂, b₁ + b₂): adjoints from both arms of one branch meet.
      if (isPhi(a) && isPhi(b) && a.args[0] === b.args[0]) {
        return g.call('select', a.args[0]!, g.add(a.args[1]!, b.args[1]!), g.add(a.args[2]!, b.args[2]!));
      }
      if (a === b) return g.mul(g.constant(2), a);
      if (isNegative(b)) return g.sub(a, negated(g, b));
      if (isNegative(a)) return g.sub(b, negated(g, a));
      return undefined;
    case '-':
      if (isConst(b, 0)) return a;
      if (isConst(a, 0)) return g.neg(b);
      if (isNegative(b)) return g.add(a, negated(g, b));
      return undefined;
    case '*':
      if (isConst(b, 1)) return a;
      if (isConst(a, 1)) return b;
      if (isConst(b, -1)) return g.neg(a);
      if (isConst(a, -1)) return g.neg(b);
      if (isNeg(a) && isNeg(b)) return g.mul(a.args[0]!, b.args[0]!);
      if (a.kind === 'const' && isNeg(b)) return g.mul(g.constant(-a.value), b.args[0]!);
      if (isNeg(a)) return g.neg(g.mul(a.args[0]!, b));
      if (isNeg(b)) return g.neg(g.mul(a, b.args[0]!));
      // Constants first: `2 * x` reads like maths, and folds with a constant already in front.
      if (b.kind === 'const' && a.kind !== 'const') return g.mul(b, a);
      if (a.kind === 'const' && isScaled(b)) return g.mul(g.constant(a.value * b.args[0].value), b.args[1]!);
      // Constants gather in front of a product: (c·u)·v = c·(u·v).
      if (a.kind !== 'const' && isScaled(a)) return g.mul(a.args[0], g.mul(a.args[1]!, b));
      if (a.kind !== 'const' && isScaled(b)) return g.mul(b.args[0], g.mul(a, b.args[1]!));
      return undefined;
    case '/':
      if (isConst(b, 1)) return a;
      if (isNeg(a) && isNeg(b)) return g.div(a.args[0]!, b.args[0]!);
      if (isNeg(a)) return g.neg(g.div(a.args[0]!, b));
      return undefined;
    case 'neg':
      if (isNeg(a)) return a.args[0];
      // -(c·x) = (-c)·x and -(c/x) = (-c)/x: the sign joins the constant.
      if (a.kind === 'apply' && (a.op === '*' || a.op === '/') && a.args[0]!.kind === 'const') {
        return g.apply(a.op, [g.constant(-a.args[0].value), a.args[1]!]);
      }
      return undefined;
    case '**':
      if (isConst(b, 1)) return a;
      if (isConst(b, 0)) return g.constant(1);
      return undefined;
    case 'select':
      return simplifyPhi(g, args[0]!, args[1]!, args[2]!);
    case '!':
      // !!c is c only for a boolean c; for a number it is the number's truthiness.
      if (a.kind === 'apply' && a.op === '!' && isBoolean(a.args[0]!)) return a.args[0];
      return undefined;
    case '&&':
      if (a.kind === 'const') return a.value ? b : a;
      if (b.kind === 'const' && b.value) return a;
      return a === b ? a : undefined;
    case '||':
      if (a.kind === 'const') return a.value ? a : b;
      if (b.kind === 'const' && !b.value) return a;
      return a === b ? a : undefined;
    default:
      return undefined;
  }
}

/** Operation count of the expressions rooted at `roots`, each shared node counted once. */
export function operationCount(roots: readonly Node[]): number {
  const seen = new Set<number>();
  let count = 0;
  const visit = (n: Node): void => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    if (n.kind !== 'apply') return;
    count++;
    n.args.forEach(visit);
  };
  roots.forEach(visit);
  return count;
}

/** A one-line rendering for debug dumps and tests: `(y - x * x) ** 2`. */
export function show(n: Node): string {
  switch (n.kind) {
    case 'const':
      return n.name ?? constKey(n.value);
    case 'param':
      return n.element === undefined ? n.name : `${n.name}[${n.element}]`;
    case 'opaque':
      return opaqueKey(n.expr);
    case 'apply': {
      const rule = primitive(n.op);
      const args = n.args.map(show);
      if (rule.infix !== undefined && args.length === 2) return `(${args[0]} ${rule.infix} ${args[1]})`;
      if (n.op === 'neg') return `-${args[0]}`;
      if (n.op === 'select') return `(${args[0]} ? ${args[1]} : ${args[2]})`;
      if (n.op === '!') return `!${args[0]}`;
      return `${rule.mathName !== undefined ? `Math.${rule.mathName}` : n.op}(${args.join(', ')})`;
    }
  }
}

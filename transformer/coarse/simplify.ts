/**
 * Guarded simplification of partial derivatives by Algebrite (DESIGN.md §6). A partial small enough
 * is written out for Algebrite, with every leaf and every subexpression Algebrite has no notion of
 * (a φ, a comparison, `hypot`, a value from a loop) standing as a symbol; what comes back is read into
 * the graph again. It is kept only if it is smaller and if, at random points, it evaluates to what
 * the original does: a simplifier bug, or an identity that holds on a set of measure zero only,
 * cannot change a gradient. Algebrite runs synchronously, so the time bound is a budget per build
 * (one program), checked between calls, and the size bound keeps each call short (a call on a
 * partial of a dozen operations takes 5 to 200 ms here, the first one the longest).
 */
import { isConst, operationCount, type Graph, type Node } from './ir.js';
import { primitive, type PrimitiveName } from '../rules.js';

/** A simplifier: an expression in Algebrite's syntax to another, or undefined if it gives up. */
export type Simplifier = (expression: string) => string | undefined;

export interface SimplifyOptions {
  /** Partials with fewer operations are left alone: nothing to gain. */
  readonly minOperations: number;
  /** Partials with more operations are left alone: Algebrite's time grows fast with size. */
  readonly maxOperations: number;
  /** Milliseconds of simplification per build, shared by its marked functions; once spent, the rest is left as it is. */
  readonly budget: Budget;
  readonly simplifier: Simplifier;
}

export interface Budget {
  readonly limitMs: number;
  spentMs: number;
}

/** Algebrite's `simplify`, loaded on first use (it is large, and most builds need few calls). */
export const algebrite: Simplifier = (expression) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const engine = require('algebrite') as { run(text: string): string };
  try {
    const result = engine.run(`simplify(${expression})`);
    return /error|stop/i.test(result) ? undefined : result;
  } catch {
    return undefined;
  }
};

/** Options for one build: its own budget of 250 ms. */
export function simplifyOptions(): SimplifyOptions {
  return { minOperations: 4, maxOperations: 12, budget: { limitMs: 250, spentMs: 0 }, simplifier: algebrite };
}

/** What the guard saw, for the report and the tests. */
export interface SimplifyStats {
  tried: number;
  accepted: number;
  /** Simplifications the guard refused: they disagreed with the original at a random point. */
  rejected: number;
  ms: number;
}

export function newStats(): SimplifyStats {
  return { tried: 0, accepted: 0, rejected: 0, ms: 0 };
}

/** Algebrite's names for the primitives it knows. */
const algebraic: Partial<Record<PrimitiveName, string>> = {
  sin: 'sin', cos: 'cos', tan: 'tan', asin: 'arcsin', acos: 'arccos', atan: 'arctan',
  sinh: 'sinh', cosh: 'cosh', tanh: 'tanh', exp: 'exp', log: 'log', abs: 'abs',
};
const fromAlgebrite = new Map(Object.entries(algebraic).map(([op, name]) => [name, op as PrimitiveName]));

/** `n` simplified, or `n` itself when simplification is not worth it, fails, or is refused. */
export function simplifyGuarded(g: Graph, n: Node, options: SimplifyOptions, stats: SimplifyStats): Node {
  if (n.kind !== 'apply' || options.budget.spentMs >= options.budget.limitMs) return n;
  const size = operationCount([n]);
  if (size < options.minOperations || size > options.maxOperations) return n;
  const leaves: Node[] = [];
  const text = write(n, leaves);
  // A leaf used once leaves nothing to cancel or collect: Algebrite would only reorder.
  if (!/(v\d+)\b[\s\S]*\b\1\b/.test(text)) return n;
  stats.tried++;
  const start = performance.now();
  const result = options.simplifier(text);
  const spent = performance.now() - start;
  stats.ms += spent;
  options.budget.spentMs += spent;
  if (result === undefined) return n;
  const simplified = read(g, result, leaves);
  if (simplified === undefined || operationCount([simplified]) >= size) return n;
  if (!agrees(n, simplified, leaves)) {
    stats.rejected++;
    return n;
  }
  stats.accepted++;
  return simplified;
}

/** `n` in Algebrite's syntax; what it cannot express becomes a symbol `v<k>` standing for `leaves[k]`. */
function write(n: Node, leaves: Node[]): string {
  const leaf = (m: Node): string => {
    let k = leaves.indexOf(m);
    if (k < 0) k = leaves.push(m) - 1;
    return `v${k}`;
  };
  const visit = (m: Node): string => {
    if (m.kind === 'const' && m.name === undefined && Number.isFinite(m.value)) {
      // Integers stay exact; other constants are written exactly as JavaScript prints them.
      return m.value < 0 ? `(${m.value})` : String(m.value);
    }
    if (m.kind !== 'apply') return leaf(m);
    const a = m.args.map(visit);
    switch (m.op) {
      case '+': return `(${a[0]}+${a[1]})`;
      case '-': return `(${a[0]}-${a[1]})`;
      case '*': return `(${a[0]}*${a[1]})`;
      case '/': return `(${a[0]}/${a[1]})`;
      case 'neg': return `(-${a[0]})`;
      case '**':
      case 'pow': return `(${a[0]}^${a[1]})`;
      case 'sqrt': return `(${a[0]}^(1/2))`;
      default: {
        const name = algebraic[m.op];
        return name === undefined ? leaf(m) : `${name}(${a[0]})`;
      }
    }
  };
  return visit(n);
}

/** Reads Algebrite's output back into the graph; undefined for anything it does not recognise. */
export function read(g: Graph, text: string, leaves: readonly Node[]): Node | undefined {
  const tokens = text.replace(/\s+/g, '').match(/\d+\.?\d*(?:e[+-]?\d+)?|[A-Za-z_]\w*|[-+*/^()]/g);
  if (tokens === null || tokens.join('') !== text.replace(/\s+/g, '')) return undefined;
  let at = 0;
  const peek = () => tokens[at];
  const fail = (): never => {
    throw new SyntaxError(text);
  };
  const expect = (t: string) => (tokens[at++] === t ? undefined : fail());
  // sum := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*; unary := '-' unary | power;
  // power := atom ('^' unary)?; atom := number | symbol | name '(' sum ')' | '(' sum ')'
  const sum = (): Node => {
    let left = term();
    while (peek() === '+' || peek() === '-') left = tokens[at++] === '+' ? g.add(left, term()) : g.sub(left, term());
    return left;
  };
  const term = (): Node => {
    let left = unary();
    while (peek() === '*' || peek() === '/') left = tokens[at++] === '*' ? g.mul(left, unary()) : g.div(left, unary());
    return left;
  };
  const unary = (): Node => {
    if (peek() === '-') {
      at++;
      return g.neg(unary());
    }
    return power();
  };
  const power = (): Node => {
    const base = atom();
    if (peek() !== '^') return base;
    at++;
    const exponent = unary();
    if (isConst(exponent, 0.5)) return g.call('sqrt', base);
    if (isConst(exponent, -0.5)) return g.div(g.constant(1), g.call('sqrt', base));
    return g.apply('**', [base, exponent]);
  };
  const atom = (): Node => {
    const t = tokens[at++] ?? fail();
    if (t === '(') {
      const inner = sum();
      expect(')');
      return inner;
    }
    if (/^\d/.test(t)) return g.constant(Number(t));
    const symbol = /^v(\d+)$/.exec(t);
    if (symbol !== null) return leaves[Number(symbol[1])] ?? fail();
    const op = fromAlgebrite.get(t) ?? fail();
    expect('(');
    const arg = sum();
    expect(')');
    return g.call(op, arg);
  };
  try {
    const result = sum();
    return at === tokens.length ? result : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Do `a` and `b` evaluate alike at random points? Leaves take values in [0.25, 2] and [-2, -0.25]
 * (both signs, away from 0); points where `a` is not finite say nothing, and at least four must
 * speak. Deterministic: the same points on every build.
 */
function agrees(a: Node, b: Node, leaves: readonly Node[]): boolean {
  let seed = 0x2545f491;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let compared = 0;
  for (let trial = 0; trial < 16; trial++) {
    const env = new Map<Node, number>(leaves.map((leaf) => [leaf, (trial % 2 === 0 ? 1 : -1) * (0.25 + 1.75 * random())]));
    const x = evaluate(a, env);
    if (!Number.isFinite(x)) continue;
    const y = evaluate(b, env);
    if (!(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x)))) return false;
    compared++;
  }
  return compared >= 4;
}

function evaluate(n: Node, env: ReadonlyMap<Node, number>): number {
  const bound = env.get(n);
  if (bound !== undefined) return bound;
  if (n.kind === 'const') return n.value;
  if (n.kind !== 'apply') return NaN;
  const x = n.args.map((m) => evaluate(m, env));
  switch (n.op) {
    case '+': return x[0]! + x[1]!;
    case '-': return x[0]! - x[1]!;
    case '*': return x[0]! * x[1]!;
    case '/': return x[0]! / x[1]!;
    case 'neg': return -x[0]!;
    case '**':
    case 'pow': return x[0]! ** x[1]!;
    default: {
      if (primitive(n.op).stable === true) return x[0]!;
      const name = primitive(n.op).mathName;
      const fn = name === undefined ? undefined : (Math as unknown as Record<string, (...v: number[]) => number>)[name];
      return fn === undefined ? NaN : fn(...x);
    }
  }
}

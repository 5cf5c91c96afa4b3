/**
 * The random program generator: one marked function (with its helpers, module constants and, for
 * the method spellings, its class) over everything README.md's "What can be differentiated today"
 * lists, mixed at random and nested. Programs type-check under `strict`, and their primal stays
 * finite on the sample points: every non-polynomial function gets an argument on its safe domain,
 * divisors are bounded away from 0, array indices stay in range, and every loop terminates.
 */
import {
  assign,
  bin,
  call,
  cond,
  decl,
  exprStmt,
  id,
  index,
  math,
  member,
  neg,
  not,
  num,
  paramTypes,
  ret,
  type Expr,
  type FnDecl,
  type Param,
  type ParamKind,
  type Program,
  type Spelling,
  type Stmt,
} from './ast.js';
import { Rng, seedFor } from './random.js';

/** The length of an array: a number known at compile time, or a name for a length known at run time. */
type Len = number | string;

interface NumVar {
  name: string;
  kind: 'param' | 'local' | 'forof' | 'const' | 'field' | 'counter' | 'cursor';
  mutable: boolean;
  /** `let h;` without a type: a closure must not capture it (TS7034). */
  untyped?: boolean;
}

interface ArrVar {
  name: string;
  /** TypeScript type of the variable. */
  type: 'number[]' | 'readonly number[]' | 'Float64Array' | 'Float32Array' | 'any[]';
  /** Its length: a number, `'L'` (the shared length of parameter arrays), `'n'`/`'k'` (≤ L), or a helper parameter's own name. */
  len: Len;
  /** Length it is guaranteed to have at least. */
  min: number;
  local: boolean;
  writable: boolean;
  pushable: boolean;
}

interface ObjVar {
  name: string;
  writable: boolean;
  reassignable: boolean;
}

/**
 * A loop counter: `name - offset` takes values in [lo, bound - 1] (`offset` is 1 for the counters
 * of `while (c < K) { c++; ... }`, which run 1..K).
 */
interface Counter {
  name: string;
  lo: number;
  bound: Len;
  offset?: number;
}

interface Env {
  nums: NumVar[];
  arrays: ArrVar[];
  objs: ObjVar[];
  counters: Counter[];
  /** Innermost loop of the current function, for `break`/`continue`. */
  loop: { runtime: boolean; accumulators: string[] } | null;
  loopDepth: number;
  blockDepth: number;
  inTarget: boolean;
  /** Inside a local arrow: variables of the enclosing function are read-only. */
  inArrow: boolean;
  /** Local arrow helpers in scope. */
  arrows: { name: string; arity: number; required: number }[];
  /** Trip-count parameters in scope: `n` (plain number) and `k` (Int). */
  counts: { name: string; len: string }[];
  /** The helper being built (excluded from calls: no recursion). */
  building: Set<string>;
}

const counterNames = ['i', 'j', 'q', 'r', 'u2', 'u3'];

function copyEnv(env: Env): Env {
  return {
    ...env,
    nums: env.nums.slice(),
    arrays: env.arrays.map((a) => ({ ...a })),
    objs: env.objs.map((o) => ({ ...o })),
    counters: env.counters.slice(),
    arrows: env.arrows.slice(),
  };
}

/** Array facts learned inside a block (a push, a write that makes an array non-pushable) flow back out. */
function mergeArrays(outer: Env, inner: Env): void {
  for (const a of outer.arrays) {
    const b = inner.arrays.find((x) => x.name === a.name);
    if (b !== undefined) {
      a.pushable = a.pushable && b.pushable;
      a.writable = a.writable && b.writable;
    }
  }
  for (const o of outer.objs) {
    const b = inner.objs.find((x) => x.name === o.name);
    if (b !== undefined) {
      o.writable = o.writable && b.writable;
      o.reassignable = o.reassignable && b.reassignable;
    }
  }
}

const literals = [0.25, 0.5, 0.75, 1, 1.5, 2, 0.3, 0.7, 1.2, 0.1, 0.9, 3, 1.25, 0.6];

interface HelperInfo {
  name: string;
  /** What it takes and gives. */
  sig: 'num' | 'arr' | 'objmk' | 'objmap' | 'objread' | 'mutarr' | 'mutobj';
  /** For array helpers: the array parameter's type. */
  arrType?: string;
  arity: number;
  required: number;
  returnsNumber: boolean;
}

export class Generator {
  private names = 0;
  private helperCount = 0;
  private readonly helperInfo: HelperInfo[] = [];
  private readonly feat = new Set<string>();
  private readonly program: Program;
  private stmtBudget: number;

  constructor(private readonly rng: Rng) {
    this.program = {
      consts: [],
      types: [],
      helpers: [],
      target: { name: '@f', params: [], ret: 'number', body: [], style: 'function' },
      spelling: 'decl',
      fields: [],
      kinds: [],
      features: [],
    };
    this.stmtBudget = rng.int(8, 24);
  }

  private f(name: string): void {
    this.feat.add(name);
  }

  /** Tags a write to a parameter (of the marked function, or of a helper). */
  private paramWrite(env: Env, v: NumVar): void {
    if (v.kind === 'param') this.f(env.inTarget ? 'stmt:param-reassign' : 'helper:param-reassign');
  }

  private fresh(base: string): string {
    return `${base}${++this.names}`;
  }

  // -------------------------------------------------------------------------------------------
  // The program

  generate(): Program {
    const rng = this.rng;
    const p = this.program;
    p.spelling = rng.weighted<Spelling>([
      [4, 'decl'],
      [2, 'arrow'],
      [1, 'fnexpr'],
      [2, 'wrapper'],
      [2, 'method'],
      [0.5, 'static'],
    ]);
    this.f(`spelling:${p.spelling}`);
    if (p.spelling === 'method') {
      const count = rng.int(1, 2);
      for (let i = 0; i < count; i++) p.fields.push({ name: `k${i + 1}`, value: rng.pick(literals) });
    }

    // Parameters.
    const kinds: ParamKind[] = [];
    const numCount = rng.weighted([
      [3, 1],
      [4, 2],
      [2, 3],
      [0.7, 4],
    ]);
    for (let i = 0; i < numCount; i++) kinds.push('num');
    const arrCount = rng.weighted([
      [1, 0],
      [3, 1],
      [1.5, 2],
    ]);
    for (let i = 0; i < arrCount; i++) kinds.push(rng.pick<ParamKind>(['arr', 'roarr', 'f64', 'f32']));
    if (rng.chance(0.35)) kinds.push('count');
    if (rng.chance(0.25)) kinds.push('int');
    if (rng.chance(0.3)) kinds.push('bool');
    if (rng.chance(0.4)) shuffle(rng, kinds);
    const numNames = ['x', 'y', 'z', 'w'];
    const arrNames = ['xs', 'ys', 'zs'];
    let ni = 0;
    let ai = 0;
    const params: Param[] = kinds.map((k) => {
      switch (k) {
        case 'num':
          return { name: numNames[ni++]!, type: 'number' };
        case 'count':
          return { name: 'n', type: 'number' };
        case 'int':
          return { name: 'k', type: 'Int' };
        case 'bool':
          return { name: 'flag', type: 'boolean' };
        default:
          return { name: arrNames[ai++]!, type: paramTypes[k] };
      }
    });
    // A default on a trailing number parameter.
    const last = params.at(-1);
    if (last !== undefined && kinds.at(-1) === 'num' && rng.chance(0.2)) {
      last.def = rng.pick([0.5, 1.5, 2, 0.25]);
      this.f('param:default');
    }
    for (const k of kinds) this.f(`param:${k}`);
    p.kinds = kinds;
    p.target.params = params;

    const env: Env = {
      nums: [],
      arrays: [],
      objs: [],
      counters: [],
      loop: null,
      loopDepth: 0,
      blockDepth: 0,
      inTarget: true,
      inArrow: false,
      arrows: [],
      counts: [],
      building: new Set(),
    };
    params.forEach((q, i) => {
      const k = kinds[i]!;
      if (k === 'num') env.nums.push({ name: q.name, kind: 'param', mutable: true });
      else if (k === 'count') env.counts.push({ name: 'n', len: 'n' });
      else if (k === 'int') env.counts.push({ name: 'k', len: 'k' });
      else if (k !== 'bool') env.arrays.push({ name: q.name, type: q.type as ArrVar['type'], len: 'L', min: 3, local: false, writable: false, pushable: false });
    });
    if (p.spelling === 'method') for (const fld of p.fields) env.nums.push({ name: fld.name, kind: 'field', mutable: false });

    const body: Stmt[] = [];
    // Parameter reassignment up front, sometimes.
    const numParams = env.nums.filter((v) => v.kind === 'param');
    if (numParams.length > 0 && rng.chance(0.25)) {
      const v = rng.pick(numParams);
      body.push(assign(id(v.name), rng.pick(['=', '+=', '*=']), this.bounded(env, 1)));
      this.f('stmt:param-reassign');
    }
    const top = rng.int(3, 8);
    for (let i = 0; i < top && this.stmtBudget > 0; i++) body.push(...this.statement(env));
    body.push(ret(this.combine(env, true)));
    p.target.body = body;
    scanShapes(p, this.feat);
    p.features = [...this.feat].sort();
    return p;
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  private literal(): Expr {
    const v = this.rng.pick(literals);
    return num(this.rng.chance(0.2) ? -v : v);
  }

  /** A number-valued variable read. */
  private varRead(env: Env, v: NumVar): Expr {
    if (v.kind === 'field') {
      this.f('read:this-field');
      return member({ t: 'this' }, v.name);
    }
    return id(v.name);
  }

  private moduleConst(): Expr {
    const p = this.program;
    this.f('read:module-const');
    if (p.consts.length > 0 && this.rng.chance(0.6)) return id(this.rng.pick(p.consts).name);
    const name = `@K${p.consts.length + 1}`;
    p.consts.push({ name, value: this.rng.pick(literals) });
    return id(name);
  }

  /** An index into `a` that is in range on every sample point, or undefined. */
  private indexFor(env: Env, a: ArrVar): Expr | undefined {
    const fixed: Expr[] = [];
    const moving: Expr[] = [];
    for (let c = 0; c < Math.min(a.min, 4); c++) fixed.push(num(c));
    if (a.min >= 1) fixed.push(bin('-', member(id(a.name), 'length'), num(1)));
    for (const c of env.counters) {
      if (fits(c.bound, a)) {
        if ((c.offset ?? 0) === 0) {
          moving.push(id(c.name), id(c.name));
          if (c.lo >= 1) moving.push(bin('-', id(c.name), num(1)));
        } else moving.push(bin('-', id(c.name), num(c.offset!)));
      }
      if (a.min >= 1 && c.lo >= 0) {
        const modulus = typeof a.len === 'number' ? num(a.len) : member(id(a.name), 'length');
        moving.push(bin('%', bin('+', id(c.name), num(this.rng.int(1, 2))), modulus));
      }
    }
    // Prefer counters.
    if (moving.length > 0 && (fixed.length === 0 || this.rng.chance(0.6))) return this.rng.pick(moving);
    return fixed.length > 0 ? this.rng.pick(fixed) : undefined;
  }

  private arrayRead(env: Env): Expr | undefined {
    const candidates = env.arrays.filter((a) => this.indexFor(env, a) !== undefined);
    if (candidates.length === 0) return undefined;
    const a = this.rng.pick(candidates);
    this.f(a.local ? 'read:local-array' : `read:param-array`);
    return index(id(a.name), this.indexFor(env, a)!, this.rng.chance(0.5));
  }

  private leaf(env: Env): Expr {
    const rng = this.rng;
    const readable = env.nums;
    const mutable = writableNums(env).filter((v) => v.kind === 'local');
    const kind = rng.weighted<string>([
      [2, 'lit'],
      [readable.length > 0 ? 7 : 0, 'var'],
      [env.counters.length > 0 ? 1.2 : 0, 'counter'],
      [env.arrays.length > 0 ? 4 : 0, 'arr'],
      [env.objs.length > 0 ? 2 : 0, 'obj'],
      [env.arrays.length > 0 ? 0.4 : 0, 'len'],
      [0.4, 'const'],
      [0.2, 'mathconst'],
      [mutable.length > 0 ? 0.35 : 0, 'update'],
    ]);
    switch (kind) {
      case 'var':
        return this.varRead(env, rng.pick(readable));
      case 'counter': {
        const c = rng.pick(env.counters);
        this.f('read:counter');
        return rng.chance(0.5) ? id(c.name) : bin('*', id(c.name), num(rng.pick([0.1, 0.25, 0.5])));
      }
      case 'arr':
        return this.arrayRead(env) ?? this.literal();
      case 'obj': {
        const o = rng.pick(env.objs);
        this.f('read:object-field');
        return member(id(o.name), rng.pick(['x', 'y']));
      }
      case 'len': {
        // Not of an array of length n or k: those stay trip counts only, with gradient 0.
        const sized = env.arrays.filter((a) => a.len !== 'n' && a.len !== 'k');
        if (sized.length === 0) return this.literal();
        const a = rng.pick(sized);
        this.f('read:length');
        return bin('*', member(id(a.name), 'length'), num(rng.pick([0.1, 0.25, 0.5])));
      }
      case 'const':
        return this.moduleConst();
      case 'mathconst':
        this.f('read:math-const');
        return bin('*', member(id('Math'), rng.pick(['PI', 'E', 'SQRT2', 'LN2'])), num(rng.pick([0.1, 0.25, 0.5])));
      case 'update': {
        const v = rng.pick(mutable);
        this.f('expr:update-value');
        return { t: 'update', op: rng.pick(['++', '--'] as const), prefix: rng.chance(0.4), target: id(v.name) };
      }
      default:
        return this.literal();
    }
  }

  /** A number expression of depth at most `d`. */
  num(env: Env, d: number): Expr {
    const rng = this.rng;
    if (d <= 0) return this.leaf(env);
    const sub = (): Expr => this.num(env, d - 1);
    const kind = rng.weighted<string>([
      [3, 'leaf'],
      [5, 'arith'],
      [0.8, 'neg'],
      [5, 'math'],
      [1.2, 'cond'],
      [0.5, 'select'],
      [this.callableHelpers(env).length > 0 ? 1.5 : 0.8, 'helper'],
      [env.arrows.length > 0 ? 1 : 0, 'arrow'],
      [env.arrays.length > 0 ? 0.5 : 0, 'reduce'],
    ]);
    switch (kind) {
      case 'reduce': {
        // `xs.reduce((acc, v) => acc + e(v), 0)`: a sum the front end writes as its loop, the
        // callback desugared in place, reading the variables around it (and writing none).
        const a = rng.pick(env.arrays);
        const [acc, v] = [this.fresh('acc'), this.fresh('v')];
        const inner = copyEnv(env);
        inner.inArrow = true;
        // `let h;` without a type cannot be read in a closure (TS7034).
        inner.nums = inner.nums.filter((n) => n.untyped !== true);
        inner.nums.push({ name: acc, kind: 'forof', mutable: false }, { name: v, kind: 'forof', mutable: false });
        this.f('expr:reduce');
        const body = bin(rng.pick(['+', '-']), id(acc), this.num(inner, d - 1));
        return { t: 'method', o: id(a.name), name: 'reduce', args: [{ t: 'lambda', params: [acc, v], body }, this.literal()] };
      }
      case 'arith': {
        const op = rng.weighted([
          [3, '+'],
          [2, '-'],
          [3, '*'],
        ]);
        this.f(`op:${op}`);
        return bin(op, sub(), sub());
      }
      case 'neg':
        this.f('op:unary-minus');
        return neg(sub());
      case 'math':
        return this.mathTemplate(env, d);
      case 'cond':
        this.f('expr:ternary');
        return cond(this.condition(env, d - 1), sub(), sub());
      case 'select': {
        const op = rng.pick(['||', '&&']);
        this.f(`expr:select${op}`);
        // A left side whose type is a literal is always truthy or always falsy: a type error
        // (TS2872), as are a module constant (`const K = 0.75`) and a choice between literals.
        const left = sub();
        const literal = (e: Expr): boolean => e.t === 'num' || (e.t === 'unary' && literal(e.a)) || (e.t === 'id' && e.name.startsWith('@K')) || (e.t === 'cond' && literal(e.a) && literal(e.b));
        return bin(op, literal(left) ? math('sin', left) : left, sub());
      }
      case 'helper':
        return this.helperCall(env, d);
      case 'arrow': {
        const a = rng.pick(env.arrows);
        this.f('call:local-arrow');
        const n = rng.int(a.required, a.arity);
        return call(a.name, ...Array.from({ length: n }, sub));
      }
      default:
        return this.leaf(env);
    }
  }

  /** Every Math function of the README, each on a domain where it is finite and smooth. */
  private mathTemplate(env: Env, d: number): Expr {
    const rng = this.rng;
    const a = this.num(env, d - 1);
    const b = (): Expr => this.num(env, d - 1);
    const sq = (e: Expr): Expr => bin('*', e, structuredClone(e));
    const pick = rng.weighted<[string, () => Expr]>([
      [3, ['sin', () => math('sin', a)]],
      [2, ['cos', () => math('cos', a)]],
      [1, ['tan', () => math('tan', bin('*', num(0.6), math('tanh', a)))]],
      [1, ['asin', () => math('asin', bin('*', num(0.9), math('tanh', a)))]],
      [1, ['acos', () => math('acos', bin('*', num(0.9), math('sin', a)))]],
      [1, ['atan', () => math('atan', a)]],
      // atan2 and cbrt only away from their singular points (0, 0) and 0: there the chain rule
      // meets 0 · ∞ even where the function around them is smooth (cbrt(x - x)), which is the
      // finite-gradients issue's to handle, not a wrong gradient.
      [1.5, ['atan2', () => math('atan2', a, bin('+', num(2), math('cos', b())))]],
      [1, ['sinh', () => math('sinh', bin('*', num(2), math('tanh', a)))]],
      [1, ['cosh', () => math('cosh', math('sin', a))]],
      [3, ['tanh', () => math('tanh', a)]],
      [1, ['asinh', () => math('asinh', a)]],
      [1, ['acosh', () => math('acosh', bin('+', num(1.5), sq(a)))]],
      [1, ['atanh', () => math('atanh', bin('*', num(0.8), math('tanh', a)))]],
      [1.5, ['exp', () => math('exp', neg(sq(a)))]],
      [1, ['exp', () => math('exp', math('tanh', a))]],
      [1, ['expm1', () => math('expm1', math('sin', a))]],
      [1, ['log', () => math('log', bin('+', num(1), sq(a)))]],
      [1, ['log1p', () => math('log1p', sq(a))]],
      [1, ['log2', () => math('log2', bin('+', num(2), math('sin', a)))]],
      [1, ['log10', () => math('log10', bin('+', num(1.5), math('cos', a)))]],
      [2, ['sqrt', () => math('sqrt', bin('+', num(1), sq(a)))]],
      [1.2, ['cbrt', () => math('cbrt', bin('+', num(2), math('sin', a)))]],
      [1, ['pow', () => math('pow', a, num(rng.pick([2, 3])))]],
      [0.7, ['pow', () => math('pow', bin('+', num(1.5), math('sin', a)), math('tanh', b()))]],
      [1, ['hypot', () => math('hypot', a, b())]],
      [0.5, ['hypot', () => math('hypot', a, b(), b())]],
      [1.5, ['abs', () => math('abs', a)]],
      [0.5, ['sign', () => bin('*', math('sign', a), b())]],
      [1, ['min', () => math('min', a, b())]],
      [1, ['max', () => math('max', a, b())]],
      [0.4, ['max', () => math(rng.pick(['max', 'min']), a, b(), b())]],
      [0.3, ['floor', () => math('floor', a)]],
      [0.3, ['ceil', () => math('ceil', a)]],
      [0.3, ['round', () => math('round', a)]],
      [0.3, ['trunc', () => math('trunc', a)]],
      [0.3, ['fround', () => math('fround', a)]],
      [1, ['sigmoid', () => bin('/', num(1), bin('+', num(1), math('exp', neg(a))))]],
      [1.5, ['op:/', () => bin('/', a, bin('+', num(1), sq(b())))]],
      [1, ['op:/', () => bin('/', a, bin('+', num(2), math('cos', b())))]],
      [0.7, ['op:/', () => bin('/', a, num(rng.pick([1.7, 2, 3, 0.8])))]],
      [0.7, ['op:%', () => bin('%', a, num(rng.pick([1.3, 0.7, 2.5])))]],
      [0.4, ['op:%', () => bin('%', a, bin('+', num(1.5), math('sin', b())))]],
      [1, ['op:**', () => bin('**', a, num(rng.pick([2, 2, 3])))]],
      [0.5, ['op:**', () => bin('**', math('tanh', a), num(3))]],
      [0.5, ['op:**', () => bin('**', bin('+', num(1), sq(a)), num(0.5))]],
      [0.5, ['op:**', () => bin('**', bin('+', num(1.5), math('cos', a)), math('sin', b()))]],
    ]);
    this.f(pick[0].startsWith('op:') || pick[0] === 'sigmoid' ? pick[0] : `math:${pick[0]}`);
    return pick[1]();
  }

  /** An expression bounded on every input, for state that loops carry. */
  private bounded(env: Env, d: number): Expr {
    const rng = this.rng;
    const a = this.num(env, d);
    return rng.weighted<() => Expr>([
      [3, () => math('tanh', a)],
      [2, () => math('sin', a)],
      [1, () => bin('/', a, bin('+', num(1), bin('*', a, structuredClone(a))))],
      [1, () => math('exp', neg(bin('*', a, structuredClone(a))))],
      [1, () => math('cos', a)],
    ])();
  }

  condition(env: Env, d: number): Expr {
    const rng = this.rng;
    const dd = Math.max(0, Math.min(d, 1));
    const flag = this.program.target.params.some((p) => p.name === 'flag') && env.inTarget && !env.inArrow;
    const comparison = (): Expr => {
      const op = rng.pick(['<', '>', '<=', '>=']);
      this.f('cond:compare');
      return bin(op, this.num(env, dd), this.num(env, dd));
    };
    const kind = rng.weighted<string>([
      [6, 'cmp'],
      [1, 'not'],
      [1.2, 'logic'],
      [flag ? 1.5 : 0, 'flag'],
      [env.counters.length > 0 ? 0.6 : 0, 'counter'],
    ]);
    switch (kind) {
      case 'not':
        this.f('cond:not');
        return not(comparison());
      case 'logic': {
        const op = rng.pick(['&&', '||']);
        this.f(`cond:${op}`);
        return bin(op, comparison(), rng.chance(0.3) && flag ? id('flag') : comparison());
      }
      case 'flag':
        this.f('cond:boolean-param');
        return rng.chance(0.5) ? id('flag') : rng.chance(0.5) ? not(id('flag')) : bin('&&', id('flag'), comparison());
      case 'counter': {
        const c = rng.pick(env.counters);
        this.f('cond:counter');
        return rng.chance(0.5) ? bin('===', bin('%', id(c.name), num(2)), num(0)) : bin('>', id(c.name), num(rng.int(0, 2)));
      }
      default:
        return comparison();
    }
  }

  /** Sums the live values of a function, so that every one of them reaches the result. */
  combine(env: Env, isTarget: boolean): Expr {
    const rng = this.rng;
    const terms: Expr[] = [];
    for (const v of env.nums) {
      const p = v.kind === 'local' ? 0.85 : v.kind === 'param' ? 0.45 : 0.15;
      if (rng.chance(p)) terms.push(this.varRead(env, v));
    }
    for (const a of env.arrays) {
      if (a.local && rng.chance(0.7)) {
        const i = this.indexFor({ ...env, counters: [] }, a);
        if (i !== undefined) terms.push(index(id(a.name), i, rng.chance(0.5)));
      }
    }
    for (const o of env.objs) if (rng.chance(0.7)) terms.push(member(id(o.name), rng.pick(['x', 'y'])));
    if (terms.length === 0 || rng.chance(0.3)) terms.push(this.num(env, isTarget ? 2 : 1));
    shuffle(rng, terms);
    let e = terms[0]!;
    for (const t of terms.slice(1, 9)) {
      const term = rng.weighted<() => Expr>([
        [5, () => t],
        [2, () => bin('*', num(rng.pick([0.5, 0.3, 2, 1.5])), t)],
        [1, () => math('tanh', t)],
        [1, () => bin('*', t, t.t === 'update' ? num(0.5) : structuredClone(t))],
      ])();
      e = bin(rng.chance(0.8) ? '+' : '-', e, term);
    }
    return e;
  }

  // -------------------------------------------------------------------------------------------
  // Helpers (unmarked functions), made when a call wants one

  private callableHelpers(env: Env): HelperInfo[] {
    return this.helperInfo.filter((h) => !env.building.has(h.name));
  }

  private helperCall(env: Env, d: number): Expr {
    const rng = this.rng;
    const sub = (): Expr => this.num(env, Math.max(0, d - 1));
    const arrays = env.arrays.filter((a) => a.min >= 2);
    const kind = rng.weighted<HelperInfo['sig']>([
      [4, 'num'],
      [arrays.length > 0 ? 3 : 0, 'arr'],
      [env.objs.length > 0 ? 1.5 : 0, 'objread'],
    ]);
    this.f('call:helper');
    if (kind === 'arr') {
      const a = rng.pick(arrays);
      const type = helperArrayType(a.type, rng);
      const h = this.helper('arr', type, env);
      this.f('call:helper-array');
      return call(h.name, id(a.name), ...this.args(h, 1, sub));
    }
    if (kind === 'objread') {
      const o = rng.pick(env.objs);
      const h = this.helper('objread', undefined, env);
      this.f('call:helper-object');
      return call(h.name, id(o.name), ...this.args(h, 1, sub));
    }
    const h = this.helper('num', undefined, env);
    return call(h.name, ...this.args(h, 0, sub));
  }

  private args(h: HelperInfo, fixed: number, sub: () => Expr): Expr[] {
    const n = this.rng.int(h.required, h.arity) - fixed;
    if (n < h.arity - fixed) this.f('call:default-omitted');
    return Array.from({ length: n }, sub);
  }

  /** A helper of the given signature: an existing one or a new one. */
  private helper(sig: HelperInfo['sig'], arrType: string | undefined, env: Env): HelperInfo {
    const existing = this.callableHelpers(env).filter((h) => h.sig === sig && h.arrType === arrType);
    if (existing.length > 0 && (this.rng.chance(0.5) || this.helperInfo.length >= 5)) return this.rng.pick(existing);
    return this.makeHelper(sig, arrType);
  }

  private helperEnv(params: Param[]): Env {
    const env: Env = {
      nums: [],
      arrays: [],
      objs: [],
      counters: [],
      loop: null,
      loopDepth: 0,
      blockDepth: 1,
      inTarget: false,
      inArrow: false,
      arrows: [],
      counts: [],
      building: new Set(),
    };
    for (const p of params) if (p.type === 'number') env.nums.push({ name: p.name, kind: 'param', mutable: true });
    return env;
  }

  private makeHelper(sig: HelperInfo['sig'], arrType?: string): HelperInfo {
    const rng = this.rng;
    const name = `@h${++this.helperCount}`;
    const style = rng.weighted<FnDecl['style']>([
      [3, 'function'],
      [1.5, 'arrow'],
      [0.5, 'fnexpr'],
    ]);
    this.f(`helper:${style}`);
    const withDefault = rng.chance(0.3);
    const info: HelperInfo = { name, sig, arity: 0, required: 0, returnsNumber: true, ...(arrType !== undefined ? { arrType } : {}) };
    const params: Param[] = [];
    const tail = (names: string[]): void => {
      names.forEach((n, i) => params.push(i === names.length - 1 && withDefault ? { name: n, type: 'number', def: rng.pick([0.5, 1.5, 2]) } : { name: n, type: 'number' }));
      if (withDefault) this.f('helper:default-param');
    };
    let ret = 'number';
    const body: Stmt[] = [];
    const saveBudget = this.stmtBudget;
    this.stmtBudget = Math.min(this.stmtBudget, rng.int(2, 6));
    const building = (env: Env): Env => {
      env.building = new Set([name]);
      return env;
    };
    switch (sig) {
      case 'num': {
        tail(rng.chance(0.5) ? ['u'] : rng.chance(0.7) ? ['u', 'v'] : ['u', 'v', 't']);
        const env = building(this.helperEnv(params));
        const n = rng.int(1, 4);
        for (let i = 0; i < n && this.stmtBudget > 0; i++) body.push(...this.statement(env));
        body.push(ret_(this.combine(env, false)));
        break;
      }
      case 'arr': {
        params.push({ name: 'a', type: arrType! });
        tail(['u']);
        const env = building(this.helperEnv(params));
        env.arrays.push({ name: 'a', type: arrType as ArrVar['type'], len: 'a', min: 2, local: false, writable: false, pushable: false });
        body.push(...this.runtimeLoop(env, { name: 'a', len: 'a' }));
        const n = rng.int(0, 2);
        for (let i = 0; i < n && this.stmtBudget > 0; i++) body.push(...this.statement(env));
        body.push(ret_(this.combine(env, false)));
        break;
      }
      case 'objmk': {
        tail(['u', 'v']);
        ret = this.vecType();
        const env = building(this.helperEnv(params));
        if (rng.chance(0.4)) {
          body.push({ t: 'if', c: this.condition(env, 1), then: [ret_(this.objLiteral(env))] });
          this.f('helper:object-several-returns');
        }
        body.push(ret_(this.objLiteral(env)));
        break;
      }
      case 'objmap': {
        params.push({ name: 'o', type: this.vecType() });
        tail(['d']);
        ret = this.vecType();
        const env = building(this.helperEnv(params));
        env.objs.push({ name: 'o', writable: false, reassignable: false });
        const form = rng.int(0, 2);
        if (form === 0) {
          body.push({ t: 'if', c: this.condition(env, 1), then: [ret_(this.objLiteral(env))] });
          body.push(ret_(id('o')));
          this.f('helper:object-returned-as-given');
        } else if (form === 1) {
          const w = this.fresh('w');
          body.push(decl('const', w, this.objLiteral(env)));
          env.objs.push({ name: w, writable: true, reassignable: false });
          body.push({ t: 'if', c: this.condition(env, 1), then: [assign(member(id(w), 'x'), '+=', this.num(env, 1)), ret_(id(w))] });
          body.push(assign(member(id(w), 'y'), '=', this.num(env, 1)));
          body.push(ret_(id(w)));
        } else {
          body.push(ret_(this.objLiteral(env)));
        }
        break;
      }
      case 'objread': {
        params.push({ name: 'o', type: this.vecType() });
        tail(['c']);
        const env = building(this.helperEnv(params));
        env.objs.push({ name: 'o', writable: false, reassignable: false });
        const n = rng.int(0, 2);
        for (let i = 0; i < n && this.stmtBudget > 0; i++) body.push(...this.statement(env));
        body.push(ret_(this.combine(env, false)));
        break;
      }
      case 'mutarr': {
        params.push({ name: 'a', type: arrType! });
        tail(['d']);
        const env = building(this.helperEnv(params));
        env.arrays.push({ name: 'a', type: arrType as ArrVar['type'], len: 'a', min: 2, local: false, writable: true, pushable: false });
        const target = (): Expr => index(id('a'), num(rng.int(0, 1)));
        body.push(assign(target(), rng.pick(['+=', '=', '-=']), this.num(env, 1)));
        if (rng.chance(0.5)) {
          const i = 'i';
          const inner = copyEnv(env);
          inner.counters.push({ name: i, lo: 0, bound: 'a' });
          body.push({ t: 'for', init: decl('let', i, num(0)), cond: bin('<', id(i), member(id('a'), 'length')), step: { t: 'update', op: '++', prefix: false, target: id(i) }, body: [assign(index(id('a'), id(i)), rng.pick(['+=', '*=']), this.bounded(inner, 0))] });
        }
        if (rng.chance(0.5)) {
          ret = 'void';
          info.returnsNumber = false;
        } else body.push(ret_(index(id('a'), num(0))));
        break;
      }
      case 'mutobj': {
        params.push({ name: 'o', type: this.vecType() });
        tail(['d']);
        const env = building(this.helperEnv(params));
        env.objs.push({ name: 'o', writable: true, reassignable: false });
        body.push(assign(member(id('o'), rng.pick(['x', 'y'])), rng.pick(['+=', '=', '*=']), this.num(env, 1)));
        if (rng.chance(0.5)) {
          ret = 'void';
          info.returnsNumber = false;
        } else body.push(ret_(member(id('o'), 'x')));
        break;
      }
    }
    this.stmtBudget = saveBudget - 1;
    info.arity = params.length;
    info.required = params.filter((p) => p.def === undefined).length;
    this.helperInfo.push(info);
    this.program.helpers.push({ name, params, ret, body, style });
    return info;
  }

  private vecType(): string {
    if (!this.program.types.includes('interface @V { x: number; y: number }')) this.program.types.push('interface @V { x: number; y: number }');
    return '@V';
  }

  private objLiteral(env: Env): Expr {
    const rng = this.rng;
    const shorthand = (name: string): boolean => env.nums.some((v) => v.name === name && v.kind !== 'field' && v.kind !== 'const') && rng.chance(0.35);
    this.f('expr:object-literal');
    const fields = ['x', 'y'].map((n) => {
      if (shorthand(n)) {
        this.f('expr:object-shorthand');
        return { name: n, value: null };
      }
      return { name: n, value: this.num(env, 1) };
    });
    if (rng.chance(0.3)) fields.reverse();
    return { t: 'obj', fields };
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  private block(env: Env, min: number, max: number): Stmt[] {
    const inner = copyEnv(env);
    inner.blockDepth++;
    const out: Stmt[] = [];
    const n = this.rng.int(min, max);
    for (let i = 0; i < n && (this.stmtBudget > 0 || out.length === 0); i++) out.push(...this.statement(inner));
    mergeArrays(env, inner);
    // Values computed in the block flow out of it, into a variable of the enclosing scope.
    const fresh = inner.nums.filter((v) => v.kind === 'local' && !env.nums.includes(v) && !env.nums.some((w) => w.name === v.name));
    const targets = writableNums(env).filter((v) => v.kind === 'local' || v.kind === 'param');
    if (fresh.length > 0 && targets.length > 0 && this.rng.chance(0.7)) {
      const t = this.rng.pick(targets);
      this.paramWrite(env, t);
      this.f('stmt:block-result-out');
      let e: Expr = id(this.rng.pick(fresh).name);
      for (const v of fresh) if (this.rng.chance(0.4) && (e.t !== 'id' || e.name !== v.name)) e = bin('+', e, id(v.name));
      out.push(assign(id(t.name), this.rng.pick(['+=', '+=', '-=', '=']), this.rng.chance(0.4) ? math('tanh', e) : e));
    }
    return out;
  }

  statement(env: Env): Stmt[] {
    const rng = this.rng;
    this.stmtBudget--;
    const deep = env.blockDepth < 4;
    const mutable = writableNums(env);
    const writableArrays = env.arrays.filter((a) => a.local && a.writable);
    const runtimeSources = this.runtimeSources(env);
    const inLoop = env.loop !== null;
    const kind = rng.weighted<string>([
      [3, 'local'],
      [0.8, 'later'],
      [mutable.length > 0 ? 3 : 0, 'assign'],
      [mutable.length > 0 ? 0.8 : 0, 'update'],
      [mutable.length > 0 ? 0.7 : 0, 'updval'],
      [deep ? 2 : 0, 'if'],
      [1, 'early'],
      [deep && env.loopDepth < 3 ? 2 : 0, 'cloop'],
      [deep && env.loopDepth < 2 && runtimeSources.length > 0 ? 3.5 : 0, 'rloop'],
      [deep && env.loopDepth < 2 ? 0.8 : 0, 'wloop'],
      [deep && env.loopDepth === 0 && env.arrays.some((a) => a.len === 'L') ? 0.6 : 0, 'descent'],
      [1.6, 'larr'],
      [writableArrays.length > 0 ? 1.5 : 0, 'awrite'],
      [env.arrays.some((a) => a.pushable) && env.blockDepth === 0 ? 0.8 : 0, 'push'],
      [deep && env.loopDepth === 0 && runtimeSources.length > 0 ? 1.4 : 0, 'map'],
      [1.2, 'obj'],
      [env.objs.some((o) => o.writable) ? 1.5 : 0, 'ofield'],
      [env.objs.length > 0 || rng.chance(0.5) ? 0.8 : 0, 'ohelper'],
      [env.objs.length > 0 ? 0.5 : 0, 'ochoose'],
      [env.objs.some((o) => o.reassignable) ? 0.4 : 0, 'oreassign'],
      [writableArrays.some((a) => a.min >= 2 && a.type !== 'any[]') || env.objs.some((o) => o.writable) ? 0.8 : 0, 'mutcall'],
      [env.inTarget && !env.inArrow && env.loopDepth === 0 ? 0.7 : 0, 'arrowdef'],
      [env.arrays.some((a) => a.local && typeof a.len === 'number' && a.len >= 2) || env.arrays.length > 0 ? 0.6 : 0, 'cursor'],
      [inLoop ? 1 : 0, 'break'],
      [inLoop ? 0.8 : 0, 'continue'],
      [inLoop && env.loop!.accumulators.length > 0 ? 4 : 0, 'reduce'],
    ]);
    const gen = this.statementKinds[kind]!;
    return gen.call(this, env);
  }

  private readonly statementKinds: Record<string, (this: Generator, env: Env) => Stmt[]> = {
    local(env) {
      const rng = this.rng;
      const name = this.fresh(rng.pick(['t', 'a', 'b', 'c', 'e']));
      const kind = rng.chance(0.55) ? 'let' : 'const';
      this.f(`stmt:${kind}`);
      const s = decl(kind, name, this.num(env, rng.int(1, 3)), rng.chance(0.15) ? 'number' : undefined);
      env.nums.push({ name, kind: 'local', mutable: kind === 'let' });
      return [s];
    },
    later(env) {
      const rng = this.rng;
      const name = this.fresh('h');
      const typed = rng.chance(0.4);
      this.f(typed ? 'stmt:let-typed-later' : 'stmt:let-untyped-later');
      const out: Stmt[] = [decl('let', name, undefined, typed ? 'number' : undefined)];
      if (rng.chance(0.5)) out.push(assign(id(name), '=', this.num(env, 2)));
      else {
        this.f('stmt:assigned-in-branches');
        out.push({ t: 'if', c: this.condition(env, 1), then: [assign(id(name), '=', this.num(env, 2))], else: [assign(id(name), '=', this.num(env, 2))] });
      }
      env.nums.push({ name, kind: 'local', mutable: true, ...(typed ? {} : { untyped: true }) });
      return out;
    },
    assign(env) {
      const rng = this.rng;
      const mutable = writableNums(env);
      const v = rng.pick(mutable);
      this.paramWrite(env, v);
      const op = rng.weighted([
        [3, '='],
        [3, '+='],
        [1.5, '-='],
        [1.5, '*='],
        [1, '/='],
        [0.3, '%='],
        [0.3, '**='],
      ]);
      this.f(`assign:${op}`);
      const self = id(v.name);
      const rhs = ((): Expr => {
        switch (op) {
          case '=':
            // Often a recurrence in the variable itself.
            return rng.chance(0.5) ? this.num(env, 2) : bin('+', bin('*', num(rng.pick([0.5, 0.9, 0.3])), self), this.bounded(env, 1));
          case '*=':
            return rng.chance(0.5) ? bin('+', num(0.8), bin('*', num(0.2), this.bounded(env, 1))) : this.num(env, 1);
          case '/=':
            return rng.chance(0.5) ? num(rng.pick([2, 1.5, 3])) : bin('+', num(1.5), math('cos', this.num(env, 1)));
          case '%=':
            return num(rng.pick([1.5, 2.5]));
          case '**=':
            return num(2);
          default:
            return this.num(env, 2);
        }
      })();
      if (op === '**=') return [assign(self, '=', math('tanh', structuredClone(self))), assign(self, op, rhs)];
      return [assign(self, op, rhs)];
    },
    update(env) {
      const rng = this.rng;
      const mutable = writableNums(env);
      const v = rng.pick(mutable);
      this.f('stmt:update');
      this.paramWrite(env, v);
      return [exprStmt({ t: 'update', op: rng.pick(['++', '--'] as const), prefix: rng.chance(0.5), target: id(v.name) })];
    },
    updval(env) {
      const rng = this.rng;
      const mutable = writableNums(env);
      const v = rng.pick(mutable);
      const u: Expr = { t: 'update', op: rng.pick(['++', '--'] as const), prefix: rng.chance(0.4), target: id(v.name) };
      this.f('expr:update-value');
      this.paramWrite(env, v);
      if (rng.chance(0.6)) {
        const name = this.fresh('z');
        const s = decl('const', name, rng.chance(0.5) ? u : bin('*', u, this.num(env, 1)));
        env.nums.push({ name, kind: 'local', mutable: false });
        return [s];
      }
      const others = writableNums(env).filter((w) => w !== v);
      if (others.length === 0) return [exprStmt(u)];
      const w = rng.pick(others);
      this.paramWrite(env, w);
      return [assign(id(w.name), '+=', bin('*', u, num(0.5)))];
    },
    if(env) {
      const rng = this.rng;
      this.f('stmt:if');
      const s: Stmt & { t: 'if' } = { t: 'if', c: this.condition(env, 2), then: this.block(env, 1, 3) };
      const r = rng.next();
      if (r < 0.35) {
        s.else = this.block(env, 1, 3);
        this.f('stmt:if-else');
      } else if (r < 0.6) {
        this.f('stmt:else-if');
        const inner: Stmt & { t: 'if' } = { t: 'if', c: this.condition(env, 1), then: this.block(env, 1, 2) };
        if (rng.chance(0.6)) inner.else = this.block(env, 1, 2);
        s.else = [inner];
      }
      if (rng.chance(0.25)) {
        this.f('stmt:early-return-in-arm');
        s.then.push(ret(this.combine(copyEnvFor(env), false)));
      }
      return [s];
    },
    early(env) {
      this.f(env.loop !== null ? 'stmt:return-in-loop' : 'stmt:early-return');
      return [{ t: 'if', c: this.condition(env, 2), then: [ret(this.num(env, 2))] }];
    },
    cloop(env) {
      return this.constLoop(env);
    },
    rloop(env) {
      return this.runtimeLoop(env, this.rng.pick(this.runtimeSources(env)));
    },
    wloop(env) {
      return this.whileOnState(env);
    },
    descent(env) {
      return this.descent(env);
    },
    larr(env) {
      return this.localArray(env);
    },
    awrite(env) {
      const rng = this.rng;
      const a = rng.pick(env.arrays.filter((x) => x.local && x.writable));
      let i: Expr;
      const fitting = env.counters.filter((c) => fits(c.bound, a) && c.lo >= 0);
      if (fitting.length > 0 && rng.chance(0.6)) {
        const c = rng.pick(fitting);
        i = (c.offset ?? 0) === 0 ? id(c.name) : bin('-', id(c.name), num(c.offset!));
        this.f('stmt:array-write-counter');
      } else if (env.counters.length > 0 && a.min >= 1 && rng.chance(0.3)) {
        const c = rng.pick(env.counters);
        i = bin('%', id(c.name), typeof a.len === 'number' ? num(a.len) : member(id(a.name), 'length'));
        this.f('stmt:array-write-runtime-index');
        if (c.lo < 0) i = num(0);
      } else {
        if (a.min < 1) return [];
        i = num(rng.int(0, Math.min(a.min, 4) - 1));
        this.f('stmt:array-write-const');
      }
      a.pushable = false;
      const op = rng.pick(['=', '=', '+=', '-=', '*=']);
      return [assign(index(id(a.name), i), op, op === '*=' ? bin('+', num(0.9), bin('*', num(0.1), this.bounded(env, 0))) : this.num(env, 2))];
    },
    push(env) {
      const a = this.rng.pick(env.arrays.filter((x) => x.pushable));
      this.f('stmt:push');
      const s = exprStmt({ t: 'method', o: id(a.name), name: 'push', args: [this.num(env, 2)] });
      if (typeof a.len === 'number') {
        a.len++;
        a.min++;
      }
      return [s];
    },
    map(env) {
      return this.mapLoop(env);
    },
    obj(env) {
      const rng = this.rng;
      const name = this.fresh('o');
      const kind = rng.chance(0.25) ? 'let' : 'const';
      this.f('stmt:object');
      const s = decl(kind, name, rng.chance(0.2) ? this.objFromHelper(env) : this.objLiteral(env), rng.chance(0.2) ? this.vecType() : undefined);
      env.objs.push({ name, writable: true, reassignable: kind === 'let' });
      return [s];
    },
    ofield(env) {
      const rng = this.rng;
      const o = rng.pick(env.objs.filter((x) => x.writable));
      this.f('stmt:object-field-update');
      const op = rng.pick(['=', '+=', '-=', '*=']);
      const f = rng.pick(['x', 'y']);
      const rhs = op === '*=' ? bin('+', num(0.8), bin('*', num(0.2), this.bounded(env, 1))) : op === '=' ? bin('+', bin('*', num(0.5), member(id(o.name), f)), this.num(env, 1)) : this.num(env, 2);
      return [assign(member(id(o.name), f), op, rhs)];
    },
    ohelper(env) {
      const name = this.fresh('o');
      const s = decl('const', name, this.objFromHelper(env));
      env.objs.push({ name, writable: true, reassignable: false });
      return [s];
    },
    ochoose(env) {
      const rng = this.rng;
      const a = rng.pick(env.objs);
      const b = rng.pick(env.objs);
      const name = this.fresh('o');
      this.f('stmt:object-chosen-by-branch');
      // An object a branch chose between is not written afterwards.
      for (const o of env.objs) if (o === a || o === b) o.writable = false;
      for (const o of env.objs) if (o === a || o === b) o.reassignable = false;
      const s = decl('const', name, cond(this.condition(env, 1), id(a.name), id(b.name)));
      env.objs.push({ name, writable: false, reassignable: false });
      return [s];
    },
    oreassign(env) {
      const rng = this.rng;
      const o = rng.pick(env.objs.filter((x) => x.reassignable));
      this.f('stmt:object-reassign');
      const value: Expr = rng.chance(0.5)
        ? { t: 'obj', fields: [{ name: 'x', value: bin('+', member(id(o.name), 'x'), bin('*', num(0.1), member(id(o.name), 'y'))) }, { name: 'y', value: bin('-', member(id(o.name), 'y'), bin('*', num(0.1), this.bounded(env, 1))) }] }
        : this.objFromHelper(env, id(o.name));
      return [assign(id(o.name), '=', value)];
    },
    mutcall(env) {
      const rng = this.rng;
      const arrays = env.arrays.filter((a) => a.local && a.writable && a.min >= 2 && a.type !== 'any[]');
      const objs = env.objs.filter((o) => o.writable);
      if (arrays.length > 0 && (objs.length === 0 || rng.chance(0.6))) {
        const a = rng.pick(arrays);
        a.pushable = false;
        const h = this.helper('mutarr', a.type === 'Float64Array' ? 'Float64Array' : 'number[]', env);
        this.f('call:helper-changes-array');
        const callE = call(h.name, id(a.name), ...this.args(h, 1, () => this.num(env, 1)));
        return h.returnsNumber && rng.chance(0.6) ? this.useValue(env, callE) : [exprStmt(callE)];
      }
      if (objs.length === 0) return [];
      const o = rng.pick(objs);
      const h = this.helper('mutobj', undefined, env);
      this.f('call:helper-changes-object');
      const callE = call(h.name, id(o.name), ...this.args(h, 1, () => this.num(env, 1)));
      return h.returnsNumber && rng.chance(0.6) ? this.useValue(env, callE) : [exprStmt(callE)];
    },
    arrowdef(env) {
      const rng = this.rng;
      const name = this.fresh('g');
      const params: Param[] = [{ name: this.fresh('u'), type: 'number' }];
      if (rng.chance(0.5)) params.push(rng.chance(0.4) ? { name: this.fresh('v'), type: 'number', def: 0.5 } : { name: this.fresh('v'), type: 'number' });
      const inner = copyEnv(env);
      inner.inArrow = true;
      inner.loop = null;
      inner.counters = [];
      // The arrow reads the enclosing function's variables and writes none of them.
      inner.nums = inner.nums.filter((v) => !v.untyped).map((v) => ({ ...v, mutable: false }));
      inner.arrays = inner.arrays.map((a) => ({ ...a, writable: false, pushable: false }));
      inner.objs = inner.objs.map((o) => ({ ...o, writable: false, reassignable: false }));
      for (const p of params) inner.nums.push({ name: p.name, kind: 'local', mutable: false });
      this.f('helper:local-arrow');
      let body: Stmt[];
      if (rng.chance(0.6)) body = [ret(this.num(inner, 2))];
      else {
        const save = this.stmtBudget;
        this.stmtBudget = rng.int(1, 3);
        body = [];
        for (let i = 0; i < 2 && this.stmtBudget > 0; i++) body.push(...this.statement(inner));
        body.push(ret(this.combine(inner, false)));
        this.stmtBudget = save - 1;
      }
      env.arrows.push({ name, arity: params.length, required: params.filter((p) => p.def === undefined).length });
      return [{ t: 'fn', fn: { name, params, ret: 'number', body, style: 'arrow' } }];
    },
    cursor(env) {
      const rng = this.rng;
      const candidates = env.arrays.filter((a) => a.min >= 2);
      if (candidates.length === 0) return [];
      const a = rng.pick(candidates);
      const j = this.fresh('j');
      this.f(a.local ? 'expr:index-postincrement-local' : 'expr:index-postincrement-param');
      const count = rng.int(1, Math.min(a.min, 3));
      const out: Stmt[] = [decl('let', j, num(0))];
      for (let c = 0; c < count; c++) {
        const name = this.fresh('z');
        out.push(decl('const', name, rng.chance(0.5) ? index(id(a.name), { t: 'update', op: '++', prefix: false, target: id(j) }) : bin('*', index(id(a.name), { t: 'update', op: '++', prefix: false, target: id(j) }), this.num(env, 1))));
        env.nums.push({ name, kind: 'local', mutable: false });
      }
      env.nums.push({ name: j, kind: 'cursor', mutable: false });
      return out;
    },
    break(env) {
      this.f(env.loop!.runtime ? 'stmt:break-runtime' : 'stmt:break-const');
      return [{ t: 'if', c: this.condition(env, 1), then: [{ t: 'break' }] }];
    },
    continue(env) {
      this.f(env.loop!.runtime ? 'stmt:continue-runtime' : 'stmt:continue-const');
      return [{ t: 'if', c: this.condition(env, 1), then: [{ t: 'continue' }] }];
    },
    reduce(env) {
      return this.reduction(env);
    },
  };

  /** `const v = <call>;` or `s += <call>` for a helper's result. */
  private useValue(env: Env, e: Expr): Stmt[] {
    const name = this.fresh('c');
    env.nums.push({ name, kind: 'local', mutable: false });
    return [decl('const', name, e)];
  }

  private objFromHelper(env: Env, from?: Expr): Expr {
    const rng = this.rng;
    const sources = env.objs;
    if ((sources.length > 0 || from !== undefined) && rng.chance(0.6)) {
      const h = this.helper('objmap', undefined, env);
      this.f('call:helper-object-to-object');
      return call(h.name, from ?? id(rng.pick(sources).name), ...this.args(h, 1, () => this.num(env, 1)));
    }
    const h = this.helper('objmk', undefined, env);
    this.f('call:helper-returns-object');
    return call(h.name, ...this.args(h, 0, () => this.num(env, 1)));
  }

  // --- loops ---

  private counterName(env: Env): string {
    return counterNames[env.loopDepth] ?? this.fresh('ii');
  }

  private runtimeSources(env: Env): { name: string; len: Len }[] {
    const out: { name: string; len: Len }[] = [];
    for (const a of env.arrays) if (typeof a.len === 'string') out.push({ name: a.name, len: a.len });
    for (const c of env.counts) out.push({ name: c.name, len: c.len });
    return out;
  }

  /** A loop whose trip count is known at compile time. */
  private constLoop(env: Env): Stmt[] {
    const rng = this.rng;
    const localArrays = env.arrays.filter((a) => a.local && typeof a.len === 'number' && a.len >= 1 && a.type !== 'any[]');
    const form = rng.weighted<string>([
      [4, 'for'],
      [localArrays.length > 0 ? 1 : 0, 'for-length'],
      [1.2, 'while'],
      [1, 'do'],
      [localArrays.length > 0 ? 1.2 : 0, 'for-of'],
      [0.6, 'for-down'],
      [0.4, 'for-step2'],
    ]);
    this.f(`loop:const-${form}`);
    const k = rng.weighted([
      [1, 1],
      [3, 2],
      [3, 3],
      [1.5, 4],
      [0.3, 7],
    ]);
    const inner = copyEnv(env);
    inner.loop = { runtime: false, accumulators: [] };
    inner.loopDepth++;
    const pre: Stmt[] = this.accumulators(env, inner);
    const body = (): Stmt[] => {
      const b = this.block(inner, 1, 3);
      mergeArrays(env, inner);
      return b;
    };
    const inc = (name: string): Expr => ({ t: 'update', op: '++', prefix: false, target: id(name) });
    switch (form) {
      case 'for-length': {
        const a = rng.pick(localArrays);
        const i = this.counterName(env);
        inner.counters.push({ name: i, lo: 0, bound: a.len });
        return [...pre, { t: 'for', init: decl('let', i, num(0)), cond: bin('<', id(i), member(id(a.name), 'length')), step: inc(i), body: body() }];
      }
      case 'for-of': {
        const a = rng.pick(localArrays);
        const v = this.fresh('v');
        inner.nums.push({ name: v, kind: 'forof', mutable: false });
        return [...pre, { t: 'forof', name: v, of: id(a.name), body: body() }];
      }
      case 'while':
      case 'do': {
        const c = this.fresh('c');
        inner.counters.push({ name: c, lo: 0, bound: k, offset: 1 });
        const b = [exprStmt(inc(c)), ...body()];
        const test = bin('<', id(c), num(k));
        return [...pre, decl('let', c, num(0)), form === 'while' ? { t: 'while', c: test, body: b } : { t: 'do', body: b, c: test }];
      }
      case 'for-down': {
        const i = this.counterName(env);
        inner.counters.push({ name: i, lo: 0, bound: k });
        return [...pre, { t: 'for', init: decl('let', i, num(k - 1)), cond: bin('>=', id(i), num(0)), step: { t: 'update', op: '--', prefix: false, target: id(i) }, body: body() }];
      }
      case 'for-step2': {
        const i = this.counterName(env);
        inner.counters.push({ name: i, lo: 0, bound: k });
        return [...pre, { t: 'for', init: decl('let', i, num(0)), cond: bin('<', id(i), num(k)), step: { t: 'assign', target: id(i), op: '+=', value: num(2) }, body: body() }];
      }
      default: {
        const i = this.counterName(env);
        inner.counters.push({ name: i, lo: 0, bound: k });
        return [...pre, { t: 'for', init: decl('let', i, num(0)), cond: bin('<', id(i), num(k)), step: inc(i), body: body() }];
      }
    }
  }

  /** Fresh accumulators declared before a loop, which its body reduces into. */
  private accumulators(outer: Env, inner: Env): Stmt[] {
    const rng = this.rng;
    const out: Stmt[] = [];
    const n = rng.int(0, 2);
    for (let i = 0; i < n; i++) {
      const kind = rng.pick(['s', 's', 'm', 'p']);
      const name = this.fresh(kind);
      const init = kind === 's' ? (rng.chance(0.7) ? num(0) : this.num(outer, 1)) : this.num(outer, 1);
      out.push(decl('let', name, init));
      const v: NumVar = { name, kind: 'local', mutable: true };
      outer.nums.push(v);
      inner.nums.push(v);
      inner.loop!.accumulators.push(name);
    }
    // Existing mutable locals can be accumulated into as well.
    for (const v of outer.nums) if (v.mutable && v.kind === 'local' && !v.untyped && !inner.loop!.accumulators.includes(v.name) && rng.chance(0.3)) inner.loop!.accumulators.push(v.name);
    return out;
  }

  /** A loop with a run-time trip count: over a parameter array, `n`, `k`, or a map of run-time length. */
  runtimeLoop(env: Env, source: { name: string; len: Len }): Stmt[] {
    const rng = this.rng;
    const isArray = env.arrays.some((a) => a.name === source.name);
    const inner = copyEnv(env);
    inner.loop = { runtime: true, accumulators: [] };
    inner.loopDepth++;
    const pre = this.accumulators(env, inner);
    if (inner.loop.accumulators.length === 0) {
      const name = this.fresh('s');
      pre.push(decl('let', name, num(0)));
      const v: NumVar = { name, kind: 'local', mutable: true };
      env.nums.push(v);
      inner.nums.push(v);
      inner.loop.accumulators.push(name);
    }
    const form = rng.weighted<string>([
      [4, 'for'],
      [isArray ? 1 : 0, 'from1'],
      [isArray ? 0.7 : 0, 'step2'],
      [isArray && this.isParamArray(env, source.name) ? 1.5 : 0, 'for-of'],
      [0.5, 'while'],
      [0.3, 'down'],
    ]);
    this.f(`loop:runtime-${form}${isArray ? '' : '-count'}`);
    const bound: Expr = isArray ? member(id(source.name), 'length') : id(source.name);
    const i = this.counterName(env);
    const inc = (name: string): Expr => ({ t: 'update', op: '++', prefix: false, target: id(name) });
    const body = (): Stmt[] => {
      // Loops do what loops do: reduce and recur (before or after other statements).
      const b: Stmt[] = [];
      if (rng.chance(0.5)) b.push(...this.reduction(inner), ...this.block(inner, 0, 3));
      else b.push(...this.block(inner, 0, 3), ...this.reduction(inner));
      mergeArrays(env, inner);
      return b;
    };
    switch (form) {
      case 'from1':
        inner.counters.push({ name: i, lo: 1, bound: source.len });
        return [...pre, { t: 'for', init: decl('let', i, num(1)), cond: bin('<', id(i), bound), step: inc(i), body: body() }];
      case 'step2':
        inner.counters.push({ name: i, lo: 0, bound: source.len });
        return [...pre, { t: 'for', init: decl('let', i, num(0)), cond: bin('<', id(i), bound), step: { t: 'assign', target: id(i), op: '+=', value: num(2) }, body: body() }];
      case 'for-of': {
        const v = this.fresh('v');
        inner.nums.push({ name: v, kind: 'forof', mutable: false });
        return [...pre, { t: 'forof', name: v, of: id(source.name), body: body() }];
      }
      case 'while': {
        const c = this.fresh('c');
        inner.counters.push({ name: c, lo: 0, bound: source.len, offset: 1 });
        const b = [exprStmt(inc(c)), ...body()];
        // c runs 1..len, so `c - 1` indexes.
        return [...pre, decl('let', c, num(0)), { t: 'while', c: bin('<', id(c), bound), body: b }];
      }
      case 'down':
        inner.counters.push({ name: i, lo: 0, bound: source.len });
        return [...pre, { t: 'for', init: decl('let', i, bin('-', bound, num(1))), cond: bin('>=', id(i), num(0)), step: { t: 'update', op: '--', prefix: false, target: id(i) }, body: body() }];
      default:
        inner.counters.push({ name: i, lo: 0, bound: source.len });
        return [...pre, { t: 'for', init: decl('let', i, num(0)), cond: bin('<', id(i), bound), step: inc(i), body: body() }];
    }
  }

  private isParamArray(env: Env, name: string): boolean {
    return env.arrays.some((a) => a.name === name && !a.local);
  }

  /** A reduction or recurrence statement on one of the loop's accumulators. */
  private reduction(env: Env): Stmt[] {
    const rng = this.rng;
    const accs = env.loop?.accumulators.filter((a) => env.nums.some((v) => v.name === a && v.mutable)) ?? [];
    if (accs.length === 0) return [];
    const s = rng.pick(accs);
    const kind = rng.weighted<string>([
      [4, 'sum'],
      [1, 'sub'],
      [1.5, 'max'],
      [0.7, 'min'],
      [0.8, 'ifmax'],
      [2.5, 'recur'],
      [1.2, 'affine'],
      [1.5, 'polysum'],
      [0.4, 'fieldsum'],
      [0.4, 'elemsum'],
    ]);
    const e = (): Expr => this.num(env, rng.int(1, 2));
    switch (kind) {
      case 'sub':
        this.f('loop:reduce-minus');
        return [assign(id(s), '-=', e())];
      case 'max':
      case 'min':
        this.f(`loop:reduce-${kind}`);
        return [assign(id(s), '=', math(kind, id(s), e()))];
      case 'ifmax': {
        this.f('loop:reduce-if-max');
        const t = this.fresh('e');
        const d = decl('const', t, e());
        env.nums.push({ name: t, kind: 'local', mutable: false });
        return [d, { t: 'if', c: bin('>', id(t), id(s)), then: [assign(id(s), '=', id(t))] }];
      }
      case 'recur': {
        this.f('loop:recurrence');
        const form = rng.int(0, 3);
        const self = id(s);
        if (form === 0) return [assign(self, '=', math('tanh', bin('+', bin('*', self, this.num(env, 1)), e())))];
        if (form === 1) return [assign(self, '=', bin('+', bin('*', num(rng.pick([0.5, 0.8, 0.9])), self), e()))];
        if (form === 2) return [assign(self, '=', bin('+', self, bin('*', num(0.1), math('sin', bin('*', self, this.num(env, 1))))))];
        return [assign(self, '=', bin('*', self, bin('+', num(0.9), bin('*', num(0.1), this.bounded(env, 1)))))];
      }
      case 'affine': {
        // x = a·x + b_i with `a` the same in every iteration (a closed form), or a[i]·x + b_i.
        const self = id(s);
        const invariant = env.nums.filter((v) => (v.kind === 'param' || v.kind === 'const' || v.kind === 'field' || (v.kind === 'local' && !v.mutable)) && !env.loop!.accumulators.includes(v.name));
        const reads = this.counterReads(env);
        const a = reads.length > 0 && rng.chance(0.4) ? rng.pick(reads) : invariant.length > 0 ? this.varRead(env, rng.pick(invariant)) : num(rng.pick([0.7, 1.1, -0.8]));
        this.f(a.t === 'index' ? 'loop:affine-recurrence-array' : 'loop:affine-recurrence');
        return [assign(self, '=', bin('+', bin('*', self, a), rng.chance(0.5) ? this.poly(env, 2) : e()))];
      }
      case 'polysum': {
        // A sum of a polynomial in values from outside the loop: split into sums that do not change with them.
        this.f('loop:polynomial-sum');
        return [assign(id(s), rng.pick(['+=', '+=', '-=']), this.poly(env, 3))];
      }
      case 'fieldsum': {
        const objs = env.objs.filter((o) => o.writable);
        if (objs.length === 0) return [assign(id(s), '+=', e())];
        this.f('loop:object-field-carried');
        const o = rng.pick(objs);
        return [assign(member(id(o.name), rng.pick(['x', 'y'])), rng.pick(['+=', '-=']), bin('*', num(0.1), e()))];
      }
      case 'elemsum': {
        const arrays = env.arrays.filter((a) => a.local && a.writable && a.min >= 1);
        if (arrays.length === 0) return [assign(id(s), '+=', e())];
        this.f('loop:array-element-carried');
        const a = rng.pick(arrays);
        a.pushable = false;
        return [assign(index(id(a.name), num(0)), '+=', e())];
      }
      default:
        this.f('loop:reduce-sum');
        return [assign(id(s), '+=', e())];
    }
  }

  /** Element reads at the loop's counters (`xs[i]`, `out[i]`). */
  private counterReads(env: Env): Expr[] {
    const out: Expr[] = [];
    for (const c of env.counters) {
      if (c.lo < 0) continue;
      const i = (c.offset ?? 0) === 0 ? id(c.name) : bin('-', id(c.name), num(c.offset!));
      for (const a of env.arrays) if (fits(c.bound, a)) out.push(index(id(a.name), structuredClone(i), this.rng.chance(0.5)));
    }
    for (const v of env.nums) if (v.kind === 'forof') out.push(id(v.name));
    return out;
  }

  /** A polynomial (+, -, * of depth `d`) in element reads at the counters, outer values and literals. */
  private poly(env: Env, d: number): Expr {
    const rng = this.rng;
    const reads = this.counterReads(env);
    const outer = env.nums.filter((v) => v.kind !== 'counter' && !env.loop?.accumulators.includes(v.name));
    const leaf = (): Expr => {
      const r = rng.next();
      if (r < 0.45 && reads.length > 0) return structuredClone(rng.pick(reads));
      if (r < 0.85 && outer.length > 0) return this.varRead(env, rng.pick(outer));
      return num(rng.pick([2, 0.5, 3, 1.5]));
    };
    const go = (k: number): Expr => (k <= 0 || rng.chance(0.25) ? leaf() : bin(rng.weighted([[2, '*'], [1, '+'], [1, '-']]), go(k - 1), go(k - 1)));
    return go(d);
  }

  /**
   * Gradient descent: a loop whose state `w` is a recurrence, each step of which is a sum over a
   * parameter array of a polynomial in `w` (BGDHyperOpt's shape).
   */
  private descent(env: Env): Stmt[] {
    const rng = this.rng;
    const arrays = env.arrays.filter((a) => a.len === 'L');
    const sources = this.runtimeSources(env).filter((s) => !arrays.some((a) => a.name === s.name));
    if (arrays.length === 0) return [];
    this.f('loop:descent');
    const w = this.fresh('w');
    const g = this.fresh('g');
    const out: Stmt[] = [decl('let', w, this.num(env, 1))];
    const wv: NumVar = { name: w, kind: 'local', mutable: true };
    env.nums.push(wv);
    // The outer loop: a run-time count, or a constant one.
    const i = this.counterName(env);
    const outer = copyEnv(env);
    outer.loop = { runtime: true, accumulators: [w] };
    outer.loopDepth++;
    const src = sources.length > 0 && rng.chance(0.7) ? rng.pick(sources) : undefined;
    const steps: Expr = src === undefined ? num(rng.int(2, 5)) : env.arrays.some((b) => b.name === src.name) ? member(id(src.name), 'length') : id(src.name);
    outer.counters.push({ name: i, lo: 0, bound: src?.len ?? (steps as { v: number }).v });
    const inner = copyEnv(outer);
    inner.loopDepth++;
    const gv: NumVar = { name: g, kind: 'local', mutable: true };
    inner.nums.push(gv);
    inner.loop = { runtime: true, accumulators: [g] };
    const j = this.counterName(outer);
    const a = rng.pick(arrays);
    inner.counters.push({ name: j, lo: 0, bound: 'L' });
    const innerBody: Stmt[] = [assign(id(g), '+=', this.poly(inner, 3))];
    if (rng.chance(0.3)) innerBody.push(...this.block(inner, 0, 1));
    const outerBody: Stmt[] = [
      decl('let', g, num(0)),
      { t: 'for', init: decl('let', j, num(0)), cond: bin('<', id(j), member(id(a.name), 'length')), step: { t: 'update', op: '++', prefix: false, target: id(j) }, body: innerBody },
      assign(id(w), '-=', bin('*', num(rng.pick([0.1, 0.05, 0.2])), rng.chance(0.4) ? id(g) : math('tanh', id(g)))),
    ];
    if (rng.chance(0.3)) outerBody.push(...this.block(outer, 0, 1));
    mergeArrays(env, outer);
    out.push({ t: 'for', init: decl('let', i, num(0)), cond: bin('<', id(i), steps), step: { t: 'update', op: '++', prefix: false, target: id(i) }, body: outerBody });
    return out;
  }

  /** `while (<condition on state> && c < cap) { c++; ... }`, or the `do` form. */
  private whileOnState(env: Env): Stmt[] {
    const rng = this.rng;
    const inner = copyEnv(env);
    inner.loop = { runtime: true, accumulators: [] };
    inner.loopDepth++;
    const p = this.fresh('p');
    const c = this.fresh('c');
    const init = this.bounded(env, 1);
    const pre: Stmt[] = [decl('let', p, init), decl('let', c, num(0))];
    const v: NumVar = { name: p, kind: 'local', mutable: true };
    env.nums.push(v);
    inner.nums.push(v);
    inner.loop.accumulators.push(p);
    const cap = rng.int(2, 8);
    inner.counters.push({ name: c, lo: 0, bound: cap, offset: 1 });
    const stateTest = rng.pick([bin('>', id(p), num(rng.pick([-0.5, 0, 0.2]))), bin('<', math('abs', id(p)), num(rng.pick([1, 2, 3]))), bin('<', id(p), num(rng.pick([1, 2])))]);
    const test = bin('&&', stateTest, bin('<', id(c), num(cap)));
    const body: Stmt[] = [exprStmt({ t: 'update', op: '++', prefix: false, target: id(c) })];
    body.push(assign(id(p), '=', rng.chance(0.5) ? bin('-', bin('*', id(p), num(0.8)), bin('*', num(0.1), this.bounded(inner, 1))) : bin('+', id(p), bin('*', num(0.3), this.bounded(inner, 1)))));
    body.push(...this.block(inner, 0, 2));
    mergeArrays(env, inner);
    const form = rng.chance(0.6) ? 'while' : 'do';
    this.f(`loop:${form}-on-state`);
    return [...pre, form === 'while' ? { t: 'while', c: test, body } : { t: 'do', body, c: test }];
  }

  /** A local array: a literal, a typed array, `new Array(k).fill(v)`; written at constant indices. */
  private localArray(env: Env): Stmt[] {
    const rng = this.rng;
    const name = this.fresh('a');
    const len = rng.int(1, 4);
    const form = rng.weighted<string>([
      [3, 'literal'],
      [1.5, 'f64'],
      [1, 'fill-typed'],
      [0.7, 'fill-any'],
      [0.5, 'empty-push'],
    ]);
    this.f(`array:${form}`);
    const out: Stmt[] = [];
    let arr: ArrVar;
    switch (form) {
      case 'f64':
        out.push(decl('const', name, { t: 'new', ctor: 'Float64Array', args: [num(len)] }));
        arr = { name, type: 'Float64Array', len, min: len, local: true, writable: true, pushable: false };
        out.push(assign(index(id(name), num(0)), '=', this.num(env, 2)));
        break;
      case 'fill-typed':
      case 'fill-any':
        out.push(decl('const', name, { t: 'method', o: { t: 'new', ctor: 'Array', args: [num(len)] }, name: 'fill', args: [rng.chance(0.5) ? num(0) : this.num(env, 1)] }, form === 'fill-typed' ? 'number[]' : undefined));
        arr = { name, type: form === 'fill-typed' ? 'number[]' : 'any[]', len, min: len, local: true, writable: true, pushable: true };
        break;
      case 'empty-push': {
        out.push(decl('const', name, { t: 'arr', elems: [] }, 'number[]'));
        for (let i = 0; i < len; i++) out.push(exprStmt({ t: 'method', o: id(name), name: 'push', args: [this.num(env, 1)] }));
        this.f('stmt:push');
        arr = { name, type: 'number[]', len, min: len, local: true, writable: true, pushable: true };
        break;
      }
      default:
        out.push(decl(rng.chance(0.8) ? 'const' : 'let', name, { t: 'arr', elems: Array.from({ length: len }, () => this.num(env, 1)) }));
        arr = { name, type: 'number[]', len, min: len, local: true, writable: true, pushable: true };
    }
    env.arrays.push(arr);
    return out;
  }

  /** A map: `out[i] = e_i` over a run-time range, read by later loops. */
  private mapLoop(env: Env): Stmt[] {
    const rng = this.rng;
    const sources = this.runtimeSources(env).filter((s) => s.len === 'L' || s.len === 'n' || s.len === 'k');
    if (sources.length === 0) return [];
    const src = rng.pick(sources);
    const isArray = env.arrays.some((a) => a.name === src.name);
    const name = this.fresh('out');
    const bound: Expr = isArray ? member(id(src.name), 'length') : id(src.name);
    const typed = rng.chance(0.5);
    this.f(typed ? 'map:float64array' : 'map:array-fill');
    const init: Expr = typed ? { t: 'new', ctor: 'Float64Array', args: [structuredClone(bound)] } : { t: 'method', o: { t: 'new', ctor: 'Array', args: [structuredClone(bound)] }, name: 'fill', args: [num(0)] };
    const out: Stmt[] = [decl('const', name, init, typed ? undefined : 'number[]')];
    const i = this.counterName(env);
    const inner = copyEnv(env);
    inner.loop = { runtime: true, accumulators: [] };
    inner.loopDepth++;
    inner.counters.push({ name: i, lo: 0, bound: src.len });
    const shifted = rng.chance(0.2);
    const target = index(id(name), shifted ? bin('+', id(i), num(1)) : id(i));
    let body: Stmt[];
    if (rng.chance(0.3)) {
      this.f('map:in-branches');
      body = [{ t: 'if', c: this.condition(inner, 1), then: [assign(target, '=', this.num(inner, 2))], else: [assign(structuredClone(target), '=', this.num(inner, 2))] }];
    } else body = [assign(target, '=', this.num(inner, 2))];
    if (shifted) this.f('map:shifted-index');
    const cond = shifted ? bin('<', bin('+', id(i), num(1)), structuredClone(bound)) : bin('<', id(i), structuredClone(bound));
    out.push({ t: 'for', init: decl('let', i, num(0)), cond, step: { t: 'update', op: '++', prefix: false, target: id(i) }, body });
    const lenOf = src.len;
    env.arrays.push({ name, type: typed ? 'Float64Array' : 'number[]', len: lenOf, min: lenOf === 'L' ? 3 : 0, local: true, writable: false, pushable: false });
    // A later loop that reads it.
    if (rng.chance(0.8)) out.push(...this.runtimeLoop(env, { name, len: lenOf }));
    return out;
  }
}

/** Features of the program's shape that no single choice of the generator names. */
function scanShapes(p: Program, feat: Set<string>): void {
  const walk = (o: unknown, parent?: { t?: string }): void => {
    if (Array.isArray(o)) {
      o.forEach((x) => walk(x, parent));
      return;
    }
    if (typeof o !== 'object' || o === null) return;
    const n = o as { t?: string } & Record<string, unknown>;
    if (n.t === 'bin' && n.op === '**') {
      const a = n.a as Expr;
      if ((a.t === 'num' && a.v < 0) || a.t === 'unary') feat.add('shape:unary-base-of-**');
    }
    if (n.t === 'expr' && (n.e as Expr).t === 'call') feat.add('shape:call-statement');
    if (n.t === 'update' && parent?.t !== 'expr' && parent?.t !== 'for') feat.add('shape:update-as-value');
    for (const [k, v] of Object.entries(n)) if (k !== 't') walk(v, n);
  };
  walk(p.helpers);
  walk(p.target.body);
}

function ret_(e: Expr): Stmt {
  return ret(e);
}

function copyEnvFor(env: Env): Env {
  return copyEnv(env);
}

/**
 * Number variables a statement may assign: not those of the enclosing function inside a local
 * arrow, and not a `let h;` without a type inside a loop (whose evolving type TypeScript may then
 * find circular, TS7022).
 */
function writableNums(env: Env): NumVar[] {
  return env.nums.filter((v) => v.mutable && (!env.inArrow || v.kind === 'local') && !(v.untyped === true && env.loop !== null));
}

/** Whether a counter with values below `bound` indexes `a` in range. */
function fits(bound: Len, a: ArrVar): boolean {
  if (typeof bound === 'number') return bound <= a.min;
  if (bound === a.len) return true;
  return (bound === 'n' || bound === 'k') && a.len === 'L';
}

function helperArrayType(t: ArrVar['type'], rng: Rng): string {
  if (t === 'Float64Array' || t === 'Float32Array') return t;
  if (t === 'readonly number[]') return 'readonly number[]';
  return rng.chance(0.5) ? 'readonly number[]' : 'number[]';
}

function shuffle<T>(rng: Rng, xs: T[]): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

/**
 * Program `index` of the run with `seed`: the same pair always gives the same program. With
 * `avoid`, the first of a fixed sequence of attempts that uses none of those features (to look past
 * a known bug that a feature triggers); after 500 attempts, the last one.
 */
export function generateProgram(seed: number, index: number, avoid: readonly string[] = []): Program {
  let program = new Generator(new Rng(seedFor('program', seed, index))).generate();
  for (let attempt = 1; attempt < 500 && avoid.length > 0 && program.features.some((f) => avoid.some((a) => matches(f, a))); attempt++) {
    program = new Generator(new Rng(seedFor('program', seed, index, attempt))).generate();
  }
  return program;
}

/** A feature name matches a pattern equal to it, or a `prefix*` pattern. */
function matches(feature: string, pattern: string): boolean {
  return pattern.endsWith('*') ? feature.startsWith(pattern.slice(0, -1)) : feature === pattern;
}

/** A point of the sample: one value per parameter (arrays as plain number lists). */
export type PointValue = number | boolean | number[];

/**
 * Sample points for a parameter list. Numbers are multiples of 1/64, so that the steps of finite
 * differences (powers of two) move them exactly, in a `Float32Array` too; all array parameters of a
 * point share one length L (3 to 6), and the trip counts `n`, `k` are at most L.
 */
/**
 * Where the numbers of a point come from: `unit`, multiples of 1/64 in [-1.5, 1.5]; `wide`, those
 * one time in three, else numbers where arithmetic leaves the finite or the normal range (an exp
 * overflowing at ±800, a square overflowing past 1e154 or underflowing below 1e-162, 1e±300,
 * subnormals, zeros of both signs), to find gradients that are not finite where the primal is.
 */
export type PointRange = 'unit' | 'wide';

const extremes: readonly ((u: number) => number)[] = [
  (u) => 700 + 200 * u,
  (u) => 1e154 * (1 + 9 * u),
  (u) => 1e-162 * (1 + 9 * u),
  (u) => 1e300 * (1 + u),
  (u) => 1e-300 * (1 + u),
  (u) => 5e-324 * (1 + Math.floor(1000 * u)),
  () => 0,
];

export function generatePoints(kinds: readonly ParamKind[], seed: number, index: number, count: number, range: PointRange = 'unit'): PointValue[][] {
  const rng = new Rng(seedFor(range === 'unit' ? 'points' : 'wide-points', seed, index));
  const points: PointValue[][] = [];
  for (let p = 0; p < count; p++) {
    const L = rng.int(3, 6);
    const unit = (): number => rng.int(-96, 96) / 64;
    const value = range === 'unit' ? unit : (): number => (rng.chance(1 / 3) ? unit() : (rng.chance(0.5) ? -1 : 1) * rng.pick(extremes)(rng.next()));
    points.push(
      kinds.map((k): PointValue => {
        switch (k) {
          case 'num':
            return value();
          case 'int':
          case 'count':
            return rng.chance(0.1) ? 0 : rng.int(1, L);
          case 'bool':
            return rng.chance(0.5);
          case 'f32':
            // Numbers a Float32Array can hold: past 3.4e38 its element would be an infinite input.
            return Array.from({ length: L }, () => {
              const v = value();
              return Number.isFinite(Math.fround(v)) ? v : unit();
            });
          default:
            return Array.from({ length: L }, value);
        }
      }),
    );
  }
  return points;
}

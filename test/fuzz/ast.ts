/**
 * The fuzzer's program AST: just enough TypeScript to write what the README says coarsegrad
 * differentiates, printed to source text. Names that live at module level start with `@` and are
 * printed with the program's id as a prefix, so that many programs can share one compiled file.
 */

export type Expr =
  | { t: 'num'; v: number }
  | { t: 'id'; name: string }
  | { t: 'this' }
  | { t: 'bin'; op: string; a: Expr; b: Expr }
  | { t: 'unary'; op: '-' | '!'; a: Expr }
  | { t: 'call'; callee: string; args: Expr[] }
  | { t: 'method'; o: Expr; name: string; args: Expr[] }
  | { t: 'cond'; c: Expr; a: Expr; b: Expr }
  | { t: 'index'; a: Expr; i: Expr; bang: boolean }
  | { t: 'member'; o: Expr; name: string }
  | { t: 'update'; op: '++' | '--'; prefix: boolean; target: Expr }
  | { t: 'assign'; target: Expr; op: string; value: Expr }
  | { t: 'obj'; fields: { name: string; value: Expr | null }[] }
  | { t: 'arr'; elems: Expr[] }
  | { t: 'new'; ctor: string; args: Expr[] }
  /** `(a, b) => body`, as the callback of an array method. */
  | { t: 'lambda'; params: string[]; body: Expr };

export type Stmt =
  | { t: 'decl'; kind: 'const' | 'let'; name: string; type?: string; init?: Expr }
  | { t: 'expr'; e: Expr }
  | { t: 'if'; c: Expr; then: Stmt[]; else?: Stmt[] }
  | { t: 'for'; init: Stmt & { t: 'decl' }; cond: Expr; step: Expr; body: Stmt[] }
  | { t: 'forof'; name: string; of: Expr; body: Stmt[] }
  | { t: 'while'; c: Expr; body: Stmt[] }
  | { t: 'do'; body: Stmt[]; c: Expr }
  | { t: 'break' }
  | { t: 'continue' }
  | { t: 'return'; e?: Expr }
  | { t: 'fn'; fn: FnDecl };

export interface Param {
  name: string;
  type: string;
  def?: number;
}

export interface FnDecl {
  name: string;
  params: Param[];
  ret: string;
  body: Stmt[];
  /** `function f() {}`, `const f = () => {}`, `const f = function () {}`. */
  style: 'function' | 'arrow' | 'fnexpr';
}

/** How a parameter of the marked function is passed and what its gradient entry is. */
export type ParamKind = 'num' | 'arr' | 'roarr' | 'f64' | 'f32' | 'int' | 'count' | 'bool';

export const paramTypes: Record<ParamKind, string> = {
  num: 'number',
  arr: 'number[]',
  roarr: 'readonly number[]',
  f64: 'Float64Array',
  f32: 'Float32Array',
  int: 'Int',
  count: 'number',
  bool: 'boolean',
};

export type Spelling = 'decl' | 'arrow' | 'fnexpr' | 'wrapper' | 'method' | 'static';

export interface Program {
  consts: { name: string; value: number }[];
  types: string[];
  helpers: FnDecl[];
  target: FnDecl;
  spelling: Spelling;
  /** Fields of the class, for the method spelling (read as `this.name`). */
  fields: { name: string; value: number }[];
  kinds: ParamKind[];
  /** Features this program uses, for the coverage summary. */
  features: string[];
}

// ---------------------------------------------------------------------------------------------
// Builders

export const num = (v: number): Expr => ({ t: 'num', v });
export const id = (name: string): Expr => ({ t: 'id', name });
export const bin = (op: string, a: Expr, b: Expr): Expr => ({ t: 'bin', op, a, b });
export const call = (callee: string, ...args: Expr[]): Expr => ({ t: 'call', callee, args });
export const math = (fn: string, ...args: Expr[]): Expr => ({ t: 'call', callee: `Math.${fn}`, args });
export const member = (o: Expr, name: string): Expr => ({ t: 'member', o, name });
export const index = (a: Expr, i: Expr, bang = false): Expr => ({ t: 'index', a, i, bang });
export const neg = (a: Expr): Expr => ({ t: 'unary', op: '-', a });
export const not = (a: Expr): Expr => ({ t: 'unary', op: '!', a });
export const cond = (c: Expr, a: Expr, b: Expr): Expr => ({ t: 'cond', c, a, b });
export const decl = (kind: 'const' | 'let', name: string, init?: Expr, type?: string): Stmt & { t: 'decl' } =>
  type === undefined ? (init === undefined ? { t: 'decl', kind, name } : { t: 'decl', kind, name, init }) : init === undefined ? { t: 'decl', kind, name, type } : { t: 'decl', kind, name, type, init };
export const assign = (target: Expr, op: string, value: Expr): Stmt => ({ t: 'expr', e: { t: 'assign', target, op, value } });
export const exprStmt = (e: Expr): Stmt => ({ t: 'expr', e });
export const ret = (e: Expr): Stmt => ({ t: 'return', e });

// ---------------------------------------------------------------------------------------------
// Printing

export function resolveName(name: string, prefix: string): string {
  if (!name.startsWith('@')) return name;
  return name === '@f' ? prefix : `${prefix}_${name.slice(1)}`;
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const s = String(v);
  return s;
}

/** Atomic expressions print without parentheses wherever they stand. */
function atomic(e: Expr): boolean {
  switch (e.t) {
    case 'num':
      return e.v >= 0 && !Object.is(e.v, -0);
    case 'id':
    case 'this':
    case 'call':
    case 'method':
    case 'index':
    case 'member':
    case 'arr':
    case 'new':
      return true;
    case 'update':
      return !e.prefix;
    default:
      return false;
  }
}

export class Printer {
  constructor(private readonly prefix: string) {}

  name(n: string): string {
    return resolveName(n, this.prefix);
  }

  expr(e: Expr): string {
    switch (e.t) {
      case 'num':
        return formatNumber(e.v);
      case 'id':
        return this.name(e.name);
      case 'this':
        return 'this';
      case 'bin':
        // `a < (b > c) ...` can parse as the instantiation expression `a<(b>c)...`, which
        // TypeScript then emits as nonsense without a diagnostic: written `(b > c) > a` instead.
        if (e.op === '<' && !atomic(e.b)) return `${this.operand(e.b)} > ${this.operand(e.a)}`;
        return `${this.operand(e.a)} ${e.op} ${this.operand(e.b)}`;
      case 'unary':
        return `${e.op}${this.operand(e.a)}`;
      case 'call':
        return `${this.name(e.callee)}(${e.args.map((a) => this.expr(a)).join(', ')})`;
      case 'method':
        return `${this.operand(e.o)}.${e.name}(${e.args.map((a) => this.expr(a)).join(', ')})`;
      case 'cond':
        return `${this.operand(e.c)} ? ${this.operand(e.a)} : ${this.operand(e.b)}`;
      case 'index':
        return `${this.operand(e.a)}[${this.expr(e.i)}]${e.bang ? '!' : ''}`;
      case 'member':
        return `${this.operand(e.o)}.${e.name}`;
      case 'update':
        return e.prefix ? `${e.op}${this.operand(e.target)}` : `${this.operand(e.target)}${e.op}`;
      case 'assign':
        return `${this.expr(e.target)} ${e.op} ${this.expr(e.value)}`;
      case 'obj':
        return `{ ${e.fields.map((f) => (f.value === null ? f.name : `${f.name}: ${this.expr(f.value)}`)).join(', ')} }`;
      case 'arr':
        return `[${e.elems.map((a) => this.expr(a)).join(', ')}]`;
      case 'lambda':
        return `(${e.params.map((p) => this.name(p)).join(', ')}) => ${this.operand(e.body)}`;
      case 'new':
        return `new ${e.ctor}(${e.args.map((a) => this.expr(a)).join(', ')})`;
    }
  }

  operand(e: Expr): string {
    const s = this.expr(e);
    return atomic(e) ? s : `(${s})`;
  }

  block(body: readonly Stmt[], indent: string): string {
    return `{\n${body.map((s) => this.stmt(s, indent + '  ')).join('')}${indent}}`;
  }

  declText(s: Stmt & { t: 'decl' }): string {
    return `${s.kind} ${s.name}${s.type !== undefined ? `: ${this.type(s.type)}` : ''}${s.init !== undefined ? ` = ${this.expr(s.init)}` : ''}`;
  }

  stmt(s: Stmt, indent: string): string {
    switch (s.t) {
      case 'decl':
        return `${indent}${this.declText(s)};\n`;
      case 'expr':
        return `${indent}${this.expr(s.e)};\n`;
      case 'if': {
        let text = `${indent}if (${this.expr(s.c)}) ${this.block(s.then, indent)}`;
        let rest = s.else;
        while (rest !== undefined) {
          const only = rest.length === 1 ? rest[0]! : undefined;
          if (only !== undefined && only.t === 'if') {
            text += ` else if (${this.expr(only.c)}) ${this.block(only.then, indent)}`;
            rest = only.else;
          } else {
            text += ` else ${this.block(rest, indent)}`;
            rest = undefined;
          }
        }
        return text + '\n';
      }
      case 'for':
        return `${indent}for (${this.declText(s.init)}; ${this.expr(s.cond)}; ${this.expr(s.step)}) ${this.block(s.body, indent)}\n`;
      case 'forof':
        return `${indent}for (const ${s.name} of ${this.expr(s.of)}) ${this.block(s.body, indent)}\n`;
      case 'while':
        return `${indent}while (${this.expr(s.c)}) ${this.block(s.body, indent)}\n`;
      case 'do':
        return `${indent}do ${this.block(s.body, indent)} while (${this.expr(s.c)});\n`;
      case 'break':
        return `${indent}break;\n`;
      case 'continue':
        return `${indent}continue;\n`;
      case 'return':
        return `${indent}return${s.e !== undefined ? ' ' + this.expr(s.e) : ''};\n`;
      case 'fn':
        return this.fn(s.fn, indent, '') + '\n';
    }
  }

  params(ps: readonly Param[]): string {
    return ps.map((p) => `${p.name}: ${this.type(p.type)}${p.def !== undefined ? ` = ${formatNumber(p.def)}` : ''}`).join(', ');
  }

  /** The body of an arrow: an expression when it is one `return`. */
  arrowBody(f: FnDecl, indent: string): string {
    const only = f.body.length === 1 ? f.body[0]! : undefined;
    if (only !== undefined && only.t === 'return' && only.e !== undefined) {
      const text = this.expr(only.e);
      return only.e.t === 'obj' ? `(${text})` : text;
    }
    return this.block(f.body, indent);
  }

  fn(f: FnDecl, indent: string, exported: string): string {
    const name = this.name(f.name);
    const sig = `(${this.params(f.params)}): ${this.type(f.ret)}`;
    switch (f.style) {
      case 'function':
        return `${indent}${exported}function ${name}${sig} ${this.block(f.body, indent)}`;
      case 'arrow':
        return `${indent}${exported}const ${name} = ${sig} => ${this.arrowBody(f, indent)};`;
      case 'fnexpr':
        return `${indent}${exported}const ${name} = function ${sig} ${this.block(f.body, indent)};`;
    }
  }

  /** Types may name module-level types (`@V`). */
  type(t: string): string {
    return t.replace(/@\w+/g, (n) => this.name(n));
  }
}

/** The module-level source text of one program, its marked function named `prefix`. */
export function printProgram(p: Program, prefix: string): string {
  const pr = new Printer(prefix);
  const out: string[] = [];
  for (const c of p.consts) out.push(`const ${pr.name(c.name)} = ${formatNumber(c.value)};`);
  for (const t of p.types) out.push(pr.type(t));
  for (const h of p.helpers) out.push(pr.fn(h, '', ''));
  const t = p.target;
  const sig = `(${pr.params(t.params)}): number`;
  switch (p.spelling) {
    case 'decl':
      out.push(`/** @differentiable */\n${pr.fn({ ...t, style: 'function' }, '', 'export ')}`);
      break;
    case 'arrow':
      out.push(`/** @differentiable */\n${pr.fn({ ...t, style: 'arrow' }, '', 'export ')}`);
      break;
    case 'fnexpr':
      out.push(`/** @differentiable */\n${pr.fn({ ...t, style: 'fnexpr' }, '', 'export ')}`);
      break;
    case 'wrapper':
      out.push(`export const ${prefix} = differentiable(${sig} => ${pr.arrowBody(t, '')});`);
      break;
    case 'method':
    case 'static': {
      const fields = p.fields.map((f) => `  ${f.name} = ${formatNumber(f.value)};\n`).join('');
      const stat = p.spelling === 'static' ? 'static ' : '';
      out.push(`export class ${prefix}_C {\n${fields}  @differentiable\n  ${stat}m${sig} ${pr.block(t.body, '  ')}\n}`);
      break;
    }
  }
  return out.join('\n') + '\n';
}

/** Deep copy of a program (the shrinker edits copies). */
export function cloneProgram(p: Program): Program {
  return structuredClone(p);
}

/**
 * Prints the core (`core.ts`) as TypeScript, for `debug`, the report and the front end's tests
 * ("this source becomes that core"). Temporaries the front end made are printed as `name$id`, so that
 * they cannot be mistaken for the user's names.
 */
import type { CoreFunction, Expr, Key, Loop, Stmt, Var } from './core.js';

export function printFunction(fn: CoreFunction): string {
  const names = new Namer();
  const params = fn.params.map((p) => names.of(p.var)).join(', ');
  return `function ${fn.name}(${params}) ${block(fn.body, names, '')}`;
}

class Namer {
  private readonly names = new Map<Var, string>();
  private readonly used = new Map<string, number>();
  readonly loops = new Map<Loop, string>();

  of(v: Var): string {
    let name = this.names.get(v);
    if (name === undefined) {
      // Two declarations of one name (consecutive loops' `i`) print apart: `i`, `i_2`.
      const count = (this.used.get(v.name) ?? 0) + 1;
      this.used.set(v.name, count);
      name = v.temporary ? `${v.name}$${v.id}` : count === 1 ? v.name : `${v.name}_${count}`;
      this.names.set(v, name);
    }
    return name;
  }

  loop(l: Loop): string {
    let name = this.loops.get(l);
    if (name === undefined) {
      name = `loop${this.loops.size + 1}`;
      this.loops.set(l, name);
    }
    return name;
  }
}

function block(body: readonly Stmt[], names: Namer, indent: string): string {
  if (body.length === 0) return '{}';
  return `{\n${body.map((s) => statement(s, names, indent + '  ')).join('\n')}\n${indent}}`;
}

function statement(s: Stmt, names: Namer, indent: string): string {
  const e = (x: Expr) => expression(x, names);
  switch (s.kind) {
    case 'let':
      return `${indent}let ${names.of(s.var)} = ${e(s.init)};`;
    case 'assign':
      return `${indent}${names.of(s.var)} = ${e(s.value)};`;
    case 'store':
      return `${indent}${e(s.object)}${key(s.key, names)} = ${e(s.value)};`;
    case 'effect':
      return `${indent}${e(s.call)};`;
    case 'if': {
      const otherwise = s.else.length === 0 ? '' : ` else ${block(s.else, names, indent)}`;
      return `${indent}if (${e(s.test)}) ${block(s.then, names, indent)}${otherwise}`;
    }
    case 'loop': {
      const label = names.loop(s);
      const lines = [`${indent}${label}: {`];
      const inner = indent + '  ';
      for (const st of s.init) lines.push(statement(st, names, inner));
      const testing = s.testing.map((st) => statement(st, names, inner + '  ')).join('\n');
      const test = s.test === undefined ? 'true' : e(s.test);
      const head = s.testFirst ? 'while' : 'do-while';
      lines.push(`${inner}${head} (${testing === '' ? test : `{\n${testing}\n${inner}  } ${test}`}) ${block(s.body, names, inner)}`);
      if (s.update.length > 0) lines.push(`${inner}  // update\n${s.update.map((st) => statement(st, names, inner + '  ')).join('\n')}`);
      lines.push(`${indent}}`);
      return lines.join('\n');
    }
    case 'break':
      return `${indent}break ${names.loop(s.loop)};`;
    case 'continue':
      return `${indent}continue ${names.loop(s.loop)};`;
    case 'return':
      return `${indent}return ${e(s.value)};`;
    case 'throw':
      return `${indent}throw ${e(s.value)};`;
  }
}

function key(k: Key, names: Namer): string {
  return k.kind === 'field' ? `.${k.name}` : `[${expression(k.index, names)}]`;
}

function expression(x: Expr, names: Namer): string {
  const e = (y: Expr) => expression(y, names);
  switch (x.kind) {
    case 'number':
      return x.name !== undefined ? `Math.${x.name}` : Object.is(x.value, -0) ? '-0' : String(x.value);
    case 'boolean':
      return String(x.value);
    case 'string':
      return JSON.stringify(x.value);
    case 'undefined':
      return 'undefined';
    case 'var':
      return names.of(x.var);
    case 'free':
      return x.name;
    case 'this':
      return 'this';
    case 'unary':
      return `${x.op === 'neg' ? '-' : x.op === 'plus' ? '+' : x.op}(${e(x.operand)})`;
    case 'binary':
      return `(${e(x.left)} ${x.op === 'concat' ? '+' : x.op} ${e(x.right)})`;
    case 'logical':
      return `(${e(x.left)} ${x.op} ${e(x.right)})`;
    case 'conditional':
      return `(${e(x.test)} ? ${e(x.whenTrue)} : ${e(x.whenFalse)})`;
    case 'isUndefined':
      return x.orNull ? `(${e(x.operand)} == null)` : `(${e(x.operand)} === undefined)`;
    case 'math':
      return `Math.${x.name}(${x.args.map(e).join(', ')})`;
    case 'field':
      return `${e(x.object)}.${x.name}`;
    case 'element':
      return `${e(x.array)}[${e(x.index)}]`;
    case 'arrayLiteral':
      return `[${x.elements.map(e).join(', ')}]`;
    case 'objectLiteral':
      return `{ ${x.fields.map(([k, v]) => `${k}: ${e(v)}`).join(', ')} }`;
    case 'newArray': {
      const ctor = x.storage === 'array' ? 'Array' : x.storage === 'float64' ? 'Float64Array' : 'Float32Array';
      return x.copy ? `${ctor}.from(${x.arg === undefined ? '' : e(x.arg)})` : `new ${ctor}(${x.arg === undefined ? '' : e(x.arg)})`;
    }
    case 'slice':
      return `${e(x.array)}.slice(${x.args.map(e).join(', ')})`;
    case 'call':
      return `${x.receiver !== undefined ? `${e(x.receiver)}.` : ''}${x.fn.name}(${x.args.map(e).join(', ')})`;
    case 'arrayMethod':
      return `${e(x.array)}.${x.method}(${x.args.map(e).join(', ')})`;
    case 'newError':
      return `new ${x.ctor}(${x.args.map(e).join(', ')})`;
    case 'records':
      return `records { ${x.fields.map(([k, v]) => `${k}: ${e(v)}`).join(', ')} }`;
    case 'matrix':
      return `matrix { flat: ${e(x.flat)}, rows: ${e(x.rows)}, cols: ${e(x.cols)}, stride: ${e(x.stride)} }`;
    case 'view':
      return `${e(x.array)}[${e(x.start)} ..+ ${e(x.length)}]`;
  }
}

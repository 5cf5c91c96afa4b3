/**
 * `new C(args)` of a class with source in the program, as the front end rewrites it (DESIGN.md §3):
 * an object with the class's fields (each field's initialiser, else `undefined`; the constructor's
 * parameter properties), then the constructor's body run on it, desugared where it is called.
 * Its methods and getters are then calls with the object as `this` (`desugar.ts`), so a `Vec2` or
 * a `KalmanFilter` built in the marked function is a record of the core, in both modes.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapes, type Expr, type Shape, type Stmt, type Var } from './core.js';

/** What construction needs of the body being desugared (`desugar.ts`). */
export interface ClassScope {
  readonly ts: typeof ts;
  expression(e: ts.Expression): Expr;
  temporary(name: string, shape: Shape, at: ts.Node): Var;
  variable(name: ts.Identifier, at: ts.Node): Var;
  emit(s: Stmt): void;
  /** Desugars `run` with `this` in `owner` (a constructor, or the class for its fields) read as `self`. */
  withThis(owner: ts.Node, self: Expr, run: () => void): void;
  statements(list: readonly ts.Statement[]): void;
  /** `if (v === undefined) v = init`, a parameter's default. */
  defaultWhenUndefined(v: Var, init: ts.Expression, at: ts.Node): void;
}

/** The class `new` builds, if it is one of the program's. */
export function classOf(ts: typeof import('typescript'), checker: ts.TypeChecker, e: ts.NewExpression): ts.ClassDeclaration | ts.ClassExpression | undefined {
  const symbol = checker.getSymbolAtLocation(e.expression);
  const target = symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const decl = target?.valueDeclaration;
  if (decl === undefined || decl.getSourceFile().isDeclarationFile) return undefined;
  return ts.isClassDeclaration(decl) || ts.isClassExpression(decl) ? decl : undefined;
}

export function construct(scope: ClassScope, e: ts.NewExpression, cls: ts.ClassDeclaration | ts.ClassExpression): Expr {
  const ts = scope.ts;
  const name = cls.name?.text ?? 'object';
  if (cls.heritageClauses?.some((h) => h.token === ts.SyntaxKind.ExtendsKeyword)) {
    unsupported(codes.unsupportedSyntax, e, `'${name}' extends another class, which is not differentiated yet; build it from a class of its own.`);
  }
  const ctor = cls.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
  const args = (e.arguments ?? []).map((a) => {
    if (ts.isSpreadElement(a)) unsupported(codes.unsupportedSyntax, a, 'spread arguments are not supported in a marked function; pass the arguments one by one.');
    return scope.expression(a);
  });
  // Arguments first, as JavaScript evaluates them; then the fields, then the constructor's body.
  const params = (ctor?.parameters ?? []).map((p, i) => {
    if (!ts.isIdentifier(p.name) || p.dotDotDotToken) unsupported(codes.unsupportedSyntax, p, 'a constructor called from a marked function takes plain parameters here; list them one by one.');
    const v = scope.variable(p.name, p);
    scope.emit({ kind: 'let', var: v, init: args[i] ?? { kind: 'undefined', at: p }, at: p });
    if (p.initializer !== undefined) scope.defaultWhenUndefined(v, p.initializer, p);
    return [p, v] as const;
  });
  const self = scope.temporary(name.charAt(0).toLowerCase() + name.slice(1), shapes.record, e);
  const read: Expr = { kind: 'var', var: self, at: e };
  const fields: [string, Expr][] = [];
  const initialised: [string, ts.Expression][] = [];
  for (const m of cls.members) {
    if (!ts.isPropertyDeclaration(m) || m.modifiers?.some((k) => k.kind === ts.SyntaxKind.StaticKeyword)) continue;
    if (!ts.isIdentifier(m.name)) unsupported(codes.unsupportedSyntax, m.name, 'private (#) and computed field names are not differentiated; use a plain field.');
    fields.push([m.name.text, { kind: 'undefined', at: m }]);
    if (m.initializer !== undefined) initialised.push([m.name.text, m.initializer]);
  }
  const parameterProperties = params.filter(([p]) => ts.getModifiers(p)?.some((k) => k.kind === ts.SyntaxKind.PublicKeyword || k.kind === ts.SyntaxKind.PrivateKeyword || k.kind === ts.SyntaxKind.ProtectedKeyword || k.kind === ts.SyntaxKind.ReadonlyKeyword));
  for (const [p] of parameterProperties) if (!fields.some(([f]) => f === (p.name as ts.Identifier).text)) fields.push([(p.name as ts.Identifier).text, { kind: 'undefined', at: p }]);
  scope.emit({ kind: 'let', var: self, init: { kind: 'objectLiteral', fields, at: e }, at: e });
  const store = (field: string, value: Expr, at: ts.Node): void => scope.emit({ kind: 'store', object: read, key: { kind: 'field', name: field }, value, at });
  // Field initialisers see `this` as the new object, in the class's order.
  scope.withThis(cls, read, () => {
    for (const [field, init] of initialised) store(field, scope.expression(init), init);
  });
  for (const [p, v] of parameterProperties) store((p.name as ts.Identifier).text, { kind: 'var', var: v, at: p }, p);
  if (ctor !== undefined) {
    if (containsReturn(ts, ctor.body!)) unsupported(codes.unsupportedSyntax, ctor, "a constructor called from a marked function cannot 'return'; end its body instead.");
    scope.withThis(ctor, read, () => scope.statements(ctor.body!.statements));
  }
  return read;
}

function containsReturn(ts: typeof import('typescript'), body: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) found = true;
    else if (!ts.isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/**
 * `new C(args)` of a class with source in the program, as the front end rewrites it (DESIGN.md §3):
 * an object with the class's fields (each field's initialiser, else `undefined`; the constructor's
 * parameter properties), then the constructor's body run on it, desugared where it is called.
 * Its methods and getters are then calls with the object as `this` (`desugar.ts`), so a `Vec2` or
 * a `KalmanFilter` built in the marked function is a record of the core, in both modes. A class
 * that extends another of the program has the fields of both, its constructor running the base's
 * at its `super(...)`; a method a subclass overrides is refused where it is called
 * (`overrides.ts`), since which one runs is the run time's to know.
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
  /**
   * Desugars `run` with `this` in `owner` (a constructor, or the class for its fields) read as
   * `self`; a `super(...)` in it (a derived class's constructor) is `superCall`.
   */
  withThis(owner: ts.Node, self: Expr, run: () => void, superCall?: (args: readonly Expr[], at: ts.Node) => void): void;
  /** The class `cls` extends, if it is one of the program's. */
  base(cls: ts.ClassLikeDeclaration): ts.ClassLikeDeclaration | undefined;
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
  // The classes from this one up to the one that extends none, each of the program.
  const chain: (ts.ClassDeclaration | ts.ClassExpression)[] = [];
  for (let c: ts.ClassLikeDeclaration | undefined = cls; c !== undefined; c = scope.base(c)) {
    if (chain.includes(c as ts.ClassDeclaration)) break;
    chain.push(c as ts.ClassDeclaration);
    const extendsClause = c.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
    if (extendsClause !== undefined && scope.base(c) === undefined) {
      unsupported(codes.unsupportedSyntax, e, `'${c.name?.text ?? 'this class'}' extends a class whose source is not in the program (${extendsClause.types[0]!.expression.getText()}), which is not differentiated; build it from a class of the program.`);
    }
  }
  const args = (e.arguments ?? []).map((a) => {
    if (ts.isSpreadElement(a)) unsupported(codes.unsupportedSyntax, a, 'spread arguments are not supported in a marked function; pass the arguments one by one.');
    return scope.expression(a);
  });
  // Arguments first, as JavaScript evaluates them; then each class's fields, then its
  // constructor's body, the base's first (at its `super(...)`).
  const self = scope.temporary(name.charAt(0).toLowerCase() + name.slice(1), shapes.record, e);
  const read: Expr = { kind: 'var', var: self, at: e };
  const fields: [string, Expr][] = [];
  for (const c of [...chain].reverse()) {
    for (const [field, at] of fieldsOf(ts, c)) if (!fields.some(([f]) => f === field)) fields.push([field, { kind: 'undefined', at }]);
  }
  scope.emit({ kind: 'let', var: self, init: { kind: 'objectLiteral', fields, at: e }, at: e });
  build(scope, e, cls, args, read);
  return read;
}

/** The fields `c` declares: its property declarations and its constructor's parameter properties. */
function fieldsOf(ts: typeof import('typescript'), c: ts.ClassLikeDeclaration): [string, ts.Node][] {
  const fields: [string, ts.Node][] = [];
  for (const m of c.members) {
    if (!ts.isPropertyDeclaration(m) || m.modifiers?.some((k) => k.kind === ts.SyntaxKind.StaticKeyword)) continue;
    if (!ts.isIdentifier(m.name)) unsupported(codes.unsupportedSyntax, m.name, 'private (#) and computed field names are not differentiated; use a plain field.');
    fields.push([m.name.text, m]);
  }
  const ctor = c.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
  for (const p of ctor?.parameters ?? []) if (isParameterProperty(ts, p) && ts.isIdentifier(p.name)) fields.push([p.name.text, p]);
  return fields;
}

function isParameterProperty(ts: typeof import('typescript'), p: ts.ParameterDeclaration): boolean {
  return ts.getModifiers(p)?.some((k) => k.kind === ts.SyntaxKind.PublicKeyword || k.kind === ts.SyntaxKind.PrivateKeyword || k.kind === ts.SyntaxKind.ProtectedKeyword || k.kind === ts.SyntaxKind.ReadonlyKeyword) ?? false;
}

/**
 * Runs `cls`'s construction on `self` with `args`: a class without a constructor passes them to its
 * base's and then sets its fields; one with a constructor sets its fields first if it extends none,
 * else where its body calls `super(...)`, after the base's construction.
 */
function build(scope: ClassScope, e: ts.NewExpression, cls: ts.ClassLikeDeclaration, args: readonly Expr[], self: Expr): void {
  const ts = scope.ts;
  const base = scope.base(cls);
  const ctor = cls.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
  const params = (ctor?.parameters ?? []).map((p, i) => {
    if (!ts.isIdentifier(p.name) || p.dotDotDotToken) unsupported(codes.unsupportedSyntax, p, 'a constructor called from a marked function takes plain parameters here; list them one by one.');
    const v = scope.variable(p.name, p);
    scope.emit({ kind: 'let', var: v, init: args[i] ?? { kind: 'undefined', at: p }, at: p });
    if (p.initializer !== undefined) scope.defaultWhenUndefined(v, p.initializer, p);
    return [p, v] as const;
  });
  const store = (field: string, value: Expr, at: ts.Node): void => scope.emit({ kind: 'store', object: self, key: { kind: 'field', name: field }, value, at });
  // Field initialisers see `this` as the new object, in the class's order; then the parameter properties.
  const initialise = (): void => {
    scope.withThis(cls, self, () => {
      for (const m of cls.members) {
        if (!ts.isPropertyDeclaration(m) || m.initializer === undefined || m.modifiers?.some((k) => k.kind === ts.SyntaxKind.StaticKeyword)) continue;
        store(m.name.getText(), scope.expression(m.initializer), m.initializer);
      }
    });
    for (const [p, v] of params) if (isParameterProperty(ts, p)) store((p.name as ts.Identifier).text, { kind: 'var', var: v, at: p }, p);
  };
  if (ctor === undefined) {
    // `constructor(...args) { super(...args); }`
    if (base !== undefined) build(scope, e, base, args, self);
    initialise();
    return;
  }
  if (containsReturn(ts, ctor.body!)) unsupported(codes.unsupportedSyntax, ctor, "a constructor called from a marked function cannot 'return'; end its body instead.");
  if (base === undefined) {
    initialise();
    scope.withThis(ctor, self, () => scope.statements(ctor.body!.statements));
    return;
  }
  let called = false;
  const superCall = (superArgs: readonly Expr[], at: ts.Node): void => {
    if (called) unsupported(codes.unsupportedSyntax, at, "'super(...)' runs once in a constructor.");
    called = true;
    build(scope, e, base, superArgs, self);
    initialise();
  };
  scope.withThis(ctor, self, () => scope.statements(ctor.body!.statements), superCall);
  if (!called) unsupported(codes.unsupportedSyntax, ctor, "a derived class's constructor calls 'super(...)' at its top level here; call it before the statements that use 'this'.");
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

/**
 * Statements of a function body, as the front end rewrites them into the core (`desugar.ts`):
 * declarations (with destructuring, and the shapes a declaration learns from its value), loops of
 * every form in one, `switch` as a once-loop of tests, `for...of`, and expression statements run
 * for their effects.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapes, shapeOf, type Expr, type Loop, type Shape, type Stmt, type Var } from './core.js';
import { elementOf, lengthOf } from './rows.js';
import { skipOuter, unsupportedStatement } from './source.js';
import { fieldShape, numberAt, read, undefinedAt } from './values.js';
import { isFunctionLiteral, ownerFunction } from './scopes.js';
import type { BodyScope } from './scope.js';
import { declareMadeFunction } from './closures.js';

export function statements(b: BodyScope, list: readonly ts.Statement[]): void {
  for (const s of list) {
    statement(b, s);
    // What follows a `return`, `break` or `continue` in the same list never runs.
    const last = b.out[b.out.length - 1];
    if (last !== undefined && (last.kind === 'return' || last.kind === 'break' || last.kind === 'continue' || last.kind === 'throw')) return;
  }
}

function statement(b: BodyScope, s: ts.Statement): void {
  const ts = b.ts;
  if (ts.isVariableStatement(s)) {
    declarations(b, s.declarationList);
  } else if (ts.isExpressionStatement(s)) {
    effect(b, s.expression);
  } else if (ts.isReturnStatement(s)) {
    const callback = b.inlined[b.inlined.length - 1];
    if (callback?.returned !== undefined && s.expression === undefined) unsupported(codes.unsupportedSyntax, s, 'a factory whose made function is called here returns a function on every path.');
    let value = s.expression === undefined ? undefinedAt(s) : callback?.returned !== undefined ? callback.returned(s.expression) : b.expression(s.expression);
    // The `finally` blocks it leaves run after the value is computed, before it is returned.
    const leaving = b.finallies.filter((t) => t.inlined === b.inlined.length);
    if (leaving.length > 0) {
      value = b.copy(value, s, 'returning');
      runFinallies(b, leaving);
    }
    if (callback !== undefined) {
      b.out.push({ kind: 'assign', var: callback.result, value, at: s }, { kind: 'break', loop: callback.block, at: s });
    } else {
      b.out.push({ kind: 'return', value, at: s });
    }
  } else if (ts.isThrowStatement(s)) {
    const thrown = b.thrown(s.expression);
    runFinallies(b, b.finallies.filter((t) => t.inlined === b.inlined.length));
    b.out.push({ kind: 'throw', value: thrown, at: s });
  } else if (ts.isTryStatement(s)) {
    tryStatement(b, s);
  } else if (ts.isIfStatement(s)) {
    const test = b.expression(s.expression);
    const then = b.collect(() => statement(b, s.thenStatement));
    const otherwise = s.elseStatement === undefined ? [] : b.collect(() => statement(b, s.elseStatement!));
    b.out.push({ kind: 'if', test, then, else: otherwise, at: s });
  } else if (ts.isBlock(s)) {
    statements(b, s.statements);
  } else if (ts.isForStatement(s) || ts.isWhileStatement(s) || ts.isDoStatement(s) || ts.isForOfStatement(s)) {
    loop(b, s, undefined);
  } else if (ts.isSwitchStatement(s)) {
    switchStatement(b, s, undefined);
  } else if (ts.isLabeledStatement(s)) {
    const inner = s.statement;
    if (ts.isSwitchStatement(inner)) {
      switchStatement(b, inner, s.label.text);
      return;
    }
    if (!(ts.isForStatement(inner) || ts.isWhileStatement(inner) || ts.isDoStatement(inner) || ts.isForOfStatement(inner))) {
      unsupported(codes.unsupportedSyntax, s, 'only loops and switches can be labelled in a marked function; restructure the block with an if.');
    }
    loop(b, inner, s.label.text);
  } else if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
    // A `continue` is a loop's: it passes over the switches it is in.
    const candidates = ts.isContinueStatement(s) ? b.loops.filter((l) => !l.isSwitch) : b.loops;
    const target = s.label === undefined ? candidates[candidates.length - 1] : candidates.find((l) => l.label === s.label!.text);
    if (target === undefined) unsupported(codes.unsupportedSyntax, s, `this '${ts.isBreakStatement(s) ? 'break' : 'continue'}' has no loop to leave.`);
    // The `finally` blocks between here and the loop it leaves run first.
    const depth = b.loops.indexOf(target);
    runFinallies(b, b.finallies.filter((t) => t.inlined === b.inlined.length && t.loops > depth));
    b.out.push({ kind: ts.isBreakStatement(s) ? 'break' : 'continue', loop: target.loop, at: s });
  } else if (
    ts.isFunctionDeclaration(s) || ts.isEmptyStatement(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isClassDeclaration(s)
  ) {
    // Declarations: a function runs where it is called.
  } else {
    unsupportedStatement(ts, s);
  }
}

function declarations(b: BodyScope, list: ts.VariableDeclarationList): void {
  const ts = b.ts;
  const hoisted = (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
  for (const d of list.declarations) {
    // A local function runs where it is called; so does one a call made.
    if (d.initializer !== undefined && isFunctionLiteral(ts, d.initializer) && ts.isIdentifier(d.name)) continue;
    if (declareMadeFunction(b, d, (list.flags & ts.NodeFlags.Const) !== 0)) continue;
    if (ts.isIdentifier(d.name)) {
      const v = b.front.variable(d.name, d);
      if (d.initializer === undefined) {
        // A `var` keeps its value; a `let` starts `undefined` again each time it is declared.
        if (!hoisted) b.out.push({ kind: 'let', var: v, init: undefinedAt(d), at: d });
        continue;
      }
      const init = b.expression(d.initializer, 'init');
      const name = d.name;
      refine(b, v, init, () => (list.flags & ts.NodeFlags.Const) !== 0 || !reassigned(b, name));
      b.out.push(hoisted ? { kind: 'assign', var: v, value: init, at: d } : { kind: 'let', var: v, init, at: d });
      continue;
    }
    if (d.initializer === undefined) unsupported(codes.unsupportedSyntax, d, 'a destructuring declaration needs a value.');
    const source = b.stableCopy(b.expression(d.initializer), d.initializer, 'destructured');
    destructure(b, d.name, source, hoisted ? 'assign' : 'let');
  }
}

/**
 * `try { A } finally { B }`: A, then B where A ends and wherever A leaves (a `return` after its
 * value is computed, a `break` or `continue` out of the block, a `throw`), as JavaScript runs it.
 * A `catch` is refused: it would catch the errors JavaScript itself throws (a property of
 * `undefined`), which the gradient code does not throw where the primal does.
 */
function tryStatement(b: BodyScope, s: ts.TryStatement): void {
  if (s.catchClause !== undefined) unsupported(codes.unsupportedSyntax, s.catchClause, "'catch' cannot be differentiated; validate inputs with 'if (...) throw', or catch in an unmarked caller.");
  const block = s.finallyBlock!;
  b.finallies.push({ block, loops: b.loops.length, inlined: b.inlined.length });
  try {
    statements(b, s.tryBlock.statements);
  } finally {
    b.finallies.pop();
  }
  const last = b.out[b.out.length - 1]?.kind;
  if (last !== 'return' && last !== 'throw' && last !== 'break' && last !== 'continue') statements(b, block.statements);
}

/** The `finally` blocks of `leaving`, innermost first, each desugared outside itself. */
function runFinallies(b: BodyScope, leaving: readonly BodyScope['finallies'][number][]): void {
  for (const t of [...leaving].reverse()) {
    const at = b.finallies.indexOf(t);
    const inner = b.finallies.splice(at);
    try {
      statements(b, t.block.statements);
    } finally {
      b.finallies.push(...inner);
    }
  }
}

/** Is the variable `name` declares assigned anywhere after its declaration (`o = ...`)? */
function reassigned(b: BodyScope, name: ts.Identifier): boolean {
  const ts = b.ts;
  const symbol = b.front.symbolOf(name);
  const scope = ownerFunction(ts, name) ?? name.getSourceFile();
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const targets = ts.isIdentifier(skipOuter(ts, n.left)) ? [skipOuter(ts, n.left)] : ts.isArrayLiteralExpression(n.left) || ts.isObjectLiteralExpression(n.left) ? [n.left] : [];
      // A destructuring assignment may write it too: any name of the same symbol in it counts.
      for (const t of targets) {
        const names: ts.Identifier[] = [];
        const collect = (m: ts.Node): void => (ts.isIdentifier(m) ? void names.push(m) : m.forEachChild(collect));
        collect(t);
        if (names.some((id) => b.front.checker.getSymbolAtLocation(id) === symbol || (ts.isShorthandPropertyAssignment(id.parent) && b.front.checker.getShorthandAssignmentValueSymbol(id.parent) === symbol))) found = true;
      }
    }
    n.forEachChild(visit);
  };
  scope.forEachChild(visit);
  return found;
}

/**
 * A variable declared without a type or a value (`let h;`) takes the shape of what it is first
 * given; an object never given another takes the shapes of the fields it was built with.
 */
export function refine(b: BodyScope, v: Var, value: Expr, neverReassigned: () => boolean = () => false): void {
  const given = shapeOf(value);
  if (v.shape.kind === 'other' && v.shape.text === 'any') (v as { shape: Shape }).shape = given;
  // Asked last: it reads the whole function around the declaration.
  else if (v.shape.kind === 'record' && given.kind === 'record' && given.fields !== undefined && neverReassigned()) (v as { shape: Shape }).shape = given;
}

/** `const { x, y: [a, b = 1] } = source`: one declaration per name, reading `source` (a stable expression). */
export function destructure(b: BodyScope, pattern: ts.BindingName, source: Expr, how: 'let' | 'assign'): void {
  const ts = b.ts;
  if (ts.isIdentifier(pattern)) {
    const v = b.front.variable(pattern, pattern.parent);
    refine(b, v, source);
    b.out.push(how === 'let' ? { kind: 'let', var: v, init: source, at: pattern } : { kind: 'assign', var: v, value: source, at: pattern });
    return;
  }
  pattern.elements.forEach((element, index) => {
    if (ts.isOmittedExpression(element)) return;
    if (element.dotDotDotToken) unsupported(codes.unsupportedSyntax, element, 'rest elements in destructuring are not supported in a marked function; read the elements you need by index.');
    let part: Expr;
    if (ts.isObjectBindingPattern(pattern)) {
      const key = element.propertyName ?? element.name;
      if (!ts.isIdentifier(key) && !ts.isStringLiteral(key) && !ts.isNumericLiteral(key)) unsupported(codes.unsupportedSyntax, key, 'computed names in destructuring are not supported; read the field directly.');
      part = { kind: 'field', object: source, name: key.text, shape: fieldShape(source, key.text, b.front.shape(element.name)), at: element };
    } else {
      part = elementOf(source, numberAt(index, element), b.front.shape(element.name), element);
    }
    if (element.initializer !== undefined) {
      const holder = b.front.temporary('part', b.front.shape(element.name), element);
      b.out.push({ kind: 'let', var: holder, init: part, at: element });
      const value = b.collectValue(() => b.expression(element.initializer!));
      b.out.push({
        kind: 'if',
        test: { kind: 'isUndefined', operand: read(holder, element), orNull: false, at: element },
        then: [...value.statements, { kind: 'assign', var: holder, value: value.value, at: element }],
        else: [],
        at: element,
      });
      part = read(holder, element);
    }
    destructure(b, element.name, ts.isIdentifier(element.name) ? part : b.stableCopy(part, element, 'part'), how);
  });
}

function loop(b: BodyScope, s: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement, label: string | undefined): void {
  const ts = b.ts;
  const loop: Loop = { kind: 'loop', init: [], testing: [], test: undefined, testFirst: !ts.isDoStatement(s), body: [], update: [], at: s };
  if (ts.isForOfStatement(s)) {
    forOf(b, s, loop, label);
    return;
  }
  if (ts.isForStatement(s) && s.initializer !== undefined) {
    const init = s.initializer;
    loop.init.push(...b.collect(() => (ts.isVariableDeclarationList(init) ? declarations(b, init) : effect(b, init))));
  }
  const test = ts.isForStatement(s) ? s.condition : s.expression;
  if (test !== undefined) {
    const tested = b.collectValue(() => b.expression(test));
    loop.testing = tested.statements;
    loop.test = tested.value;
  }
  if (ts.isForStatement(s) && s.incrementor !== undefined) loop.update = b.collect(() => effect(b, s.incrementor!));
  b.loops.push({ loop, label });
  try {
    loop.body = b.collect(() => statement(b, s.statement));
  } finally {
    b.loops.pop();
  }
  b.out.push(loop);
}

/**
 * `switch (d) { case a: A; case b: B; default: C }` is the number of the clause it enters,
 * `k = d === a ? 0 : d === b ? 1 : 2` (the tests in order, the default's place where none holds,
 * one past the end where there is no default), then each clause's statements where `k` is at most
 * its place (falling through), in a loop that runs once, so that `break` leaves it: a constant
 * trip count, unrolled by the coarse lowering.
 */
function switchStatement(b: BodyScope, s: ts.SwitchStatement, label: string | undefined): void {
  const ts = b.ts;
  const discriminant = b.stableCopy(b.expression(s.expression), s.expression, 'switched');
  const clauses = s.caseBlock.clauses;
  const fallback = clauses.findIndex((c) => ts.isDefaultClause(c));
  let entry: Expr = numberAt(fallback >= 0 ? fallback : clauses.length, s.caseBlock);
  for (let k = clauses.length - 1; k >= 0; k--) {
    const clause = clauses[k]!;
    if (!ts.isCaseClause(clause)) continue;
    const tested = b.collectValue(() => b.expression(clause.expression));
    // Tested only until one holds: a case whose expression changes something would change it always.
    if (tested.statements.length > 0) unsupported(codes.unsupportedSyntax, clause.expression, "a case's expression is evaluated only until one matches; compute it before the switch.");
    const test: Expr = { kind: 'binary', op: '===', left: discriminant, right: tested.value, at: clause.expression };
    entry = { kind: 'conditional', test, whenTrue: numberAt(k, clause), whenFalse: entry, shape: shapes.int, at: clause };
  }
  const entered = b.copy(entry, s.caseBlock, 'clause');
  const loop = b.onceLoop(s.caseBlock, s);
  b.loops.push({ loop, label, isSwitch: true });
  try {
    loop.body = clauses.map((clause, k) => {
      const test: Expr = { kind: 'binary', op: '<=', left: entered, right: numberAt(k, clause), at: clause };
      return { kind: 'if', test, then: b.collect(() => statements(b, clause.statements)), else: [], at: clause } as Stmt;
    });
  } finally {
    b.loops.pop();
  }
  b.out.push(loop);
}

/** `for (const v of xs) body` is `for (let k = 0; k < xs.length; k++) { const v = xs[k]; body }`, with `xs` read once. */
function forOf(b: BodyScope, s: ts.ForOfStatement, loop: Loop, label: string | undefined): void {
  const ts = b.ts;
  if (s.awaitModifier !== undefined) unsupported(codes.unsupportedSyntax, s, "'for await' cannot be differentiated.");
  const iterated = b.expression(s.expression);
  const iteratedShape = shapeOf(iterated);
  if (iteratedShape.kind !== 'array' && iteratedShape.kind !== 'records' && iteratedShape.kind !== 'matrix') {
    unsupported(codes.unsupportedSyntax, s.expression, "in a marked function 'for...of' loops over arrays only (of numbers, of arrays of numbers, or a parameter's objects of numbers); loop over indices for anything else.");
  }
  const array = b.stableCopy(iterated, s.expression, 'iterated');
  const counter = b.front.temporary('k', shapes.int, s);
  const at = s.expression;
  loop.init.push({ kind: 'let', var: counter, init: numberAt(0, at), at });
  loop.test = { kind: 'binary', op: '<', left: read(counter, at), right: lengthOf(array, at), at };
  loop.update = [{ kind: 'assign', var: counter, value: { kind: 'binary', op: '+', left: read(counter, at), right: numberAt(1, at), at }, at }];
  const element = elementOf(array, read(counter, at), iteratedShape.kind === 'records' ? iteratedShape.element : shapes.number, s.initializer);
  b.loops.push({ loop, label });
  try {
    loop.body = b.collect(() => {
      const init = s.initializer;
      if (ts.isVariableDeclarationList(init)) {
        const d = init.declarations[0]!;
        const hoisted = (init.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
        destructure(b, d.name, ts.isIdentifier(d.name) ? element : b.stableCopy(element, d, 'item'), hoisted ? 'assign' : 'let');
      } else {
        b.assignTo(init, () => element, 'effect');
      }
      statement(b, s.statement);
    });
  } finally {
    b.loops.pop();
  }
  b.out.push(loop);
}

/** An expression statement: what it changes, in order; its value is dropped. */
export function effect(b: BodyScope, e: ts.Expression): void {
  const ts = b.ts;
  const inner = skipOuter(ts, e);
  if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.CommaToken) {
    effect(b, inner.left);
    effect(b, inner.right);
    return;
  }
  if (ts.isVoidExpression(inner)) {
    effect(b, inner.expression);
    return;
  }
  b.expression(inner, 'effect');
}

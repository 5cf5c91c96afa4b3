/**
 * find: the marked functions of a file (all three spellings of DESIGN.md §2) and the `grad(...)` /
 * `valueAndGrad(...)` call sites, resolved through the type checker so that a local function that
 * happens to be called `grad` is left alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type ts from 'typescript';

export type Marked =
  /** `/** @differentiable *\/ function f(...) {...}` */
  | { readonly spelling: 'declaration'; readonly fn: ts.FunctionDeclaration; readonly name: string }
  /** `/** @differentiable *\/ const f = (...) => ...` (or a function expression) */
  | { readonly spelling: 'const'; readonly fn: ts.ArrowFunction | ts.FunctionExpression; readonly name: string; readonly statement: ts.VariableStatement }
  /** `@differentiable method(...) {...}` in a class */
  | { readonly spelling: 'method'; readonly fn: ts.MethodDeclaration; readonly name: string; readonly isStatic: boolean }
  /** `differentiable((...) => ...)` anywhere */
  | { readonly spelling: 'wrapper'; readonly fn: ts.ArrowFunction | ts.FunctionExpression; readonly name: string; readonly call: ts.CallExpression };

/** A marking that cannot be honoured, reported as a diagnostic at `node`. */
export interface BadMark {
  readonly node: ts.Node;
  readonly message: string;
}

const runtimeDir = realpath(path.resolve(__dirname, '..', 'runtime'));

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** Is `node` (an identifier or `ns.name`) the export `exportName` of the coarsegrad runtime? */
export function isRuntimeExport(tsApi: typeof ts, checker: ts.TypeChecker, node: ts.Node, exportName: string): boolean {
  let symbol = checker.getSymbolAtLocation(tsApi.isPropertyAccessExpression(node) ? node.name : node);
  if (symbol === undefined) return false;
  if (symbol.flags & tsApi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  if (symbol.getName() !== exportName) return false;
  return (symbol.declarations ?? []).some((d) => {
    const file = d.getSourceFile().fileName;
    return file.includes('/node_modules/coarsegrad/') || realpath(path.dirname(file)) === runtimeDir;
  });
}

/**
 * Does a JSDoc comment directly before `node` carry the `@differentiable` tag? Read from the comment
 * text, not `ts.getJSDocTags`: tsc (and so tspc) skips parsing JSDoc in .ts files since TypeScript 5.3.
 */
function hasDifferentiableTag(tsApi: typeof ts, node: ts.Node): boolean {
  const text = node.getSourceFile().text;
  return (tsApi.getLeadingCommentRanges(text, node.getFullStart()) ?? []).some((range) => {
    const comment = text.slice(range.pos, range.end);
    return comment.startsWith('/**') && /(?:^|[\s*])@differentiable(?![\w-])/.test(comment.slice(3));
  });
}

export function findMarked(ts: typeof import('typescript'), checker: ts.TypeChecker, file: ts.SourceFile): { marked: Marked[]; bad: BadMark[] } {
  const marked: Marked[] = [];
  const bad: BadMark[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) && node.body !== undefined && hasDifferentiableTag(ts, node)) {
      if (node.name === undefined) bad.push({ node, message: 'a marked function declaration needs a name, so that its gradient companion can be registered; name it.' });
      else marked.push({ spelling: 'declaration', fn: node, name: node.name.text });
    } else if (ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) {
        const init = d.initializer;
        if (init === undefined || !(ts.isArrowFunction(init) || ts.isFunctionExpression(init))) continue;
        if (!hasDifferentiableTag(ts, node) && !hasDifferentiableTag(ts, d) && !hasDifferentiableTag(ts, init)) continue;
        if (!ts.isIdentifier(d.name) || !(ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const)) {
          bad.push({ node: d, message: 'a function marked with the JSDoc tag must be bound to a `const` name; declare it with `const`.' });
        } else {
          marked.push({ spelling: 'const', fn: init, name: d.name.text, statement: node });
        }
      }
    } else if (ts.isMethodDeclaration(node) && node.body !== undefined && isMarkedMethod(ts, checker, node)) {
      if (!ts.isClassLike(node.parent)) {
        bad.push({ node, message: 'only class methods can be marked; for an object literal, wrap the function with differentiable(...).' });
      } else if (!ts.isIdentifier(node.name)) {
        bad.push({ node: node.name, message: 'a marked method needs a plain name (not computed or #private), so that its companion can be registered; rename it.' });
      } else {
        const isStatic = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
        marked.push({ spelling: 'method', fn: node, name: node.name.text, isStatic });
      }
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && isRuntimeExport(ts, checker, node.expression, 'differentiable')) {
      const arg = node.arguments[0]!;
      if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) {
        const holder = node.parent;
        const name = ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name) ? holder.name.text : arg.name?.text ?? 'anonymous';
        marked.push({ spelling: 'wrapper', fn: arg, name, call: node });
      } else {
        bad.push({ node: arg, message: 'differentiable(...) must wrap the function literal itself, so that the plugin can see its body; write differentiable((x: number) => ...).' });
      }
    }
    // Functions nested in a marked function are its callees, not separately compiled.
    if (ts.isFunctionLike(node) && marked.some((m) => m.fn === node)) return;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { marked, bad };
}

function isMarkedMethod(ts: typeof import('typescript'), checker: ts.TypeChecker, node: ts.MethodDeclaration): boolean {
  if (hasDifferentiableTag(ts, node)) return true;
  return (ts.getDecorators(node) ?? []).some((d) => isRuntimeExport(ts, checker, d.expression, 'differentiable'));
}

/** The marked function a `grad(f)` argument names, when it is one of this file's. */
/**
 * `{ wrt: [1, 0] }` written out with numbers: the positions a call site names. Anything else (a
 * variable, more options) is left to the runtime, which checks it; the caller checks the range.
 */
export function literalPositions(tsApi: typeof ts, options: ts.Expression): number[] | undefined {
  if (!tsApi.isObjectLiteralExpression(options) || options.properties.length !== 1) return undefined;
  const property = options.properties[0]!;
  if (!tsApi.isPropertyAssignment(property) || property.name.getText() !== 'wrt' || !tsApi.isArrayLiteralExpression(property.initializer)) return undefined;
  const positions = property.initializer.elements.map((e) => (tsApi.isNumericLiteral(e) ? Number(e.text) : NaN));
  return positions.every((i) => Number.isInteger(i) && i >= 0) ? positions : undefined;
}

/** The function an identifier names, through an import: a declaration's, or a const's initializer. */
export function namedFunction(tsApi: typeof ts, checker: ts.TypeChecker, arg: ts.Expression): ts.Node | undefined {
  if (!tsApi.isIdentifier(arg)) return undefined;
  let symbol = checker.getSymbolAtLocation(arg);
  if (symbol !== undefined && symbol.flags & tsApi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const decl = symbol?.valueDeclaration;
  if (decl === undefined) return undefined;
  return tsApi.isVariableDeclaration(decl) ? decl.initializer : decl;
}

export function markedTarget(tsApi: typeof ts, checker: ts.TypeChecker, arg: ts.Expression, marked: readonly Marked[]): Marked | undefined {
  if (!tsApi.isIdentifier(arg)) return undefined;
  const decl = checker.getSymbolAtLocation(arg)?.valueDeclaration;
  if (decl === undefined) return undefined;
  return marked.find(
    (m) => (m.spelling === 'declaration' && m.fn === decl) || (m.spelling === 'const' && tsApi.isVariableDeclaration(decl) && decl.initializer === m.fn),
  );
}

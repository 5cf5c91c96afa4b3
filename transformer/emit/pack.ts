/**
 * Companions over the source's parameters (DESIGN.md §2). Both modes differentiate the core's
 * parameters, the leaves of object parameters and of arrays of objects among them
 * (`parameters.ts`); this gives the companion the parameters as the source declares them, reads the
 * leaves out of them first (an array of objects field by field into `Float64Array`s), and returns
 * each one's gradient in the same shape. Without such parameters the companion is left as it is.
 */
import type ts from 'typescript';
import { leavesOf, type ParameterTree, type SourceParameter } from '../front/core.js';
import type { CompanionBody } from './emit.js';
import { Namer } from './names.js';
import { member } from './syntax.js';

/** The leaf positions of the source parameters at `positions`, in order. */
export function leafPositions(signature: readonly SourceParameter[], positions: readonly number[]): number[] {
  return positions.flatMap((i) => leavesOf(signature[i]!.tree));
}

/** No object parameters, no optional number (whose gradient is `undefined` where it is left out), no rest parameter. */
export function isFlat(signature: readonly SourceParameter[]): boolean {
  return signature.every((p) => p.tree.kind === 'leaf' && !p.tree.optional && p.tree.rest !== true);
}

/** The source parameter holding the leaf at `leaf`. */
export function sourcePosition(signature: readonly SourceParameter[], leaf: number): number {
  return signature.findIndex((p) => leavesOf(p.tree).includes(leaf));
}


/**
 * `inner` takes the leaves and returns the gradients of the leaves at `leafPositions(positions)`:
 * the same companion over the source parameters, returning those of `positions`.
 */
export function packCompanion(
  tsApi: typeof ts,
  f: ts.NodeFactory,
  signature: readonly SourceParameter[],
  inner: CompanionBody,
  positions: readonly number[],
  withValue: boolean,
  /** How far apart to lay out the rows of each array of arrays, by its flat leaf, where more than a row's length. */
  rowReach: ReadonlyMap<number, number>,
): CompanionBody {
  if (isFlat(signature)) return inner;
  const leafNames = inner.parameters.map((p) => (p.name as ts.Identifier).text);
  // The leaves' names are declared here too, used or not.
  const namer = new Namer([...identifiersOf(tsApi, inner.body), ...leafNames]);
  const prologue: ts.Statement[] = [];
  /** Each source parameter as the companion reads it: a parameter's name, or `this` for a method's receiver. */
  const sources: (() => ts.Expression)[] = [];
  const parameters = signature.map((p) => {
    if (p.tree.kind === 'leaf') {
      const leaf = leafNames[p.tree.index]!;
      sources.push(() => f.createIdentifier(leaf));
      const declared = inner.parameters[p.tree.index]!;
      // The arguments from here on, as the array the companion differentiates.
      return p.tree.rest === true ? f.updateParameterDeclaration(declared, declared.modifiers, f.createToken(tsApi.SyntaxKind.DotDotDotToken), declared.name, undefined, undefined, undefined) : declared;
    }
    const name = p.receiver === true ? undefined : namer.fresh(p.name);
    const source = () => (name === undefined ? f.createThis() : f.createIdentifier(name));
    sources.push(source);
    const declare = (leaf: number, value: ts.Expression) =>
      prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(leafNames[leaf]!, undefined, undefined, value)], tsApi.NodeFlags.Const)));
    /** `chained`: under an optional object, where each access continues its `?.` chain. */
    /** `path`: the field's name in messages (`this.table`, `opts.rows`). */
    const read = (tree: ParameterTree, object: ts.Expression, chained = false, path = p.name): void => {
      if (tree.kind === 'leaf') return void declare(tree.index, object);
      // The caller's object or array itself, for a function that changes it in place.
      if (tree.self !== undefined) declare(tree.self, object);
      if (tree.kind === 'matrix') {
        const names = { flat: leafNames[tree.flat]!, rows: leafNames[tree.rows]!, cols: leafNames[tree.cols]!, stride: leafNames[tree.stride]! };
        return void prologue.push(...flattenRows(tsApi, f, namer, object, path, names, rowReach.get(tree.flat) ?? 0));
      }
      if (tree.kind === 'records') {
        // One Float64Array per field of the elements: `Float64Array.from(pts, (e) => e.x)`.
        const element = f.createIdentifier(namer.fresh('element'));
        const column = (t: ParameterTree, inElement: ts.Expression): void => {
          const pick = () => f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, element)], undefined, f.createToken(tsApi.SyntaxKind.EqualsGreaterThanToken), inElement);
          if (t.kind === 'leaf') {
            declare(t.index, f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Float64Array'), 'from'), undefined, [object, pick()]));
          } else if (t.kind === 'matrix') {
            // Each element's array, a row: `Array.from(data, (e) => e.x)` flattened.
            const rows = namer.fresh(`${leafNames[t.flat]!.replace(/_flat$/, '')}_rows_given`);
            prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(rows, undefined, undefined, f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [object, pick()]))], tsApi.NodeFlags.Const)));
            const names = { flat: leafNames[t.flat]!, rows: leafNames[t.rows]!, cols: leafNames[t.cols]!, stride: leafNames[t.stride]! };
            prologue.push(...flattenRows(tsApi, f, namer, f.createIdentifier(rows), path, names, rowReach.get(t.flat) ?? 0));
          } else if (t.kind === 'object') {
            for (const [field, sub] of t.fields) column(sub, member(f, inElement, field));
          }
        };
        column(tree.element, element);
        return;
      }
      // An optional object's fields are read through `?.` (`opts.base?.pos.x`): `undefined` where it is not given.
      const optional = tree.optional === true;
      for (const [field, t] of tree.fields) {
        const access = optional || chained ? f.createPropertyAccessChain(object, optional ? f.createToken(tsApi.SyntaxKind.QuestionDotToken) : undefined, field) : member(f, object, field);
        read(t, access, optional || chained, `${path}.${field}`);
      }
    };
    read(p.tree, source());
    return name === undefined ? undefined : f.createParameterDeclaration(undefined, undefined, name, undefined, undefined, p.default);
  });
  const gradients = (leafGradients: readonly ts.Expression[]): ts.Expression => {
    let next = 0;
    const build = (tree: ParameterTree, source: ts.Expression): ts.Expression => {
      // The caller's object or array itself carries no gradient of its own: its numbers do.
      if (tree.kind !== 'leaf' && tree.self !== undefined) next++;
      if (tree.kind === 'object') {
        const gradient = f.createObjectLiteralExpression(tree.fields.map(([field, t]) => f.createPropertyAssignment(field, build(t, member(f, source, field)))), false);
        if (tree.optional !== true) return gradient;
        const missing = f.createEquality(source, f.createNull());
        return f.createConditionalExpression(missing, f.createToken(tsApi.SyntaxKind.QuestionToken), f.createIdentifier('undefined'), f.createToken(tsApi.SyntaxKind.ColonToken), gradient);
      }
      if (tree.kind === 'matrix') {
        const g = leafGradients[next]!;
        next += 4;
        return tsApi.isIdentifier(g) && g.text === 'undefined' ? g : rowsOf(tsApi, f, namer, g, leafNames[tree.rows]!, leafNames[tree.cols]!, leafNames[tree.stride]!);
      }
      if (tree.kind === 'records') {
        // `Array.from(pts, (_, k) => ({ x: dpts_x[k], y: dpts_y[k] }))`: an element's gradient per element.
        const k = f.createIdentifier(namer.fresh('k'));
        const at = (t: ParameterTree): ts.Expression => {
          // A tuple's gradient is a Float64Array, as an array of numbers' is.
          if (t.kind === 'object' && t.tuple === true) return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Float64Array'), 'of'), undefined, t.fields.map(([, sub]) => at(sub)));
          if (t.kind === 'object') return f.createObjectLiteralExpression(t.fields.map(([field, sub]) => f.createPropertyAssignment(field, at(sub))), false);
          if (t.kind === 'matrix') {
            // The element's row of the field's flat gradient.
            const g = leafGradients[next]!;
            next += 4;
            if (tsApi.isIdentifier(g) && g.text === 'undefined') return g;
            const start = f.createMultiply(k, f.createIdentifier(leafNames[t.stride]!));
            return f.createCallExpression(f.createPropertyAccessExpression(g, 'subarray'), undefined, [start, f.createAdd(start, f.createIdentifier(leafNames[t.cols]!))]);
          }
          const g = leafGradients[next++]!;
          return tsApi.isIdentifier(g) && g.text === 'undefined' ? g : f.createElementAccessExpression(g, k);
        };
        const element = f.createParenthesizedExpression(at(tree.element));
        const each = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, '_'), f.createParameterDeclaration(undefined, undefined, k)], undefined, f.createToken(tsApi.SyntaxKind.EqualsGreaterThanToken), element);
        return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [source, each]);
      }
      const g = leafGradients[next++]!;
      // One entry per argument of a rest parameter (`undefined` each where it has no derivative).
      if (tree.rest === true) return f.createSpreadElement(tsApi.isIdentifier(g) && g.text === 'undefined' ? f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [source, f.createArrowFunction(undefined, undefined, [], undefined, f.createToken(tsApi.SyntaxKind.EqualsGreaterThanToken), g)]) : g);
      // A field left out has no gradient entry either.
      if (!tree.optional) return g;
      const missing = f.createStrictEquality(f.createIdentifier(leafNames[tree.index]!), f.createIdentifier('undefined'));
      return f.createConditionalExpression(missing, f.createToken(tsApi.SyntaxKind.QuestionToken), f.createIdentifier('undefined'), f.createToken(tsApi.SyntaxKind.ColonToken), g);
    };
    return f.createArrayLiteralExpression(positions.map((i) => build(signature[i]!.tree, sources[i]!())));
  };
  const leafCount = leafPositions(signature, positions).length;
  /** The packed result of a companion result `e`: taken apart where it is written out, else read by index. */
  const packed = (e: ts.Expression): ts.Expression | ts.Statement[] => {
    const tuple = withValue && tsApi.isArrayLiteralExpression(e) ? e.elements[1]! : e;
    if (tsApi.isArrayLiteralExpression(tuple) && (!withValue || tsApi.isArrayLiteralExpression(e))) {
      const g = gradients(tuple.elements);
      return withValue ? f.createArrayLiteralExpression([(e as ts.ArrayLiteralExpression).elements[0]!, g]) : g;
    }
    const result = f.createIdentifier(namer.fresh('leafResult'));
    const leaves = f.createIdentifier(namer.fresh('leafGradients'));
    const at = (object: ts.Expression, k: number) => f.createElementAccessExpression(object, k);
    const declarations = [f.createVariableDeclaration(result, undefined, undefined, e)];
    if (withValue) declarations.push(f.createVariableDeclaration(leaves, undefined, undefined, at(result, 1)));
    const tupleOf = withValue ? leaves : result;
    const g = gradients(Array.from({ length: leafCount }, (_, k) => at(tupleOf, k)));
    return [
      f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, tsApi.NodeFlags.Const)),
      f.createReturnStatement(withValue ? f.createArrayLiteralExpression([at(result, 0), g]) : g),
    ];
  };
  // The companion's own returns; a function inside it (the careful run) returns to it, and
  // expressions hold no statements outside functions.
  const visit = (node: ts.Statement): ts.Statement => {
    if (tsApi.isReturnStatement(node) && node.expression !== undefined) {
      const p = packed(node.expression);
      return Array.isArray(p) ? f.createBlock(p, true) : f.updateReturnStatement(node, p as ts.Expression);
    }
    if (tsApi.isBlock(node)) return f.updateBlock(node, node.statements.map(visit));
    if (tsApi.isIfStatement(node)) return f.updateIfStatement(node, node.expression, visit(node.thenStatement), node.elseStatement && visit(node.elseStatement));
    if (tsApi.isLabeledStatement(node)) return f.updateLabeledStatement(node, node.label, visit(node.statement));
    if (tsApi.isForStatement(node)) return f.updateForStatement(node, node.initializer, node.condition, node.incrementor, visit(node.statement));
    if (tsApi.isForOfStatement(node)) return f.updateForOfStatement(node, node.awaitModifier, node.initializer, node.expression, visit(node.statement));
    if (tsApi.isWhileStatement(node)) return f.updateWhileStatement(node, node.expression, visit(node.statement));
    if (tsApi.isDoStatement(node)) return f.updateDoStatement(node, visit(node.statement), node.expression);
    return node;
  };
  const statements = inner.body.statements.map(visit);
  return { ...inner, parameters: parameters.filter((p): p is ts.ParameterDeclaration => p !== undefined), body: f.updateBlock(inner.body, [...prologue, ...statements]) };
}

/** Every identifier the companion spells, so that the object parameters' names take none of them. */
function identifiersOf(tsApi: typeof ts, node: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (tsApi.isIdentifier(n)) names.add(n.text);
    tsApi.forEachChild(n, visit);
  };
  visit(node);
  return names;
}

/**
 * The companion's first statements for an array of arrays `rows`: its row count and row length,
 * the spacing of its rows (at least `reach`, the cells past a row's end NaN, so that a constant
 * index past a short row reads NaN as the source reads `undefined`), and its numbers row after row
 * into `flat`. Rows of different lengths are a clear error: the gradient code reads row i from
 * i * stride.
 */
function flattenRows(
  tsApi: typeof ts,
  f: ts.NodeFactory,
  namer: Namer,
  rows: ts.Expression,
  name: string,
  names: { readonly flat: string; readonly rows: string; readonly cols: string; readonly stride: string },
  reach: number,
): ts.Statement[] {
  const id = (text: string) => f.createIdentifier(text);
  const constant = (n: string, value: ts.Expression) => f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(n, undefined, undefined, value)], tsApi.NodeFlags.Const));
  const k = namer.fresh('k');
  const row = namer.fresh('row');
  const first = f.createPropertyAccessExpression(f.createElementAccessExpression(rows, 0), 'length');
  const mismatch = f.createStrictInequality(f.createPropertyAccessExpression(id(row), 'length'), id(names.cols));
  const message = f.createTemplateExpression(f.createTemplateHead(`coarsegrad: the rows of '${name}' have different lengths (row `), [
    f.createTemplateSpan(id(k), f.createTemplateMiddle(' has ')),
    f.createTemplateSpan(f.createPropertyAccessExpression(id(row), 'length'), f.createTemplateMiddle(' numbers, row 0 has ')),
    f.createTemplateSpan(id(names.cols), f.createTemplateTail('); its gradient is taken for rows of one length: pad the rows, or pass them as separate parameters.')),
  ]);
  const body = f.createBlock(
    [
      constant(row, f.createElementAccessExpression(rows, id(k))),
      f.createIfStatement(mismatch, f.createThrowStatement(f.createNewExpression(id('RangeError'), undefined, [message]))),
      f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(id(names.flat), 'set'), undefined, [id(row), f.createMultiply(id(k), id(names.stride))])),
    ],
    true,
  );
  const stride = reach > 0 ? f.createCallExpression(f.createPropertyAccessExpression(id('Math'), 'max'), undefined, [id(names.cols), f.createNumericLiteral(reach)]) : id(names.cols);
  const flat = f.createNewExpression(id('Float64Array'), undefined, [f.createMultiply(id(names.rows), id(names.stride))]);
  return [
    constant(names.rows, f.createPropertyAccessExpression(rows, 'length')),
    constant(names.cols, f.createConditionalExpression(f.createStrictEquality(id(names.rows), f.createNumericLiteral(0)), f.createToken(tsApi.SyntaxKind.QuestionToken), f.createNumericLiteral(0), f.createToken(tsApi.SyntaxKind.ColonToken), first)),
    constant(names.stride, stride),
    constant(names.flat, flat),
    // The padding between rows reads as NaN.
    ...(reach > 0 ? [f.createIfStatement(f.createStrictInequality(id(names.stride), id(names.cols)), f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(id(names.flat), 'fill'), undefined, [id('NaN')])))] : []),
    f.createForStatement(
      f.createVariableDeclarationList([f.createVariableDeclaration(k, undefined, undefined, f.createNumericLiteral(0))], tsApi.NodeFlags.Let),
      f.createLessThan(id(k), id(names.rows)),
      f.createPostfixIncrement(id(k)),
      body,
    ),
  ];
}

/** The gradient of an array of arrays from that of its flat numbers: one row view per row. */
function rowsOf(tsApi: typeof ts, f: ts.NodeFactory, namer: Namer, flat: ts.Expression, count: string, length: string, stride: string): ts.Expression {
  const k = f.createIdentifier(namer.fresh('k'));
  const start = f.createMultiply(k, f.createIdentifier(stride));
  const row = f.createCallExpression(f.createPropertyAccessExpression(flat, 'subarray'), undefined, [start, f.createAdd(start, f.createIdentifier(length))]);
  const each = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, '_'), f.createParameterDeclaration(undefined, undefined, k)], undefined, f.createToken(tsApi.SyntaxKind.EqualsGreaterThanToken), row);
  const sized = f.createObjectLiteralExpression([f.createPropertyAssignment('length', f.createIdentifier(count))], false);
  return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [sized, each]);
}

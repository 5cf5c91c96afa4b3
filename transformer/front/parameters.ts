/**
 * The marked function's parameters, as the front end gives them to both modes (DESIGN.md §2). A
 * parameter holding an object of numbers (`p: { x: number; y: number }`, `body.position.x`, an
 * options object `opts: Opts = {}`, a model `{ w: Float64Array; b: number }`) is taken apart into
 * its leaves: each number, array of numbers or other value in it is a core parameter of its own,
 * and the body starts by building the object again from them, as a read-only object (the caller's;
 * writing to it is refused in both modes). The signature records the tree, so that the companion
 * takes the object as the source does and returns a gradient of the same shape (`pack.ts`).
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { leavesOf, shapes, type ArrayStorage, type CoreParameter, type Expr, type ParameterTree, type RecordShape, type Shape, type SourceParameter, type Var } from './core.js';
import { shapeOfType, withoutDataBrand } from './shapes.js';
import { checkedParameter, holdsNumbers, isNumberLiteral, refuseNumbersInside } from './source.js';

/** What the front end needs to make parameters. */
export interface ParameterScope {
  readonly ts: typeof ts;
  readonly checker: ts.TypeChecker;
  variable(name: ts.Identifier, at: ts.Node): Var;
  leaf(name: string, shape: Shape, at: ts.Node): Var;
}

/** The marked function's parameters: the core's (leaves), the source's, and what the body sees. */
export interface MarkedParameters {
  readonly core: CoreParameter[];
  readonly signature: SourceParameter[];
  /** One per source parameter: the variable the body reads, and the object it is built from its leaves. */
  readonly body: { readonly param: CoreParameter; readonly object: Expr | undefined }[];
  /** The variable a method's `this` is, where it is taken as a parameter (see `markedParameters`). */
  readonly receiver: Var | undefined;
}

/** Deep enough for any real parameter, and an end for recursive types. */
const maxDepth = 6;

/**
 * `receiver`: a method's `this`, of that type, taken as one more object parameter after the others
 * (the source parameter `this`), so that its numbers can be differentiated: what
 * `grad(m.loss, { wrt: ['this'] })` asks (a model's weights).
 */
export function markedParameters(scope: ParameterScope, decl: { readonly parameters: ts.NodeArray<ts.ParameterDeclaration> }, receiver?: { readonly type: ts.Type; readonly at: ts.Node }): MarkedParameters {
  const ts = scope.ts;
  const core: CoreParameter[] = [];
  const signature: SourceParameter[] = [];
  const body: MarkedParameters['body'][number][] = [];
  const dataParameters = new Set<number>();
  for (const [index, p] of decl.parameters.entries()) {
    const objectDefault = p.initializer !== undefined && ts.isObjectLiteralExpression(p.initializer);
    const { name, type: declared } = checkedParameter(ts, scope.checker, p, objectDefault, index);
    // `Data<T>`: a `T` whose leaves are marked as data once its tree is made (below).
    const type = withoutDataBrand(declared) ?? declared;
    if (type !== declared) dataParameters.add(signature.length);
    const shape = shapeOfType(ts, scope.checker, type);
    if (p.dotDotDotToken !== undefined) {
      if (shape.kind !== 'array' || shape.storage !== 'array') unsupported(codes.unsupportedParameter, p, "a marked function's rest parameter is differentiated when it takes numbers (...xs: number[]); take arrays or objects as one array parameter instead.");
      const param: CoreParameter = { var: scope.variable(p.name as ts.Identifier, p), companionDefault: undefined };
      signature.push({ name, default: undefined, tree: { kind: 'leaf', index: core.length, optional: false, rest: true } });
      core.push(param);
      body.push({ param, object: undefined });
      continue;
    }
    // A destructured parameter (`{ x, y }: Vec`, `[a, b]: [number, number]`) is one of its own, taken
    // apart by the body's first statements.
    const variable = () => (ts.isIdentifier(p.name) ? scope.variable(p.name, p) : scope.leaf(name, shape, p));
    if (shape.kind === 'records' || shape.kind === 'matrix') {
      const what = shape.kind === 'records' ? 'an array of objects' : 'an array of arrays';
      if (p.initializer !== undefined) unsupported(codes.unsupportedParameter, p.initializer, `${what} cannot have a default here; pass it explicitly.`);
      const { tree, object } = shape.kind === 'records' ? recordsOf(scope, shape.element, name, [], core, p, true) : matrixOf(scope, shape.row, name, [], core, p, true);
      signature.push({ name, default: undefined, tree });
      body.push({ param: { var: variable(), companionDefault: undefined }, object });
      continue;
    }
    if (shape.kind !== 'record' || !holdsNumbers(ts, scope.checker, type)) {
      if (shape.kind === 'other' || shape.kind === 'record') refuseNumbersInside(ts, scope.checker, p, name, type);
      if (objectDefault) unsupported(codes.unsupportedParameter, p.initializer!, 'an object default fits only a parameter of an object type.');
      const param: CoreParameter = { var: variable(), companionDefault: p.initializer };
      // `k?: number` with no default: `undefined` where the call leaves it out, and so is its gradient.
      const optional = shape.kind === 'number' && shape.optional && p.initializer === undefined;
      signature.push({ name, default: p.initializer, tree: { kind: 'leaf', index: core.length, optional } });
      core.push(param);
      body.push({ param, object: undefined });
      continue;
    }
    if (p.initializer !== undefined) constantObject(ts, p.initializer);
    const { tree, object } = objectParameter(scope, name, type, p, core);
    signature.push({ name, default: p.initializer, tree });
    body.push({ param: { var: variable(), companionDefault: p.initializer }, object });
  }
  for (const k of dataParameters) markData(core, signature[k]!.tree);
  if (receiver === undefined) return { core, signature, body, receiver: undefined };
  const { tree, object } = objectParameter(scope, 'this', receiver.type, receiver.at, core);
  const self = scope.leaf('self', shapes.record, receiver.at);
  signature.push({ name: 'this', default: undefined, tree, receiver: true });
  body.push({ param: { var: self, companionDefault: undefined }, object });
  return { core, signature, body, receiver: self };
}

/**
 * An array of records (`pts: { x: number; y: number }[]`): one array parameter per field of its
 * elements (`pts_x`, `pts_y`, read out by the companion), and the body's `records` of them. A
 * field holding an array (`data: { x: number[]; y: number }[]`) is an array of arrays of its own,
 * one row per element (`matrixOf`).
 */
function recordsOf(scope: ParameterScope, element: RecordShape, name: string, path: readonly string[], core: CoreParameter[], at: ts.Node, withSelf: boolean): { tree: ParameterTree; object: Expr } {
  const readonlyAs = `the parameter '${[name, ...path].join('.')}'`;
  const self = withSelf ? callersArray(scope, [name, ...path].join('_'), core, at) : undefined;
  const build = (rec: RecordShape, sub: readonly string[]): { tree: ParameterTree & { kind: 'object' }; fields: [string, Expr][] } => {
    const treeFields: [string, ParameterTree][] = [];
    const fields: [string, Expr][] = [];
    for (const [field, shape] of rec.fields) {
      if (shape.kind === 'record') {
        const inner = build(shape as RecordShape, [...sub, field]);
        treeFields.push([field, inner.tree]);
        fields.push([field, { kind: 'records', fields: inner.fields, element: shape as RecordShape, readonlyAs, at }]);
        continue;
      }
      if (shape.kind === 'array') {
        // The elements' arrays: the rows of one array of arrays.
        const inner = matrixOf(scope, shape.storage, name, [...path, ...sub, field], core, at, false);
        treeFields.push([field, inner.tree]);
        fields.push([field, inner.object]);
        continue;
      }
      const leaf = scope.leaf(`${[name, ...path, ...sub, field].join('_')}`, shapes.array('float64'), at);
      treeFields.push([field, { kind: 'leaf', index: core.length, optional: false }]);
      fields.push([field, { kind: 'var', var: leaf, at }]);
      core.push({ var: leaf, companionDefault: undefined });
    }
    return { tree: { kind: 'object', fields: treeFields, ...(rec.tuple === true ? { tuple: true } : {}) }, fields };
  };
  const { tree, fields } = build(element, []);
  return {
    tree: { kind: 'records', element: tree, ...(self === undefined ? {} : { self: self.index }) },
    object: { kind: 'records', fields, element, readonlyAs, at, ...(self === undefined ? {} : { original: self.read }) },
  };
}

/**
 * An array of arrays of numbers (`pts: number[][]`): one flat array parameter of its numbers, row
 * after row, its row count and row length, and the spacing of its rows (`pts_flat`, `pts_rows`,
 * `pts_cols`, `pts_stride`, read out by the companion), and the body's `matrix` of them (`rows.ts`).
 */
function matrixOf(scope: ParameterScope, row: ArrayStorage, name: string, path: readonly string[], core: CoreParameter[], at: ts.Node, withSelf: boolean): { tree: ParameterTree; object: Expr } {
  const base = [name, ...path].join('_');
  const self = withSelf ? callersArray(scope, base, core, at) : undefined;
  const leaf = (part: string, shape: Shape): [number, Expr] => {
    const v = scope.leaf(`${base}_${part}`, shape, at);
    core.push({ var: v, companionDefault: undefined });
    return [core.length - 1, { kind: 'var', var: v, at }];
  };
  const [flat, flatVar] = leaf('flat', shapes.array('float64'));
  const [rows, rowsVar] = leaf('rows', shapes.int);
  const [cols, colsVar] = leaf('cols', shapes.int);
  const [stride, strideVar] = leaf('stride', shapes.int);
  const readonlyAs = `the parameter '${[name, ...path].join('.')}'`;
  return {
    tree: { kind: 'matrix', flat, rows, cols, stride, ...(self === undefined ? {} : { self: self.index }) },
    object: { kind: 'matrix', flat: flatVar, rows: rowsVar, cols: colsVar, stride: strideVar, row, readonlyAs, at, ...(self === undefined ? {} : { original: self.read }) },
  };
}

/** A leaf holding the caller's array itself, for the writes of a function that changes it in place. */
function callersArray(scope: ParameterScope, base: string, core: CoreParameter[], at: ts.Node): { readonly index: number; readonly read: Expr } {
  const v = scope.leaf(`${base}_array`, { kind: 'other', text: 'the caller\'s array' }, at);
  core.push({ var: v, companionDefault: undefined });
  return { index: core.length - 1, read: { kind: 'var', var: v, at } };
}

/** Does the tree hold an array among its leaves (which the companion could not read where the object is absent)? */
function holdsArrays(tree: ParameterTree, core: readonly CoreParameter[]): boolean {
  if (tree.kind === 'leaf') return core[tree.index]!.var.shape.kind === 'array';
  if (tree.kind === 'object') return tree.fields.some(([, t]) => holdsArrays(t, core));
  return true;
}

/** An object default is repeated by the companion, so it must mean the same there: literals only. */
function constantObject(ts: typeof import('typescript'), e: ts.Expression): void {
  if (!ts.isObjectLiteralExpression(e)) unsupported(codes.unsupportedParameter, e, 'the default of an object parameter must be an object literal ({} or { k: 1 }); pass the value explicitly instead.');
  for (const property of e.properties) {
    const value = ts.isPropertyAssignment(property) ? property.initializer : undefined;
    const constant =
      value !== undefined &&
      (isNumberLiteral(ts, value) || ts.isStringLiteral(value) || value.kind === ts.SyntaxKind.TrueKeyword || value.kind === ts.SyntaxKind.FalseKeyword || ts.isObjectLiteralExpression(value));
    if (!constant) unsupported(codes.unsupportedParameter, property, 'the default of an object parameter may hold only literals (numbers, strings, booleans, objects of them); pass other values explicitly.');
    if (ts.isObjectLiteralExpression(value!)) constantObject(ts, value!);
  }
}

/**
 * An object parameter taken into leaves: the caller's object itself (a leaf of its own, for the
 * writes of a function that changes it in place), then each number, array or other value in it,
 * and the body's object rebuilt from them. `node` is where messages point.
 */
function objectParameter(scope: ParameterScope, name: string, type: ts.Type, node: ts.Node, core: CoreParameter[]): { tree: ParameterTree; object: Expr } {
  const ts = scope.ts;
  // The caller's object itself, for the writes of a function that changes it in place.
  const self = scope.leaf(`${name}_object`, shapes.record, node);
  const selfIndex = core.length;
  core.push({ var: self, companionDefault: undefined });
  const fields = (t: ts.Type, path: readonly string[], depth: number, original: Expr): { tree: ParameterTree; object: Expr } => {
    const treeFields: [string, ParameterTree][] = [];
    const objectFields: [string, Expr][] = [];
    /** Fields typed `Data<...>`: their leaves are not differentiated. */
    const dataFields = new Set<string>();
    for (const prop of scope.checker.getPropertiesOfType(t)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      // Methods and getters are the type's code, not its data: called on the object rebuilt here.
      if (decl === undefined || ts.isMethodDeclaration(decl) || ts.isMethodSignature(decl) || ts.isGetAccessor(decl) || ts.isSetAccessor(decl)) continue;
      const at = [...path, prop.name];
      const declaredType = scope.checker.getTypeOfSymbolAtLocation(prop, node);
      const fieldType = withoutDataBrand(declaredType) ?? declaredType;
      if (fieldType !== declaredType) dataFields.add(prop.name);
      const fieldShape = shapeOfType(ts, scope.checker, fieldType);
      const described = `the field '${at.join('.')}' of parameter '${name}' has type '${scope.checker.typeToString(fieldType)}'`;
      // `base?: { x: number }`: the object where the caller gives one, else `undefined`.
      const defined = fieldType.getNonNullableType();
      if (fieldType.isUnion() && defined !== fieldType && !defined.isUnion() && shapeOfType(ts, scope.checker, defined).kind === 'record' && holdsNumbers(ts, scope.checker, defined)) {
        if (depth >= maxDepth) unsupported(codes.unsupportedParameter, node, `${described}, nested deeper than ${maxDepth} objects; pass the inner object as a parameter of its own.`);
        const given: Expr = { kind: 'field', object: original, name: prop.name, shape: shapes.record, at: node };
        const inner = fields(defined, at, depth + 1, given);
        if (holdsArrays(inner.tree, core)) unsupported(codes.unsupportedParameter, node, `${described}; an optional object holding arrays is not differentiated yet: make it required, or keep its arrays in a required field.`);
        treeFields.push([prop.name, { ...(inner.tree as ParameterTree & { kind: 'object' }), optional: true }]);
        objectFields.push([prop.name, { kind: 'conditional', test: { kind: 'isUndefined', operand: given, orNull: true, at: node }, whenTrue: { kind: 'undefined', at: node }, whenFalse: inner.object, shape: { kind: 'record' }, at: node }]);
        continue;
      }
      if (fieldShape.kind === 'record' && holdsNumbers(ts, scope.checker, fieldType)) {
        if (depth >= maxDepth) unsupported(codes.unsupportedParameter, node, `${described}, nested deeper than ${maxDepth} objects; pass the inner object as a parameter of its own.`);
        const inner = fields(fieldType, at, depth + 1, { kind: 'field', object: original, name: prop.name, shape: shapes.record, at: node });
        treeFields.push([prop.name, inner.tree]);
        objectFields.push([prop.name, inner.object]);
        continue;
      }
      if (fieldShape.kind === 'records' || fieldShape.kind === 'matrix') {
        const inner = fieldShape.kind === 'records' ? recordsOf(scope, fieldShape.element, name, at, core, node, true) : matrixOf(scope, fieldShape.row, name, at, core, node, true);
        treeFields.push([prop.name, inner.tree]);
        objectFields.push([prop.name, inner.object]);
        continue;
      }
      if (fieldShape.kind === 'other' && holdsNumbers(ts, scope.checker, fieldType)) {
        unsupported(
          codes.unsupportedParameter,
          node,
          fieldType.isUnion()
            ? defined !== fieldType && !defined.isUnion()
              ? `${described}; an optional array is not differentiated yet: make the field required, and give an empty array where there is none.`
              : `${described}; a union of several types holding numbers (Vec | number) is not differentiated yet: give the field one type (it may be optional, base?: Vec).`
            : `${described}; arrays nested deeper than rows of numbers (number[][][]) and arrays of objects holding arrays of arrays, objects of arrays, strings or optional fields are not differentiated yet: pass the numbers as a flat 'number[]' or 'Float64Array', as rows (number[][]), or as an array of objects of numbers and arrays of numbers.`,
        );
      }
      const leaf = scope.leaf(`${name}_${at.join('_')}`, fieldShape, node);
      treeFields.push([prop.name, { kind: 'leaf', index: core.length, optional: fieldShape.kind === 'number' && fieldShape.optional }]);
      objectFields.push([prop.name, { kind: 'var', var: leaf, at: node }]);
      core.push({ var: leaf, companionDefault: undefined });
    }
    for (const [field, sub] of treeFields) if (dataFields.has(field)) markData(core, sub);
    const tree: ParameterTree = { kind: 'object', fields: treeFields, ...(depth === 0 ? { self: selfIndex } : {}) };
    return { tree, object: { kind: 'objectLiteral', fields: objectFields, readonlyAs: `the parameter object '${name}'`, original, at: node } };
  };
  // `opts?: Options`: the object where the caller gives one, else `undefined`.
  const objectType = type.getNonNullableType();
  const selfRead: Expr = { kind: 'var', var: self, at: node };
  const made = fields(objectType, [], 0, selfRead);
  const optional = objectType !== type;
  if (optional && holdsArrays(made.tree, core)) unsupported(codes.unsupportedParameter, node, `parameter '${name}' is an optional object holding arrays, which is not differentiated yet: make it required, or give it a default.`);
  const tree: ParameterTree = optional ? { ...(made.tree as ParameterTree & { kind: 'object' }), optional: true } : made.tree;
  const object: Expr = optional
    ? { kind: 'conditional', test: { kind: 'isUndefined', operand: selfRead, orNull: true, at: node }, whenTrue: { kind: 'undefined', at: node }, whenFalse: made.object, shape: { kind: 'record' }, at: node }
    : made.object;
  return { tree, object };
}

/** Marks the leaves of `tree` as data (`Data<T>`): read, never differentiated. */
function markData(core: CoreParameter[], tree: ParameterTree): void {
  for (const leaf of leavesOf(tree)) core[leaf] = { ...core[leaf]!, data: true };
}

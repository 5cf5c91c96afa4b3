/**
 * The shape of a TypeScript type (`core.ts`): what the front end tells both modes a value is. Decided
 * here once from the type checker, so that no mode classifies types on its own.
 */
import type ts from 'typescript';
import { shapes, type RecordShape, type Shape } from './core.js';
import { isDataType, isIntegerType, isNumberType } from './source.js';

export function shapeOfType(tsApi: typeof ts, checker: ts.TypeChecker, declared: ts.Type): Shape {
  const type = declared.flags & tsApi.TypeFlags.TypeParameter ? (checker.getBaseConstraintOfType(declared) ?? declared) : declared;
  const f = tsApi.TypeFlags;
  // `Data<T>` is `T` with a brand: what it holds is `T`'s (the parameter is not differentiated, `parameters.ts`).
  const data = withoutDataBrand(type);
  if (data !== undefined) return shapeOfType(tsApi, checker, data);
  if (type.flags & (f.Any | f.Unknown)) return { kind: 'other', text: checker.typeToString(declared) };
  if (isNumberType(tsApi, type)) return isIntegerType(tsApi, type) ? shapes.int : shapes.number;
  if (type.flags & f.BooleanLike) return shapes.boolean;
  if (type.flags & f.StringLike) return shapes.string;
  if (type.flags & (f.Undefined | f.Void | f.Null)) return shapes.undefined;
  if (type.isUnion()) {
    // `number | undefined`, as an optional field or parameter reads.
    const defined = type.types.filter((t) => !(t.flags & (f.Undefined | f.Void)));
    if (defined.length < type.types.length && defined.length > 0 && defined.every((t) => isNumberType(tsApi, t))) {
      return { kind: 'number', int: defined.every((t) => isIntegerType(tsApi, t)), optional: true };
    }
    if (type.types.every((t) => t.flags & f.BooleanLike)) return shapes.boolean;
    // `'l1' | 'l2'`: a string.
    if (type.types.every((t) => t.flags & f.StringLike)) return shapes.string;
    // `Vec | undefined` (an optional object, `a?.b`'s object): the object's shape; the value is
    // tested for `undefined` before it is read. (An optional array is not taken yet: 'other'.)
    const present = type.types.filter((t) => !(t.flags & (f.Undefined | f.Void | f.Null)));
    if (present.length === 1 && present.length < type.types.length) {
      const shape = shapeOfType(tsApi, checker, present[0]!);
      if (shape.kind === 'record') return shape;
    }
    return { kind: 'other', text: checker.typeToString(declared) };
  }
  const symbolName = type.getSymbol()?.getName();
  if (symbolName === 'Float64Array') return shapes.array('float64');
  if (symbolName === 'Float32Array') return shapes.array('float32');
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    const element = checker.getIndexTypeOfType(type, tsApi.IndexKind.Number);
    // `new Array(n).fill(0)` is typed `any[]`: its elements are whatever is stored, numbers here.
    if (element !== undefined && (isNumberType(tsApi, element) || element.flags & f.Any)) return shapes.array('array');
    // `number[][]`, `Float64Array[]`: rows of numbers.
    const row = element !== undefined && checker.isArrayType(type) ? shapeOfType(tsApi, checker, element) : undefined;
    if (row?.kind === 'array') return { kind: 'matrix', row: row.storage };
    const fields = element !== undefined && checker.isArrayType(type) ? recordOfNumbers(tsApi, checker, element, 0) : undefined;
    if (fields !== undefined) return { kind: 'records', element: fields };
    return { kind: 'other', text: checker.typeToString(declared) };
  }
  if (type.getCallSignatures().length > 0) return { kind: 'function' };
  // An object type, or an intersection of them (`Vec & { offset: Vec }`).
  if (type.flags & f.Object || (type.isIntersection() && type.types.every((t) => t.flags & f.Object))) return shapes.record;
  return { kind: 'other', text: checker.typeToString(declared) };
}

/**
 * An object type whose data fields are numbers or objects of numbers, nested (methods and getters
 * aside): an element of an array of records. `undefined` for anything else (an optional field, an
 * array, a string), and past a depth no real element has.
 */
function recordOfNumbers(tsApi: typeof ts, checker: ts.TypeChecker, type: ts.Type, depth: number): RecordShape | undefined {
  if (checker.isTupleType(type)) {
    // `[number, number]`: a point as a pair, its fields 0 and 1.
    const elements = checker.getTypeArguments(type as ts.TypeReference);
    if (elements.length === 0 || !elements.every((t) => isNumberType(tsApi, t) && !isIntegerType(tsApi, t))) return undefined;
    return { kind: 'record', fields: new Map(elements.map((_, i) => [String(i), shapes.number])), tuple: true };
  }
  if (depth > 4 || !(type.flags & tsApi.TypeFlags.Object) || checker.isArrayLikeType(type) || type.getCallSignatures().length > 0) return undefined;
  const fields = new Map<string, Shape>();
  for (const prop of checker.getPropertiesOfType(type)) {
    const decl = prop.valueDeclaration ?? prop.declarations?.[0];
    if (decl === undefined || tsApi.isMethodDeclaration(decl) || tsApi.isMethodSignature(decl) || tsApi.isGetAccessor(decl) || tsApi.isSetAccessor(decl)) continue;
    if (prop.flags & tsApi.SymbolFlags.Optional) return undefined;
    const t = checker.getTypeOfSymbol(prop);
    if (isNumberType(tsApi, t) && !isIntegerType(tsApi, t)) fields.set(prop.name, shapes.number);
    else if (shapeOfType(tsApi, checker, t).kind === 'array') {
      // `{ x: number[]; y: number }`: each element's array, a row of the field's array of arrays.
      fields.set(prop.name, shapeOfType(tsApi, checker, t));
    } else {
      const inner = recordOfNumbers(tsApi, checker, t, depth + 1);
      if (inner === undefined) return undefined;
      fields.set(prop.name, inner);
    }
  }
  return fields.size === 0 ? undefined : { kind: 'record', fields };
}

/** `T` of `Data<T>` (an intersection with the runtime's data brand), or `undefined` for any other type. */
export function withoutDataBrand(type: ts.Type): ts.Type | undefined {
  if (!type.isIntersection() || !isDataType(type)) return undefined;
  const rest = type.types.filter((t) => !t.getProperties().some((p) => (p.escapedName as string).startsWith('__@dataBrand')));
  return rest.length === 1 ? rest[0] : undefined;
}

/**
 * The shape of a TypeScript type (`core.ts`): what the front end tells both modes a value is. Decided
 * here once from the type checker, so that no mode classifies types on its own.
 */
import type ts from 'typescript';
import { shapes, type Shape } from './core.js';
import { isIntegerType, isNumberType } from './source.js';

export function shapeOfType(tsApi: typeof ts, checker: ts.TypeChecker, declared: ts.Type): Shape {
  const type = declared.flags & tsApi.TypeFlags.TypeParameter ? (checker.getBaseConstraintOfType(declared) ?? declared) : declared;
  const f = tsApi.TypeFlags;
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
    return { kind: 'other', text: checker.typeToString(declared) };
  }
  const symbolName = type.getSymbol()?.getName();
  if (symbolName === 'Float64Array') return shapes.array('float64');
  if (symbolName === 'Float32Array') return shapes.array('float32');
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    const element = checker.getIndexTypeOfType(type, tsApi.IndexKind.Number);
    // `new Array(n).fill(0)` is typed `any[]`: its elements are whatever is stored, numbers here.
    if (element !== undefined && (isNumberType(tsApi, element) || element.flags & f.Any)) return shapes.array('array');
    return { kind: 'other', text: checker.typeToString(declared) };
  }
  if (type.getCallSignatures().length > 0) return { kind: 'function' };
  if (type.flags & f.Object) return shapes.record;
  return { kind: 'other', text: checker.typeToString(declared) };
}

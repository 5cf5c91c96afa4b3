/**
 * Lowering of object literals (DESIGN.md §4): `{ x: a, y: b }` built inside a marked function, or in
 * a function it calls, is a local record of numbers. It lives in the lowerer's heap like a local
 * array, one slot per field in the literal's order, so that branches and loops join its fields like
 * variables and `v.x = ...` is a functional update. The object itself never exists at run time.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import type { Node } from './ir.js';
import type { Lowering, Value } from './lowering.js';
import { elementsOf, newArray, writeElement } from './lower-arrays.js';

export function objectLiteral(lo: Lowering, fields: readonly (readonly [string, Value, ts.Node])[], readonlyAs: string | undefined): Value {
  const names: string[] = [];
  const values: Value[] = [];
  for (const [name, value, at] of fields) {
    // Nothing can be written through these, so a field may hold them; a local array or object of
    // its own could be changed through the field, which loops would not see.
    const heldAsIs = value.kind === 'number' || value.kind === 'boolean' || value.kind === 'string' || value.kind === 'undefined' || value.kind === 'object' || value.kind === 'paramArray' || value.kind === 'records' || value.kind === 'matrix';
    if (!heldAsIs && !(value.kind === 'array' && lo.readonlyRecords.has(value.ref))) {
      unsupported(
        codes.unsupportedSyntax,
        at,
        `the field '${name}' holds an array or object the function builds; an object built here may hold numbers, parameters' arrays and parameters' objects only (keep the array in a variable of its own).`,
      );
    }
    names.push(name);
    values.push(value);
  }
  const record = newArray(lo, 'array', values) as { kind: 'array'; ref: number };
  lo.recordFields.set(record.ref, names);
  if (readonlyAs !== undefined) lo.readonlyRecords.set(record.ref, readonlyAs);
  return record;
}

/**
 * `c ? p : q` for two different records with the same fields: a new record of φs, field by field.
 * In JavaScript the result is one of the two objects, so a later write through one name would show
 * through the other; all three are frozen instead, and such a write is reported. `undefined` if
 * `p` and `q` are not records with the same fields.
 */
export function recordPhi(
  lo: Lowering,
  c: Node,
  [p, pHeap]: readonly [number, ReadonlyMap<number, readonly Value[]>],
  [q, qHeap]: readonly [number, ReadonlyMap<number, readonly Value[]>],
  at: ts.Node,
): { ref: number; elements: readonly Value[] } | undefined {
  const pFields = lo.recordFields.get(p);
  const qFields = lo.recordFields.get(q);
  if (pFields === undefined || qFields === undefined || pFields.length !== qFields.length || !pFields.every((f) => qFields.includes(f))) return undefined;
  const pValues = pHeap.get(p)!;
  const qValues = qHeap.get(q)!;
  const elements = pFields.map((field, k) => lo.phi(c, pValues[k]!, qValues[qFields.indexOf(field)]!, at));
  const ref = lo.nextArray++;
  lo.arrayKinds.set(ref, 'array');
  lo.recordFields.set(ref, pFields);
  for (const frozen of [p, q, ref]) lo.frozenRecords.add(frozen);
  const readonlyAs = lo.readonlyRecords.get(p) ?? lo.readonlyRecords.get(q);
  if (readonlyAs !== undefined) lo.readonlyRecords.set(ref, readonlyAs);
  return { ref, elements };
}

/** The field's position in a local record, or `undefined` if `ref` is not a record. */
function slotOf(lo: Lowering, ref: number, name: string, at: ts.Node): number | undefined {
  const fields = lo.recordFields.get(ref);
  if (fields === undefined) return undefined;
  const slot = fields.indexOf(name);
  if (slot < 0) unsupported(codes.unsupportedSyntax, at, `this object has no field '${name}' where it was built; give every field a value in the object literal.`);
  return slot;
}

/** `v.name` of a local record, or `undefined` if `ref` is a local array and not a record. */
export function readField(lo: Lowering, ref: number, name: string, at: ts.Node): Value | undefined {
  const slot = slotOf(lo, ref, name, at);
  return slot === undefined ? undefined : elementsOf(lo, ref)[slot]!;
}

/** The write `v.name = value` to a local record, or `undefined` if `ref` is not a record. */
export function fieldWrite(lo: Lowering, ref: number, name: string, at: ts.Node): ((value: Value) => void) | undefined {
  const slot = slotOf(lo, ref, name, at);
  const readonlyAs = lo.readonlyRecords.get(ref);
  if (slot !== undefined && readonlyAs !== undefined) {
    unsupported(codes.mutation, at, `writing '${name}' of ${readonlyAs} cannot be differentiated (the caller's object would change); keep the changed value in a local variable or object instead.`);
  }
  // A field may get its first number after the object is built (a constructor's `this.x = x`).
  if (slot !== undefined && elementsOf(lo, ref)[slot]!.kind !== 'number' && elementsOf(lo, ref)[slot]!.kind !== 'undefined') {
    unsupported(codes.mutation, at, `the field '${name}' holds no number; only the number fields of an object built in a marked function can be written.`);
  }
  if (slot !== undefined && lo.frozenRecords.has(ref)) {
    unsupported(
      codes.mutation,
      at,
      `this object may be one of two chosen by a branch, so writing '${name}' would change the other one too in JavaScript; that is not differentiated: build a new object ({ ...fields }) instead of changing this one.`,
    );
  }
  return slot === undefined
    ? undefined
    : (value) => {
        if (value.kind !== 'number') unsupported(codes.mutation, at, `'${name}' holds a number where the object was built; give it a number here too (keep other values in variables of their own).`);
        writeElement(lo, ref, slot, value, at);
      };
}

/**
 * Lowering of object literals (DESIGN.md §4): `{ x: a, y: b }` built inside a marked function, or in
 * a function it calls, is a local record of numbers. It lives in the lowerer's heap like a local
 * array, one slot per field in the literal's order, so that branches and loops join its fields like
 * variables and `v.x = ...` is a functional update. The object itself never exists at run time.
 */
import type ts from 'typescript';
import { codes, unsupported } from './diagnostics.js';
import type { Node } from './ir.js';
import type { Lowerer, Value } from './lower.js';
import { elementsOf, newArray, writeElement } from './lower-arrays.js';

export function objectLiteral(lo: Lowerer, fields: readonly (readonly [string, Value, ts.Node])[]): Value {
  const names: string[] = [];
  const values: Value[] = [];
  for (const [name, value, at] of fields) {
    if (value.kind !== 'number') {
      unsupported(codes.unsupportedSyntax, at, `the field '${name}' is not a number; the objects a marked function builds hold numbers only here (pass other values in as parameters).`);
    }
    names.push(name);
    values.push(value);
  }
  const record = newArray(lo, 'array', values) as { kind: 'array'; ref: number };
  lo.recordFields.set(record.ref, names);
  return record;
}

/**
 * `c ? p : q` for two different records with the same fields: a new record of φs, field by field.
 * In JavaScript the result is one of the two objects, so a later write through one name would show
 * through the other; all three are frozen instead, and such a write is reported. `undefined` if
 * `p` and `q` are not records with the same fields.
 */
export function recordPhi(
  lo: Lowerer,
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
  return { ref, elements };
}

/** The field's position in a local record, or `undefined` if `ref` is not a record. */
function slotOf(lo: Lowerer, ref: number, name: string, at: ts.Node): number | undefined {
  const fields = lo.recordFields.get(ref);
  if (fields === undefined) return undefined;
  const slot = fields.indexOf(name);
  if (slot < 0) unsupported(codes.unsupportedSyntax, at, `this object has no field '${name}' where it was built; give every field a value in the object literal.`);
  return slot;
}

/** `v.name` of a local record, or `undefined` if `ref` is a local array and not a record. */
export function readField(lo: Lowerer, ref: number, name: string, at: ts.Node): Value | undefined {
  const slot = slotOf(lo, ref, name, at);
  return slot === undefined ? undefined : elementsOf(lo, ref)[slot]!;
}

/** The write `v.name = value` to a local record, or `undefined` if `ref` is not a record. */
export function fieldWrite(lo: Lowerer, ref: number, name: string, at: ts.Node): ((value: Value) => void) | undefined {
  const slot = slotOf(lo, ref, name, at);
  if (slot !== undefined && lo.frozenRecords.has(ref)) {
    unsupported(
      codes.mutation,
      at,
      `this object may be one of two chosen by a branch, so writing '${name}' would change the other one too in JavaScript; that is not differentiated: build a new object ({ ...fields }) instead of changing this one.`,
    );
  }
  return slot === undefined ? undefined : (value) => writeElement(lo, ref, slot, value, at);
}

/**
 * The operation tape of the fine-grained mode (DESIGN.md §7): classic operator-level reverse mode,
 * the baseline coarsening is measured against. The forward pass appends one entry per primitive
 * operation on an active value, holding the slots of its (at most two) operands and the local
 * partial derivatives with respect to them, evaluated on the spot; the reverse sweep walks the entries
 * backwards, once. Entry k keeps its operands' slots at 2k and 2k + 1 of one Int32Array and their
 * partials at the same places of one Float64Array; both grow by doubling and are reused across
 * calls, so recording allocates nothing in steady state and calls no closure.
 *
 * Slot 0 is the constant: a value that depends on no input has slot 0, an operation whose operands
 * are all constant records nothing, and a zero-filled `Int32Array` is a valid shadow for an array
 * of constants. Adjoint sent to slot 0 is never read.
 */
import { outputs } from './outputs.js';

export class OperationTape {
  private operands = new Int32Array(1 << 13);
  private partials = new Float64Array(1 << 13);
  private adjoint = new Float64Array(1 << 12);
  private top = 1;

  /** Empties the tape; a companion starts with it. Companions never run inside each other. */
  begin(): void {
    this.top = 1;
    this.nextSlots = 0;
  }

  /** Entries on the tape, slot 0 included: the size of one forward pass, for tests and the report. */
  get size(): number {
    return this.top;
  }

  /** A new independent input. */
  input(): number {
    return this.record(0, 0, 0, 0);
  }

  /**
   * `count` new independent inputs, in consecutive slots: the shadow of an array parameter. The
   * arrays of a call are kept for the next (`begin` starts over): a companion asks for them in the
   * same order every call, and none outlives its call (an array written in place is copied first).
   */
  inputs(count: number): Int32Array {
    let slots = this.slotArrays[this.nextSlots];
    if (slots === undefined || slots.length !== count) this.slotArrays[this.nextSlots] = slots = new Int32Array(count);
    this.nextSlots++;
    for (let k = 0; k < count; k++) slots[k] = this.record(0, 0, 0, 0);
    return slots;
  }

  private readonly slotArrays: Int32Array[] = [];
  private nextSlots = 0;

  /** Records `r = op(a)` with ∂r/∂a = `da`; returns r's slot. */
  unary(a: number, da: number): number {
    return a === 0 ? 0 : this.record(a, da, 0, 0);
  }

  /** Records `r = op(a, b)` with partials `da`, `db`; returns r's slot. */
  binary(a: number, da: number, b: number, db: number): number {
    return a === 0 && b === 0 ? 0 : this.record(a, da, b, db);
  }

  private record(a: number, da: number, b: number, db: number): number {
    const k = this.top;
    const at = 2 * k;
    if (at === this.operands.length) this.grow();
    const operands = this.operands;
    const partials = this.partials;
    operands[at] = a;
    operands[at + 1] = b;
    partials[at] = da;
    partials[at + 1] = db;
    this.top = k + 1;
    return k;
  }

  /** The reverse sweep: the adjoint of every slot for the output in slot `output` (seeded with 1). */
  sweep(output: number): void {
    this.swept = output;
    this.careful = false;
    this.run(output, false);
  }

  /** The output of the last sweep, and whether it was run again carefully (see `adjointOf`). */
  private swept = 0;
  private careful = false;

  private run(output: number, careful: boolean): void {
    const top = this.top;
    if (this.adjoint.length < top) this.adjoint = new Float64Array(this.operands.length / 2);
    const adjoint = this.adjoint;
    // A loop, not fill(): most tapes are short, and the call costs more than the stores.
    for (let k = 0; k < top; k++) adjoint[k] = 0;
    if (output === 0) return;
    adjoint[output] = 1;
    const operands = this.operands;
    const partials = this.partials;
    // An entry no adjoint reaches is skipped: a value computed and never used (or used only where
    // its derivative is 0) must not send `0 * NaN` from its own infinite partial into the gradient.
    if (!careful) {
      for (let k = output; k > 0; k--) {
        const a = adjoint[k]!;
        if (a === 0) continue;
        const at = 2 * k;
        adjoint[operands[at]!]! += partials[at]! * a;
        adjoint[operands[at + 1]!]! += partials[at + 1]! * a;
      }
      return;
    }
    // And an adjoint that overflowed (a long chain of products, each finite) sends nothing along a
    // partial that is 0: the true product is 0, not ∞·0.
    for (let k = output; k > 0; k--) {
      const a = adjoint[k]!;
      if (a === 0) continue;
      const at = 2 * k;
      const da = partials[at]!;
      const db = partials[at + 1]!;
      const finite = a - a === 0;
      if (finite || da !== 0) adjoint[operands[at]!]! += da * a;
      if (finite || db !== 0) adjoint[operands[at + 1]!]! += db * a;
    }
  }

  /**
   * After `sweep`: the derivative of the output with respect to the input in `slot`. The sweep does
   * not test its adjoints for overflow; an ∞·0 it met makes NaN of every adjoint it reaches, so a
   * NaN read here runs the sweep again with the test (what was read before is the same either way).
   */
  adjointOf(slot: number): number {
    if (slot === 0) return 0;
    const value = this.adjoint[slot]!;
    if (value === value || this.careful) return value;
    this.careful = true;
    this.run(this.swept, true);
    return this.adjoint[slot]!;
  }

  /**
   * After `sweep`: the largest adjoint of any entry. The sweep adds each gradient entry up from
   * such terms, so its rounding reaches about 2^-53 of this (a term of 1 among ±1e154 that cancel
   * is lost), which coarsening, cancelling them symbolically, does not carry. For tests.
   */
  largestAdjoint(): number {
    let largest = 0;
    for (let k = 1; k < this.top; k++) largest = Math.max(largest, Math.abs(this.adjoint[k]!));
    return largest;
  }

  /** After `sweep`: the gradient with respect to an array parameter whose inputs are `slots`. */
  adjointsOf(slots: Int32Array): Float64Array {
    const gradient = outputs.pool !== undefined ? outputs.take(slots.length) : new Float64Array(slots.length);
    for (let k = 0; k < slots.length; k++) gradient[k] = this.adjointOf(slots[k]!);
    return gradient;
  }

  private grow(): void {
    const operands = new Int32Array(this.operands.length * 2);
    operands.set(this.operands);
    this.operands = operands;
    const partials = new Float64Array(this.partials.length * 2);
    partials.set(this.partials);
    this.partials = partials;
  }
}

/** The one operation tape of this process, shared by every fine-grained companion. */
export const operations = new OperationTape();

/**
 * The operation tape of the fine-grained mode (DESIGN.md §7): classic operator-level reverse mode,
 * the baseline coarsening is measured against. The forward pass appends one entry per primitive
 * operation on an active value, holding the slots of its (at most two) operands and the local
 * partial derivatives with respect to them, evaluated on the spot; the reverse sweep walks the entries
 * backwards, once. Entries live in four parallel typed arrays that grow by doubling and are reused
 * across calls, so recording allocates nothing in steady state and calls no closure.
 *
 * Slot 0 is the constant: a value that depends on no input has slot 0, an operation whose operands
 * are all constant records nothing, and a zero-filled `Int32Array` is a valid shadow for an array
 * of constants. Adjoint sent to slot 0 is never read.
 */
export class OperationTape {
  private left = new Int32Array(1 << 12);
  private right = new Int32Array(1 << 12);
  private leftPartial = new Float64Array(1 << 12);
  private rightPartial = new Float64Array(1 << 12);
  private adjoint = new Float64Array(1 << 12);
  private top = 1;

  /**
   * The slot (or, for an array or object, the shadow of slots) of the value a taped function returns.
   * Generated code reads it right after the call; it is a register, not state kept across calls.
   */
  result: unknown = 0;

  /** Empties the tape; a companion starts with it. Companions never run inside each other. */
  begin(): void {
    this.top = 1;
  }

  /** Entries on the tape, slot 0 included: the size of one forward pass, for tests and the report. */
  get size(): number {
    return this.top;
  }

  /** A new independent input. */
  input(): number {
    return this.binary(0, 0, 0, 0, true);
  }

  /** `count` new independent inputs, in consecutive slots: the shadow of an array parameter. */
  inputs(count: number): Int32Array {
    const slots = new Int32Array(count);
    for (let k = 0; k < count; k++) slots[k] = this.input();
    return slots;
  }

  /** Records `r = op(a)` with ∂r/∂a = `da`; returns r's slot. */
  unary(a: number, da: number): number {
    return a === 0 ? 0 : this.binary(a, da, 0, 0, true);
  }

  /** Records `r = op(a, b)` with partials `da`, `db`; returns r's slot. */
  binary(a: number, da: number, b: number, db: number, force = false): number {
    if (a === 0 && b === 0 && !force) return 0;
    const k = this.top;
    if (k === this.left.length) this.grow();
    this.left[k] = a;
    this.right[k] = b;
    this.leftPartial[k] = da;
    this.rightPartial[k] = db;
    this.top = k + 1;
    return k;
  }

  /** The reverse sweep: the adjoint of every slot for the output in slot `output` (seeded with 1). */
  sweep(output: number): void {
    const top = this.top;
    if (this.adjoint.length < top) this.adjoint = new Float64Array(this.left.length);
    const adjoint = this.adjoint;
    adjoint.fill(0, 0, top);
    if (output === 0) return;
    adjoint[output] = 1;
    const left = this.left;
    const right = this.right;
    const leftPartial = this.leftPartial;
    const rightPartial = this.rightPartial;
    // Zero adjoints are not skipped: 0 times an infinite partial is NaN here exactly as in the coarse
    // mode's chain rule, so the two modes agree bit for bit in kind.
    for (let k = output; k > 0; k--) {
      const a = adjoint[k]!;
      adjoint[left[k]!]! += leftPartial[k]! * a;
      adjoint[right[k]!]! += rightPartial[k]! * a;
    }
  }

  /** After `sweep`: the derivative of the output with respect to the input in `slot`. */
  adjointOf(slot: number): number {
    return slot === 0 ? 0 : this.adjoint[slot]!;
  }

  /** After `sweep`: the gradient with respect to an array parameter whose inputs are `slots`. */
  adjointsOf(slots: Int32Array): Float64Array {
    const gradient = new Float64Array(slots.length);
    for (let k = 0; k < slots.length; k++) gradient[k] = this.adjointOf(slots[k]!);
    return gradient;
  }

  private grow(): void {
    const size = this.left.length * 2;
    const widen = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const grown = make(size);
      grown.set(old);
      return grown;
    };
    this.left = widen(this.left, (n) => new Int32Array(n));
    this.right = widen(this.right, (n) => new Int32Array(n));
    this.leftPartial = widen(this.leftPartial, (n) => new Float64Array(n));
    this.rightPartial = widen(this.rightPartial, (n) => new Float64Array(n));
  }
}

/** The one operation tape of this process, shared by every fine-grained companion. */
export const operations = new OperationTape();

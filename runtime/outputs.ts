/**
 * Gradient arrays reused across calls (issue 12, item 5). A `Float64Array` over 8 elements costs
 * Node 20 about 0.4 µs to allocate (an off-heap backing store), more than many whole gradients; a
 * gradient function made with `{ reuse: true }` hands its companion a pool of arrays kept from its
 * last call, zeroed, instead. Companions take their gradient arrays in the same order in every call,
 * so the pool is a list read from the start each call; companions never run inside each other.
 */
export class Outputs {
  /** The pool of the reusing gradient function running now; `undefined` when none is. */
  pool: Float64Array[] | undefined = undefined;
  /** The pool's next array; set to 0 by whoever sets `pool` (`reusing` in `index.ts`). */
  next = 0;

  /** The next array of the pool, of `length` elements, all 0 (a new one where the last call's differs in length). */
  zeros(length: number): Float64Array {
    const array = this.take(length);
    array.fill(0);
    return array;
  }

  /** The next array of the pool, of `length` elements, as the last call left it: for a caller that writes every element. */
  take(length: number): Float64Array {
    const pool = this.pool!;
    let array = pool[this.next];
    if (array === undefined || array.length !== length) pool[this.next] = array = new Float64Array(length);
    this.next++;
    return array;
  }
}

/** The one of this process, read by every companion that makes a gradient array. */
export const outputs = new Outputs();

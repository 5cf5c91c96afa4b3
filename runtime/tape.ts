/**
 * The tape for the residue (DESIGN.md §7): a stack of doubles that the forward loop of a general
 * recurrence pushes its carried state onto, once per iteration, and the reverse loop pops. It grows
 * by doubling and is reused across calls, so a companion allocates nothing per iteration once warm.
 */
export class Tape {
  private data = new Float64Array(1024);
  private top = 0;

  push(value: number): void {
    if (this.top === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.top++] = value;
  }

  pop(): number {
    return this.data[--this.top]!;
  }

  /** Values on the tape now. */
  get size(): number {
    return this.top;
  }

  /**
   * Moves the top to `size`: a reverse loop starts at the end of its own forward loop's values (a
   * reverse loop under a branch not taken leaves them unread), and a companion leaves the tape as it
   * found it.
   */
  seek(size: number): void {
    this.top = size;
  }
}

/** The one tape of this process: companions never run inside each other, so they can share it. */
export const tape = new Tape();

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

  /** Values on the tape now; a companion pops exactly what it pushed. */
  get size(): number {
    return this.top;
  }
}

/** The one tape of this process: companions never run inside each other, so they can share it. */
export const tape = new Tape();

/**
 * The benchmark's deterministic data: a small seeded generator, so that every run (and every
 * machine) sees the same inputs.
 */

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): a function returning uniform numbers in [0, 1),
 * the same sequence for the same seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [lo, hi) from `random`. */
export function uniform(random: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

// A seeded xorshift32 generator for fuzz tests, generated traces and the soak bench: the same
// cases every run, so a failure repeats. Values in [0, 1).
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/**
 * Randomization of event start, duration and cancellation (IEEE 2030.5-2018 §12.1.3.1, sep.xsd
 * `RandomizableEvent.randomizeStart` / `randomizeDuration`: a value inside the signed bound, in seconds).
 */

/** A source of uniformly distributed numbers in [0, 1), like `Math.random`, for randomization (IEEE 2030.5-2018 §12.1.3.1). */
export type RandomSource = () => number;

/**
 * A small seedable pseudo-random source (mulberry32) for reproducible schedules in tests and simulations.
 * Not for cryptographic use; randomization only spreads load (IEEE 2030.5-2018 §12.1.3.1).
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A whole number of seconds between 0 and `bound` inclusive, on the side of zero `bound` is on: a positive
 * `randomizeStart` only delays, a negative one only advances (IEEE 2030.5-2018 §12.1.3.1). A bound of 0
 * draws nothing from the source. A source returning values outside [0, 1) is clamped into range.
 */
export function randomOffset(bound: number, random: RandomSource): number {
  if (bound === 0) return 0;
  const span = Math.abs(bound);
  const r = random();
  const unit = r >= 0 && r < 1 ? r : r >= 1 ? 1 - Number.EPSILON : 0;
  const magnitude = Math.min(span, Math.floor(unit * (span + 1)));
  return bound < 0 ? -magnitude : magnitude;
}

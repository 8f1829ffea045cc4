/**
 * Fails a configurable share of requests on purpose, so that the consumer's retry path is
 * exercised all the time rather than only when something breaks.
 *
 * @module
 */

/** Decides, request by request, whether to fail. */
export interface FailureInjector {
  /** The configured share of requests that fail, 0..1. */
  readonly ratio: number;
  /** Draws once; true means this request must fail with UNAVAILABLE. */
  shouldFail(): boolean;
}

/** Options of {@link createFailureInjector}. */
export interface FailureInjectorOptions {
  /** Share of requests to fail, 0 (never) to 1 (always). */
  ratio: number;
  /** Seed of the random sequence; the same seed gives the same failures. Random when absent. */
  seed?: number;
}

/** Creates an injector that fails each request independently with probability `ratio`. */
export function createFailureInjector({ ratio, seed }: FailureInjectorOptions): FailureInjector {
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`failure ratio ${ratio} is not in 0..1`);
  const random = mulberry32(seed ?? crypto.getRandomValues(new Uint32Array(1))[0]);
  return {
    ratio,
    // ratio 0 never draws, so a disabled injector costs nothing and can never fire.
    shouldFail: () => ratio > 0 && random() < ratio,
  };
}

/** A small, fast, seedable PRNG with 32 bits of state; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

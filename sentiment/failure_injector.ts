/**
 * Fails a configurable share of requests on purpose, so that the consumer's retry path is
 * exercised all the time rather than only when something breaks.
 *
 * @module
 */
import { createRandom, randomSeed } from "@sentiment/kit/random";

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
  const random = createRandom(seed ?? randomSeed());
  return {
    ratio,
    // ratio 0 never draws, so a disabled injector costs nothing and can never fire.
    shouldFail: () => ratio > 0 && random.next() < ratio,
  };
}

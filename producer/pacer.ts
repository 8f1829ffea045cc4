/**
 * When the next comment goes out: as fast as possible, at a steady rate, or after a random
 * pause (the default, which looks like people commenting).
 *
 * @module
 */
import type { Random } from "@sentiment/kit/random";

/** Options of {@link createPacer}. */
export interface PacerOptions {
  burst: boolean;
  /** Comments per second; ignored in burst mode. */
  rate?: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Source of the random pauses; kept apart from the comments' so pace never changes them. */
  random: Random;
}

/** Schedules comments; see {@link createPacer}. */
export interface Pacer {
  /** Milliseconds to wait before the next comment, given the time now. */
  delayMs(nowMs: number): number;
}

/**
 * Creates a pacer. A steady rate is kept against the clock (comment i is due at start + i/rate),
 * so slow sends are caught up instead of lowering the rate.
 */
export function createPacer(options: PacerOptions): Pacer {
  if (options.burst) return { delayMs: () => 0 };
  if (options.rate !== undefined) {
    const intervalMs = 1_000 / options.rate;
    let start: number | undefined;
    let sent = 0;
    return {
      delayMs(nowMs) {
        start ??= nowMs;
        sent++;
        return Math.max(0, start + sent * intervalMs - nowMs);
      },
    };
  }
  const { minIntervalMs, maxIntervalMs, random } = options;
  return { delayMs: () => minIntervalMs + random.next() * (maxIntervalMs - minIntervalMs) };
}

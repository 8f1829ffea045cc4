/**
 * The periodic info line: what happened since the last one and the rate per second, so logs
 * stay quiet under load while still showing that work flows.
 *
 * @module
 */
import type { LogFields, Logger } from "@sentiment/kit/log";
import type { Stats } from "./stats.ts";

/** Counters that appear in the summary, in the order they are printed. */
export const SUMMARY_COUNTERS = [
  "processed",
  "duplicates",
  "cacheHits",
  "retries",
  "deadLettered",
  "sentimentCalls",
] as const;

/** The summary fields for the change from `before` to `after` over `elapsedMs`. */
export function summaryFields(
  before: Record<string, number>,
  after: Record<string, number>,
  elapsedMs: number,
): LogFields {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const fields: LogFields = {};
  for (const name of SUMMARY_COUNTERS) fields[name] = (after[name] ?? 0) - (before[name] ?? 0);
  fields.processedPerSecond = Math.round((fields.processed as number) / seconds);
  fields.receivedPerSecond = Math.round(((after.received ?? 0) - (before.received ?? 0)) / seconds);
  fields.intervalMs = Math.round(elapsedMs);
  return fields;
}

/** Logs a summary every `intervalMs` while anything happened or something is held; returns a stop function. */
export function startSummary(
  stats: Stats,
  logger: Logger,
  intervalMs: number,
  state: () => LogFields & { inFlight: number },
): () => void {
  let before = stats.snapshot();
  let at = performance.now();
  const timer = setInterval(() => {
    const after = stats.snapshot();
    const now = performance.now();
    const current = state();
    const moved = after.received !== before.received || after.published !== before.published ||
      after.deadLettered !== before.deadLettered || after.duplicates !== before.duplicates;
    if (moved || current.inFlight > 0) {
      logger.info("Summary", {
        ...summaryFields(before, after, now - at),
        ...current,
        totals: after,
      });
    }
    before = after;
    at = now;
  }, intervalMs);
  return () => clearInterval(timer);
}

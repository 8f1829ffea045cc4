/**
 * The periodic info line that keeps logs quiet under load while still showing the traffic.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import type { Analyzer } from "./analyzer.ts";

/** Logs the analyzer's counters every `intervalMs` when there was traffic; `stop` logs the rest. */
export function startSummary(
  analyzer: Analyzer,
  logger: Logger,
  intervalMs: number,
): { stop(): void } {
  const flush = () => {
    const stats = analyzer.takeStats();
    if (stats.calls === 0) return;
    logger.info("Summary", { intervalMs, ...stats });
  };
  const timer = setInterval(flush, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      flush();
    },
  };
}

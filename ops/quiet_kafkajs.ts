/**
 * kafkajs schedules some timers from a clock difference that comes out negative under Deno's
 * Node layer, which then prints a `TimeoutNegativeWarning` (the timer fires at once, as kafkajs
 * intends). A command-line tool's output must stay readable, so that one warning is dropped;
 * every other warning still prints.
 *
 * @module
 */
import process from "node:process";

const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const option = rest[0];
  const type = typeof option === "string"
    ? option
    : (option as { type?: string } | undefined)?.type ?? (warning as Error).name;
  if (type === "TimeoutNegativeWarning") return;
  // Arguments passed on as received.
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

/**
 * Node-layer process warnings, made to fit a service's JSON log. Deno's Node layer prints a
 * warning as a plain `(node:PID) Name: message` line on stderr, which breaks a log of JSON lines.
 * kafkajs schedules some timers from a clock difference that comes out negative under that layer,
 * which prints a `TimeoutNegativeWarning` for every such timer; the timer fires at once, as kafkajs
 * intends, so that warning says nothing and is dropped. Every other warning goes to `report` (a
 * service logs it as a warn line), or is printed as before when there is none.
 *
 * @module
 */
import process from "node:process";

/** A warning as the process emitted it. */
export interface NodeWarning {
  name: string;
  message: string;
}

/** Warnings that say nothing to an operator of this product. */
export const IGNORED_NODE_WARNINGS: ReadonlySet<string> = new Set(["TimeoutNegativeWarning"]);

const originalEmitWarning = process.emitWarning.bind(process);

/** Replaces `process.emitWarning` (again, if called twice: the last `report` wins). */
export function routeNodeWarnings(report?: (warning: NodeWarning) => void): void {
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const option = rest[0];
    const name = typeof option === "string"
      ? option
      : (option as { type?: string } | undefined)?.type ??
        (warning instanceof Error ? warning.name : "Warning");
    if (IGNORED_NODE_WARNINGS.has(name)) return;
    const message = warning instanceof Error ? warning.message : String(warning);
    if (report) report({ name, message });
    // Arguments passed on as received.
    else (originalEmitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

/**
 * Structured logs: one JSON object a line on stdout with time, level, service and message, plus
 * any ids the caller adds. `deno task logs` and log shippers read this format.
 *
 * @module
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** True when debug lines are written, so hot paths can skip building their fields. */
  readonly debugEnabled: boolean;
  child(fields: LogFields): Logger;
}

export function parseLogLevel(text: string | undefined): LogLevel | undefined {
  const level = text?.trim().toLowerCase();
  return LOG_LEVELS.find((known) => known === level);
}

/** A line sink, so tests can capture output. */
export type LogWriter = (line: string) => void;

export function createLogger(
  service: string,
  level: LogLevel = "info",
  write: LogWriter = (line) => console.log(line),
  base: LogFields = {},
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel, message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    const record: LogFields = {
      time: new Date().toISOString(),
      level: at,
      service,
      message,
      ...base,
      ...fields,
    };
    // One spelling of a failure in every line, whatever was thrown: `{ error }` is enough.
    if ("error" in record) record.error = describeError(record.error);
    write(JSON.stringify(record));
  };
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    debugEnabled: threshold === 0,
    child: (fields) => createLogger(service, level, write, { ...base, ...fields }),
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error); // a BigInt or a cycle
  }
}

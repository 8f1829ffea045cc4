/**
 * Reading configuration from environment variables. Every service reads its settings through
 * these helpers so that a bad value always stops the service with one line naming the variable.
 *
 * @module
 */

/** Where variables come from; `Deno.env` in services, a plain map in tests. */
export interface EnvSource {
  get(name: string): string | undefined;
}

/** A configuration value that cannot be used; `message` names the variable and the problem. */
export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = "ConfigError";
  }
}

/** Wraps a plain record as an {@link EnvSource}. */
export function envFrom(values: Record<string, string | undefined>): EnvSource {
  return { get: (name) => values[name] };
}

function raw(env: EnvSource, name: string): string | undefined {
  const value = env.get(name)?.trim();
  return value === "" ? undefined : value;
}

/**
 * Turns a variable's text (trimmed, never empty) into its value; throws {@link ConfigError}
 * naming the variable when the text cannot be used.
 */
export type Parse<T> = (text: string, name: string) => T;

/** Any text. */
export const text = (): Parse<string> => (value) => value;

/** A whole number within `min..max`. */
export function int(
  { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {},
): Parse<number> {
  return (text, name) => {
    if (!/^-?\d+$/.test(text)) throw new ConfigError(name, `"${text}" is not an integer`);
    return inRange(name, Number(text), min, max);
  };
}

/** A finite number within `min..max`. */
export function number({ min = -Infinity, max = Infinity } = {}): Parse<number> {
  return (text, name) => {
    const value = Number(text);
    if (!Number.isFinite(value)) throw new ConfigError(name, `"${text}" is not a number`);
    return inRange(name, value, min, max);
  };
}

function inRange(name: string, value: number, min: number, max: number): number {
  if (value < min || value > max) {
    throw new ConfigError(name, `${value} is outside the allowed range ${min}..${max}`);
  }
  return value;
}

/** A TCP port, 1..65535. */
export const port = (): Parse<number> => int({ min: 1, max: 65_535 });

/** true/false, 1/0, yes/no, on/off. */
export function bool(): Parse<boolean> {
  return (value, name) => {
    const text = value.toLowerCase();
    if (["1", "true", "yes", "on"].includes(text)) return true;
    if (["0", "false", "no", "off"].includes(text)) return false;
    throw new ConfigError(name, `"${text}" is not a boolean (use true or false)`);
  };
}

/** A comma-separated list of non-empty items. */
export function list(): Parse<string[]> {
  return (text, name) => {
    const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
    if (items.length === 0) throw new ConfigError(name, "the list is empty");
    return items;
  };
}

/** A comma-separated list of non-negative millisecond durations, e.g. `1000,2000,4000`. */
export function durations(): Parse<number[]> {
  return (text, name) =>
    list()(text, name).map((item) => {
      const value = Number(item);
      if (!Number.isFinite(value) || value < 0) {
        throw new ConfigError(name, `"${item}" is not a duration in milliseconds`);
      }
      return value;
    });
}

/** A URL with one of `protocols` (e.g. `["redis:", "rediss:"]`); kept as written. */
export function url(protocols: string[]): Parse<string> {
  return (text, name) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ConfigError(name, `"${redact(text)}" is not a URL`);
    }
    if (!protocols.includes(url.protocol)) {
      throw new ConfigError(name, `protocol ${url.protocol} is not one of ${protocols.join(", ")}`);
    }
    return text;
  };
}

/** `host:port` pairs such as Kafka brokers; each port checked. */
export function hostPorts(): Parse<string[]> {
  return (text, name) => {
    const items = list()(text, name);
    for (const item of items) {
      const match = /^([^:\s]+|\[[0-9a-fA-F:]+\]):(\d+)$/.exec(item);
      const port = match ? Number(match[2]) : NaN;
      if (!match || port < 1 || port > 65_535) {
        throw new ConfigError(name, `"${item}" is not host:port`);
      }
    }
    return items;
  };
}

/** The value of `name`, or `fallback` when it is unset or blank. */
export function envValue<T>(env: EnvSource, name: string, fallback: T, parse: Parse<T>): T {
  const text = raw(env, name);
  return text === undefined ? fallback : parse(text, name);
}

export function envString(env: EnvSource, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function envInt(
  env: EnvSource,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  return envValue(env, name, fallback, int(range));
}

export function envNumber(
  env: EnvSource,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  return envValue(env, name, fallback, number(range));
}

export function envPort(env: EnvSource, name: string, fallback: number): number {
  return envValue(env, name, fallback, port());
}

export function envBool(env: EnvSource, name: string, fallback: boolean): boolean {
  return envValue(env, name, fallback, bool());
}

export function envList(env: EnvSource, name: string, fallback: string[]): string[] {
  return envValue(env, name, fallback, list());
}

/** A comma-separated list of non-negative millisecond durations, e.g. `1000,2000,4000`. */
export function envDurations(env: EnvSource, name: string, fallback: number[]): number[] {
  return envValue(env, name, fallback, durations());
}

/** Unlike the others, the fallback is checked too: it is a URL written in code. */
export function envUrl(
  env: EnvSource,
  name: string,
  fallback: string,
  protocols: string[],
): string {
  return url(protocols)(raw(env, name) ?? fallback, name);
}

/** `host:port` pairs such as Kafka brokers; each port checked. */
export function envHostPorts(env: EnvSource, name: string, fallback: string[]): string[] {
  return envValue(env, name, fallback, hostPorts());
}

/** Hides the password of a connection URL before it is printed. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, "//$1:***@");
}

/**
 * Runs a service's configuration step and, on a ConfigError, prints one line and exits 2
 * before anything has started.
 */
export function loadConfigOrExit<T>(service: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(
      JSON.stringify({
        level: "error",
        service,
        message: `invalid configuration: ${error.message}`,
        variable: error.variable,
        time: new Date().toISOString(),
      }),
    );
    Deno.exit(2);
  }
}

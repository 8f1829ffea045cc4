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

export function envString(env: EnvSource, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function envInt(
  env: EnvSource,
  name: string,
  fallback: number,
  { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text)) throw new ConfigError(name, `"${text}" is not an integer`);
  const value = Number(text);
  if (value < min || value > max) {
    throw new ConfigError(name, `${value} is outside the allowed range ${min}..${max}`);
  }
  return value;
}

export function envNumber(
  env: EnvSource,
  name: string,
  fallback: number,
  { min = -Infinity, max = Infinity } = {},
): number {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ConfigError(name, `"${text}" is not a number`);
  if (value < min || value > max) {
    throw new ConfigError(name, `${value} is outside the allowed range ${min}..${max}`);
  }
  return value;
}

export function envPort(env: EnvSource, name: string, fallback: number): number {
  return envInt(env, name, fallback, { min: 1, max: 65_535 });
}

export function envBool(env: EnvSource, name: string, fallback: boolean): boolean {
  const text = raw(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off"].includes(text)) return false;
  throw new ConfigError(name, `"${text}" is not a boolean (use true or false)`);
}

export function envList(env: EnvSource, name: string, fallback: string[]): string[] {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length === 0) throw new ConfigError(name, "the list is empty");
  return items;
}

/** A comma-separated list of non-negative millisecond durations, e.g. `1000,2000,4000`. */
export function envDurations(env: EnvSource, name: string, fallback: number[]): number[] {
  const items = envList(env, name, fallback.map(String));
  return items.map((item) => {
    const value = Number(item);
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(name, `"${item}" is not a duration in milliseconds`);
    }
    return value;
  });
}

export function envUrl(
  env: EnvSource,
  name: string,
  fallback: string,
  protocols: string[],
): string {
  const text = raw(env, name) ?? fallback;
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
}

/** `host:port` pairs such as Kafka brokers; each port checked. */
export function envHostPorts(env: EnvSource, name: string, fallback: string[]): string[] {
  const items = envList(env, name, fallback);
  for (const item of items) {
    const match = /^([^:\s]+|\[[0-9a-fA-F:]+\]):(\d+)$/.exec(item);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65_535) {
      throw new ConfigError(name, `"${item}" is not host:port`);
    }
  }
  return items;
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

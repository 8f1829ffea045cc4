/**
 * A service's configuration as one declarative table: each entry names an environment
 * variable, its default, how its text is parsed and what it sets. `readConfig` walks the table
 * with {@link readSettings}; tests hold the same table against the service's permission list,
 * the README and compose.yaml, so a variable is written down once.
 *
 * @module
 */
import { type EnvSource, envValue, type Parse } from "./config.ts";

/** One environment variable a service reads. */
export interface Setting<T> {
  /** The variable's name. */
  readonly name: string;
  /** The value when the variable is unset or blank; `undefined` when there is none. */
  readonly default: T;
  /** Reads the trimmed, non-empty text; throws a ConfigError naming the variable. */
  readonly parse: Parse<T>;
  /** What it sets (one line, for people reading the table). */
  readonly doc: string;
  /**
   * How the README writes the default when it is not the value itself: a computed one such as
   * `<hostname>-<pid>`, or one that depends on another variable.
   */
  readonly shownDefault?: string;
}

/** A service's table: the key is the field of the values read. */
// deno-lint-ignore no-explicit-any -- each entry has its own value type; SettingValues keeps them.
export type SettingsTable = Record<string, Setting<any>>;

/** The values a table reads, field by field. */
export type SettingValues<S extends SettingsTable> = {
  [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

/** Reads every variable of `table` in table order; the first bad one throws its ConfigError. */
export function readSettings<S extends SettingsTable>(table: S, env: EnvSource): SettingValues<S> {
  const values: Record<string, unknown> = {};
  for (const [field, setting] of Object.entries(table)) {
    values[field] = envValue(env, setting.name, setting.default, setting.parse);
  }
  return values as SettingValues<S>;
}

/** The variable names of a table, in table order. */
export function settingNames(table: SettingsTable): string[] {
  return Object.values(table).map((setting) => setting.name);
}

/**
 * The default as a variable's text (`1000,2000` for a list), the README's way of writing it, or
 * undefined when there is none.
 */
export function shownDefault(setting: Setting<unknown>): string | undefined {
  if (setting.shownDefault !== undefined) return setting.shownDefault;
  const value = setting.default;
  if (value === undefined || value === null || value === "") return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(",");
  return String(value);
}

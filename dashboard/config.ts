/**
 * The dashboard server's configuration, from environment variables.
 *
 * @module
 */
import {
  ConfigError,
  type EnvSource,
  int,
  list,
  type Parse,
  port,
  text,
  url,
} from "@sentiment/kit/config";
import type { LogLevel } from "@sentiment/kit/log";
import { readSettings, settingNames, type SettingsTable } from "@sentiment/kit/settings";
import { LOG_LEVEL } from "@sentiment/kit/shared_settings";
import { DEFAULT_MAX_COMMENTS } from "./lib/comments.ts";
import { normalizeConfiguredHost } from "./hosts.ts";

const hostnames = (): Parse<string[]> => (value, name) => {
  const hosts = list()(value, name);
  for (const host of hosts) {
    if (normalizeConfiguredHost(host) === null) {
      throw new ConfigError(
        name,
        `"${host}" is not a hostname (list names such as dashboard.example.com, comma-separated)`,
      );
    }
  }
  return hosts;
};

/** Every variable the dashboard reads: the one source of names, defaults and checks. */
export const DASHBOARD_SETTINGS = {
  host: {
    name: "DASHBOARD_HOST",
    default: "127.0.0.1",
    parse: text(),
    doc: "address to listen on",
  },
  port: { name: "DASHBOARD_PORT", default: 3000, parse: port(), doc: "HTTP port" },
  allowedHosts: {
    name: "DASHBOARD_ALLOWED_HOSTS",
    default: [] as string[],
    parse: hostnames(),
    doc: "host names answered besides localhost, 127.0.0.1, [::1] and DASHBOARD_HOST",
  },
  apiUrl: {
    name: "API_URL",
    default: "http://127.0.0.1:3001",
    parse: (value: string, name: string) =>
      url(["http:", "https:"])(value, name).replace(/\/+$/, ""),
    doc: "base URL of the api that /api/* is proxied to",
  },
  apiToken: {
    name: "API_TOKEN",
    default: undefined as string | undefined,
    parse: text(),
    doc: "sent to the api as a bearer token when set",
  },
  maxComments: {
    name: "DASHBOARD_MAX_COMMENTS",
    default: DEFAULT_MAX_COMMENTS,
    parse: int({ min: 1, max: 50_000 }),
    doc: "comments each browser keeps in localStorage",
  },
  logLevel: LOG_LEVEL,
} satisfies SettingsTable;

/** The variable names of {@link DASHBOARD_SETTINGS}. */
export const ENV_VARS: readonly string[] = settingNames(DASHBOARD_SETTINGS);

/** The dashboard server's settings. */
export interface DashboardConfig {
  host: string;
  port: number;
  /**
   * Hostnames answered besides localhost, 127.0.0.1, [::1] and `host` (the names people reach
   * this server by, e.g. behind a reverse proxy); requests naming another Host get 421.
   */
  allowedHosts: string[];
  /** Base URL of the api that `/api/*` is proxied to. */
  apiUrl: string;
  /** Sent to the api as `Authorization: Bearer …` when set. */
  apiToken: string | null;
  /** How many recent comments each browser keeps (localStorage holds about 5 MB). */
  maxComments: number;
  logLevel: LogLevel;
}

/** Reads the configuration; a bad value throws a ConfigError naming the variable. */
export function readConfig(env: EnvSource): DashboardConfig {
  const values = readSettings(DASHBOARD_SETTINGS, env);
  return { ...values, apiToken: values.apiToken ?? null };
}

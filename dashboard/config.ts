/**
 * The dashboard server's configuration, from environment variables.
 *
 * @module
 */
import {
  envInt,
  envList,
  envPort,
  type EnvSource,
  envString,
  envUrl,
} from "@sentiment/proto/config";
import { type LogLevel, parseLogLevel } from "@sentiment/proto/log";
import { ConfigError } from "@sentiment/proto/config";
import { DEFAULT_MAX_COMMENTS } from "./lib/comments.ts";
import { normalizeConfiguredHost } from "./hosts.ts";

/** Every variable the dashboard reads (the permission set lists the same). */
export const ENV_VARS = [
  "DASHBOARD_HOST",
  "DASHBOARD_PORT",
  "DASHBOARD_ALLOWED_HOSTS",
  "API_URL",
  "API_TOKEN",
  "DASHBOARD_MAX_COMMENTS",
  "LOG_LEVEL",
] as const;

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
  const level = envString(env, "LOG_LEVEL", "info");
  const logLevel = parseLogLevel(level);
  if (!logLevel) throw new ConfigError("LOG_LEVEL", `"${level}" is not debug, info, warn or error`);
  const token = envString(env, "API_TOKEN", "");
  const allowedHosts = envList(env, "DASHBOARD_ALLOWED_HOSTS", []);
  for (const host of allowedHosts) {
    if (normalizeConfiguredHost(host) === null) {
      throw new ConfigError(
        "DASHBOARD_ALLOWED_HOSTS",
        `"${host}" is not a hostname (list names such as dashboard.example.com, comma-separated)`,
      );
    }
  }
  return {
    host: envString(env, "DASHBOARD_HOST", "127.0.0.1"),
    port: envPort(env, "DASHBOARD_PORT", 3000),
    allowedHosts,
    apiUrl: envUrl(env, "API_URL", "http://127.0.0.1:3001", ["http:", "https:"]).replace(
      /\/+$/,
      "",
    ),
    apiToken: token === "" ? null : token,
    maxComments: envInt(env, "DASHBOARD_MAX_COMMENTS", DEFAULT_MAX_COMMENTS, {
      min: 1,
      max: 50_000,
    }),
    logLevel,
  };
}

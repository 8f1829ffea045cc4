/**
 * The api's settings, read from environment variables with the proto/config helpers, so a bad
 * value stops the service with one line naming the variable.
 *
 * @module
 */
import {
  ConfigError,
  envHostPorts,
  envInt,
  envList,
  envPort,
  type EnvSource,
  envString,
  envUrl,
} from "@sentiment/proto/config";
import { type LogLevel, parseLogLevel } from "@sentiment/proto/log";
import { TOPIC_DEFAULTS } from "@sentiment/proto/messages";
import { isIpAddress, normalizeAddress } from "./client_address.ts";

export const DEFAULT_DATABASE_URL = "postgres://sentiment:sentiment@127.0.0.1:5432/sentiment";

/** Everything the api needs to run; see README for the variables and defaults. */
export interface ApiConfig {
  host: string;
  port: number;
  /** Names this process; its Kafka consumer group is `api-<instanceId>`. */
  instanceId: string;
  /** True when API_INSTANCE_ID was not set, so the group is ours alone and deleted on exit. */
  instanceIdGenerated: boolean;
  corsOrigins: string[];
  kafkaBrokers: string[];
  processedTopic: string;
  databaseUrl: string;
  databasePoolSize: number;
  logLevel: LogLevel;
  sse: {
    heartbeatMs: number;
    retryMs: number;
    clientBufferBytes: number;
    maxClients: number;
    /** Streams one client address may hold at once (API_SSE_MAX_CLIENTS_PER_ADDRESS). */
    maxClientsPerAddress: number;
    /** A client whose queued bytes have not drained for this long is closed. */
    stallTimeoutMs: number;
    backfillPage: number;
  };
  /** Peers whose X-Forwarded-For names the client, e.g. the dashboard's proxy. */
  trustedProxies: string[];
  stream: {
    /** Events held while waiting for a lower seq; beyond it they are re-read from PostgreSQL. */
    maxPending: number;
    /** Longest wait for an in-flight writer before a missing seq is declared absent. */
    gapTimeoutMs: number;
    /** How often PostgreSQL is asked for rows Kafka has not announced (a safety net). */
    pollMs: number;
    /** Recently delivered commentIds remembered to drop repeats. */
    dedupeWindow: number;
  };
  shutdownGraceMs: number;
  /** API_TOKEN: the bearer token every route but the health checks requires; null = open. */
  apiToken: string | null;
}

export function readConfig(env: EnvSource): ApiConfig {
  const explicitId = envString(env, "API_INSTANCE_ID", "");
  if (explicitId !== "" && !/^[A-Za-z0-9._-]{1,100}$/.test(explicitId)) {
    throw new ConfigError("API_INSTANCE_ID", "use 1-100 characters of A-Z a-z 0-9 . _ -");
  }
  const corsOrigins = envList(env, "API_CORS_ORIGINS", [
    "http://localhost:3000",
    "http://127.0.0.1:3000",
  ]);
  for (const origin of corsOrigins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch { /* reported below */ }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(
        "API_CORS_ORIGINS",
        `"${origin}" is not an origin like http://localhost:3000`,
      );
    }
  }
  const levelText = envString(env, "LOG_LEVEL", "info");
  const logLevel = parseLogLevel(levelText);
  if (!logLevel) throw new ConfigError("LOG_LEVEL", `"${levelText}" is not debug|info|warn|error`);
  return {
    host: envString(env, "API_HOST", "127.0.0.1"),
    port: envPort(env, "API_PORT", 3001),
    instanceId: explicitId || generatedInstanceId(),
    instanceIdGenerated: explicitId === "",
    corsOrigins,
    kafkaBrokers: envHostPorts(env, "KAFKA_BROKERS", ["127.0.0.1:9092"]),
    processedTopic: envString(env, TOPIC_DEFAULTS.processed.env, TOPIC_DEFAULTS.processed.name),
    databaseUrl: envUrl(env, "DATABASE_URL", DEFAULT_DATABASE_URL, ["postgres:", "postgresql:"]),
    databasePoolSize: envInt(env, "DATABASE_POOL_SIZE", 10, { min: 2, max: 100 }),
    logLevel,
    sse: {
      heartbeatMs: envInt(env, "API_SSE_HEARTBEAT_MS", 15_000, { min: 10, max: 3_600_000 }),
      retryMs: envInt(env, "API_SSE_RETRY_MS", 2_000, { min: 0, max: 600_000 }),
      clientBufferBytes: envInt(env, "API_SSE_CLIENT_BUFFER_BYTES", 1_048_576, {
        min: 4_096,
        max: 1_073_741_824,
      }),
      maxClients: envInt(env, "API_SSE_MAX_CLIENTS", 5_000, { min: 1, max: 1_000_000 }),
      maxClientsPerAddress: envInt(env, "API_SSE_MAX_CLIENTS_PER_ADDRESS", 50, {
        min: 1,
        max: 1_000_000,
      }),
      stallTimeoutMs: envInt(env, "API_SSE_STALL_TIMEOUT_MS", 30_000, {
        min: 100,
        max: 3_600_000,
      }),
      backfillPage: envInt(env, "API_SSE_BACKFILL_PAGE", 500, { min: 1, max: 10_000 }),
    },
    stream: {
      maxPending: envInt(env, "API_STREAM_MAX_PENDING", 20_000, { min: 1, max: 10_000_000 }),
      gapTimeoutMs: envInt(env, "API_STREAM_GAP_TIMEOUT_MS", 30_000, { min: 10, max: 3_600_000 }),
      pollMs: envInt(env, "API_STREAM_POLL_MS", 1_000, { min: 10, max: 3_600_000 }),
      dedupeWindow: envInt(env, "API_DEDUPE_WINDOW", 100_000, { min: 1, max: 10_000_000 }),
    },
    trustedProxies: readTrustedProxies(env),
    shutdownGraceMs: envInt(env, "API_SHUTDOWN_GRACE_MS", 5_000, { min: 0, max: 600_000 }),
    apiToken: readToken(env),
  };
}

function readToken(env: EnvSource): string | null {
  const token = envString(env, "API_TOKEN", "");
  if (token === "") return null;
  // A header carries it: visible ASCII only.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigError("API_TOKEN", "use visible ASCII characters only (no spaces)");
  }
  return token;
}

function readTrustedProxies(env: EnvSource): string[] {
  // Loopback by default: the dashboard proxies every browser from there, and a process that can
  // reach a loopback-bound api could open those streams itself anyway.
  const proxies = envList(env, "API_TRUSTED_PROXIES", ["127.0.0.1", "::1"]).map(normalizeAddress);
  for (const proxy of proxies) {
    if (!isIpAddress(proxy)) {
      throw new ConfigError("API_TRUSTED_PROXIES", `"${proxy}" is not an IP address`);
    }
  }
  return proxies;
}

function generatedInstanceId(): string {
  let host = "host";
  try {
    host = Deno.hostname().replace(/[^A-Za-z0-9.-]/g, "-").slice(0, 40) || host;
  } catch { /* without sys permission the hostname is only decoration */ }
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${host}-${Deno.pid}-${random}`;
}

/**
 * The api's settings, read from environment variables with the kit/config helpers, so a bad
 * value stops the service with one line naming the variable.
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
} from "@sentiment/kit/config";
import type { LogLevel } from "@sentiment/kit/log";
import { readSettings, type SettingsTable } from "@sentiment/kit/settings";
import {
  DATABASE_URL,
  KAFKA_BROKERS,
  LOG_LEVEL,
  topicSetting,
} from "@sentiment/kit/shared_settings";
import { isIpAddress, normalizeAddress } from "./client_address.ts";

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

const instanceId = (): Parse<string> => (value, name) => {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(value)) {
    throw new ConfigError(name, "use 1-100 characters of A-Z a-z 0-9 . _ -");
  }
  return value;
};

const origins = (): Parse<string[]> => (value, name) => {
  const items = list()(value, name);
  for (const origin of items) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch { /* reported below */ }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(name, `"${origin}" is not an origin like http://localhost:3000`);
    }
  }
  return items;
};

// Loopback by default: the dashboard proxies every browser from there, and a process that can
// reach a loopback-bound api could open those streams itself anyway.
const ipAddresses = (): Parse<string[]> => (value, name) => {
  const proxies = list()(value, name).map(normalizeAddress);
  for (const proxy of proxies) {
    if (!isIpAddress(proxy)) throw new ConfigError(name, `"${proxy}" is not an IP address`);
  }
  return proxies;
};

// A header carries it: visible ASCII only.
const token = (): Parse<string> => (value, name) => {
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new ConfigError(name, "use visible ASCII characters only (no spaces)");
  }
  return value;
};

const intIn = (min: number, max: number) => int({ min, max });

/** Every variable the api reads: the one source of names, defaults and checks. */
export const API_SETTINGS = {
  host: { name: "API_HOST", default: "127.0.0.1", parse: text(), doc: "address to listen on" },
  port: { name: "API_PORT", default: 3001, parse: port(), doc: "HTTP port" },
  instanceId: {
    name: "API_INSTANCE_ID",
    default: undefined as string | undefined,
    parse: instanceId(),
    doc: "names this process; its Kafka consumer group is api-<id>",
    shownDefault: "<host>-<pid>-<random>",
  },
  corsOrigins: {
    name: "API_CORS_ORIGINS",
    default: ["http://localhost:3000", "http://127.0.0.1:3000"],
    parse: origins(),
    doc: "origins browsers may call from",
  },
  kafkaBrokers: KAFKA_BROKERS,
  processedTopic: topicSetting("processed"),
  databaseUrl: DATABASE_URL,
  databasePoolSize: {
    name: "DATABASE_POOL_SIZE",
    default: 10,
    parse: intIn(2, 100),
    doc: "PostgreSQL connections at most",
  },
  logLevel: LOG_LEVEL,
  heartbeatMs: {
    name: "API_SSE_HEARTBEAT_MS",
    default: 15_000,
    parse: intIn(10, 3_600_000),
    doc: "SSE comment line period on an idle stream",
  },
  retryMs: {
    name: "API_SSE_RETRY_MS",
    default: 2_000,
    parse: intIn(0, 600_000),
    doc: "reconnect delay the stream asks browsers for",
  },
  clientBufferBytes: {
    name: "API_SSE_CLIENT_BUFFER_BYTES",
    default: 1_048_576,
    parse: intIn(4_096, 1_073_741_824),
    doc: "bytes queued for a slow client before it is disconnected (it resumes)",
  },
  maxClients: {
    name: "API_SSE_MAX_CLIENTS",
    default: 5_000,
    parse: intIn(1, 1_000_000),
    doc: "streams open at once",
  },
  maxClientsPerAddress: {
    name: "API_SSE_MAX_CLIENTS_PER_ADDRESS",
    default: 50,
    parse: intIn(1, 1_000_000),
    doc: "streams one client address may hold at once",
  },
  stallTimeoutMs: {
    name: "API_SSE_STALL_TIMEOUT_MS",
    default: 30_000,
    parse: intIn(100, 3_600_000),
    doc: "a client whose queued bytes have not drained for this long is closed",
  },
  backfillPage: {
    name: "API_SSE_BACKFILL_PAGE",
    default: 500,
    parse: intIn(1, 10_000),
    doc: "rows per page of a resume from PostgreSQL",
  },
  maxPending: {
    name: "API_STREAM_MAX_PENDING",
    default: 20_000,
    parse: intIn(1, 10_000_000),
    doc: "events held while waiting for a lower seq",
  },
  gapTimeoutMs: {
    name: "API_STREAM_GAP_TIMEOUT_MS",
    default: 30_000,
    parse: intIn(10, 3_600_000),
    doc: "longest wait for an in-flight writer before a missing seq is declared absent",
  },
  pollMs: {
    name: "API_STREAM_POLL_MS",
    default: 1_000,
    parse: intIn(10, 3_600_000),
    doc: "how often PostgreSQL is asked for rows Kafka has not announced",
  },
  dedupeWindow: {
    name: "API_DEDUPE_WINDOW",
    default: 100_000,
    parse: intIn(1, 10_000_000),
    doc: "recently delivered commentIds remembered to drop repeats",
  },
  trustedProxies: {
    name: "API_TRUSTED_PROXIES",
    default: ["127.0.0.1", "::1"],
    parse: ipAddresses(),
    doc: "peers whose X-Forwarded-For names the client",
  },
  shutdownGraceMs: {
    name: "API_SHUTDOWN_GRACE_MS",
    default: 5_000,
    parse: intIn(0, 600_000),
    doc: "how long a stop waits for open connections",
  },
  apiToken: {
    name: "API_TOKEN",
    default: undefined as string | undefined,
    parse: token(),
    doc: "bearer token every route but the health checks requires; unset: open",
  },
} satisfies SettingsTable;

/** Reads the configuration; throws a ConfigError naming the first bad variable. */
export function readConfig(env: EnvSource): ApiConfig {
  const v = readSettings(API_SETTINGS, env);
  return {
    host: v.host,
    port: v.port,
    instanceId: v.instanceId ?? generatedInstanceId(),
    instanceIdGenerated: v.instanceId === undefined,
    corsOrigins: v.corsOrigins,
    kafkaBrokers: v.kafkaBrokers,
    processedTopic: v.processedTopic,
    databaseUrl: v.databaseUrl,
    databasePoolSize: v.databasePoolSize,
    logLevel: v.logLevel,
    sse: {
      heartbeatMs: v.heartbeatMs,
      retryMs: v.retryMs,
      clientBufferBytes: v.clientBufferBytes,
      maxClients: v.maxClients,
      maxClientsPerAddress: v.maxClientsPerAddress,
      stallTimeoutMs: v.stallTimeoutMs,
      backfillPage: v.backfillPage,
    },
    stream: {
      maxPending: v.maxPending,
      gapTimeoutMs: v.gapTimeoutMs,
      pollMs: v.pollMs,
      dedupeWindow: v.dedupeWindow,
    },
    trustedProxies: v.trustedProxies,
    shutdownGraceMs: v.shutdownGraceMs,
    apiToken: v.apiToken ?? null,
  };
}

function generatedInstanceId(): string {
  let host = "host";
  try {
    host = Deno.hostname().replace(/[^A-Za-z0-9.-]/g, "-").slice(0, 40) || host;
  } catch { /* without sys permission the hostname is only decoration */ }
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${host}-${Deno.pid}-${random}`;
}

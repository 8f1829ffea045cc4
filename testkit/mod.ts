/**
 * Helpers for tests that run against the real Kafka, PostgreSQL and Redis and spawn the real
 * services. `deno task test` starts the infrastructure once per run; during development
 * `deno task infra start` does.
 *
 * Each test gets private resources (unique topics, a fresh database, its own Redis database
 * index), so test files can share one set of servers.
 *
 * @module
 */
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { createHash } from "node:crypto";
import postgres from "postgres";
import { Redis } from "ioredis";
import { migrate } from "@sentiment/contracts/db";
import { type CommentRow, rowToComment } from "@sentiment/contracts/db/comment_row";
import {
  type ProcessedComment,
  SOURCES,
  TAGS,
  TOPIC_DEFAULTS,
} from "@sentiment/contracts/messages";
import type { Producer } from "kafkajs";
import { PROJECT_ROOT } from "@sentiment/infra/paths";
import { netFlagsFor } from "@sentiment/infra/net_permissions";
import { createTopicsWithLeaders, kafkaHealthy, topicConfig } from "@sentiment/infra/kafka";
import { postgresHealthy } from "@sentiment/infra/postgres";
import { redisHealthy } from "@sentiment/infra/redis";
import { readInfraSettings } from "@sentiment/infra/settings";
import { runtimeFlags } from "@sentiment/infra/runtime_flags";

export { createTopicsWithLeaders, PROJECT_ROOT };
export {
  type MetricFamily,
  parsePrometheusText,
  sampleSum,
  scrapeMetrics,
} from "@sentiment/infra/prometheus";
export { type PrivateKafka, startPrivateKafka } from "./private_kafka.ts";
export {
  type PrivateKafkaCluster,
  type PrivateKafkaNode,
  startPrivateKafkaCluster,
} from "./private_kafka_cluster.ts";
export { netFlagsFor } from "@sentiment/infra/net_permissions";
export { LIBRARY_VARIABLES, settingsProblems } from "./settings_check.ts";
export {
  createTestNetwork,
  netnsUnavailable,
  removeLeftoverNamespaces,
  rootAddresses,
  routesIn,
  type TestHost,
  type TestNetwork,
} from "./netns.ts";

export interface InfraConfig {
  kafkaBrokers: string[];
  databaseUrl: string;
  redisUrl: string;
}

export function infraConfig(): InfraConfig {
  const settings = readInfraSettings();
  return {
    kafkaBrokers: settings.kafkaBrokers,
    databaseUrl: settings.databaseUrl,
    redisUrl: settings.redisUrl,
  };
}

let availability: Promise<string[]> | undefined;

/** Names of the infrastructure components that do not answer (empty when all do). */
export function unavailableInfrastructure(): Promise<string[]> {
  availability ??= (async () => {
    const config = infraConfig();
    const [kafka, pg, redis] = await Promise.all([
      kafkaHealthy(config.kafkaBrokers),
      postgresHealthy(config.databaseUrl),
      redisHealthy(config.redisUrl),
    ]);
    return [!kafka && "Kafka", !pg && "PostgreSQL", !redis && "Redis"].filter((
      name,
    ): name is string => typeof name === "string");
  })();
  return availability;
}

const isCI = () => Deno.env.get("CI") === "true";

/**
 * A Deno.test that needs the real infrastructure. Outside CI, when it is unreachable, the test
 * is skipped with a loud message; in CI it runs (and fails), so CI can never pass by skipping.
 */
export function integrationTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
  options: Omit<Deno.TestDefinition, "name" | "fn"> = {},
): void {
  Deno.test({
    sanitizeOps: false,
    sanitizeResources: false,
    ...options,
    name,
    fn: async (t) => {
      const missing = await unavailableInfrastructure();
      if (missing.length > 0 && !isCI()) {
        console.error(
          `\n!!! SKIPPED "${name}": ${missing.join(", ")} unreachable. ` +
            "Run `deno task infra start` (or `deno task test`, which starts it).\n",
        );
        return;
      }
      await fn(t);
    },
  });
}

const randomSuffix = () => crypto.randomUUID().slice(0, 8);

export interface TestTopics {
  raw: string;
  processed: string;
  deadLetter: string;
  /** KAFKA_TOPIC_* variables naming these topics, for a service's environment. */
  env: Record<string, string>;
}

/** Creates three unique topics (raw, processed, dead-letter) for one test. */
export async function createTestTopics(partitions = 6): Promise<TestTopics> {
  const suffix = randomSuffix();
  const topics = {
    raw: `test-raw-${suffix}`,
    processed: `test-processed-${suffix}`,
    deadLetter: `test-dlq-${suffix}`,
  };
  const admin = testKafka().admin();
  await admin.connect();
  try {
    // As many replicas as the shared Kafka gives its own topics (3 on a KAFKA_NODES=3 cluster).
    const settings = readInfraSettings();
    const replication = {
      factor: settings.kafkaReplicationFactor,
      minInsync: settings.kafkaMinInsyncReplicas,
    };
    await createTopicsWithLeaders(
      admin,
      Object.values(topics).map((topic) => topicConfig(topic, partitions, replication)),
    );
  } finally {
    await admin.disconnect();
  }
  return {
    ...topics,
    env: {
      [TOPIC_DEFAULTS.raw.env]: topics.raw,
      [TOPIC_DEFAULTS.processed.env]: topics.processed,
      [TOPIC_DEFAULTS.deadLetter.env]: topics.deadLetter,
    },
  };
}

/** A kafkajs client for test code (quiet logs). */
export function testKafka(clientId = "test"): Kafka {
  return new Kafka({ clientId, brokers: infraConfig().kafkaBrokers, logLevel: logLevel.ERROR });
}

export interface TestDatabase {
  /** URL of the fresh, migrated database. */
  url: string;
  name: string;
  sql: postgres.Sql;
  drop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates a fresh database with the schema applied; `drop()` (or `await using`) removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = infraConfig().databaseUrl;
  const name = `test_${randomSuffix()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => {} });
  await migrate(sql);
  const drop = async () => {
    await sql.end({ timeout: 2 });
    const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      for (let attempt = 1;; attempt++) {
        try {
          await cleanup.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          break;
        } catch (error) {
          // FORCE may not signal a superuser's backend, such as an autovacuum worker busy with
          // the rows a test just wrote (42501); a moment later it has finished or gone.
          if ((error as { code?: string }).code !== "42501" || attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    } finally {
      await cleanup.end();
    }
  };
  return { url: url.toString(), name, sql, drop, [Symbol.asyncDispose]: drop };
}

/**
 * A Redis URL on a database index (1–15) handed out in turn, so concurrent test files rarely
 * share one; tests still use unique keys and never flush anything but their own index.
 */
export async function testRedisUrl(): Promise<string> {
  const base = infraConfig().redisUrl;
  const client = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    const n = await client.incr("testkit:next-db");
    const url = new URL(base);
    url.pathname = `/${(n % 15) + 1}`;
    return url.toString();
  } finally {
    client.disconnect();
  }
}

export function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return Promise.resolve(port);
}

export interface ServiceProcess {
  /** The member, or the name given (e.g. "consumer-2"). */
  name: string;
  pid: number;
  /** The lines the service printed so far (stdout and stderr; the last `maxLines`). */
  lines: string[];
  /** Whether the process has ended. */
  readonly exited: boolean;
  /** Resolves with the first log line (parsed when JSON) that `match` accepts. */
  waitForLog(
    match: (line: string, record: Record<string, unknown> | undefined) => boolean,
    timeoutMs?: number,
  ): Promise<string>;
  kill(signal?: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
  status: Promise<Deno.CommandStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The environment a child inherits, as far as this process may read it. */
export function inheritedEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

/** Options of {@link startService}. */
export interface StartServiceOptions {
  /** Arguments of main.ts. */
  args?: string[];
  /** Flags for `deno run` before the script (e.g. `--cpu-prof`). */
  denoFlags?: string[];
  /** Name in errors and echoed lines (default: the member). */
  name?: string;
  /** Print every line, prefixed with the name (also with TEST_ECHO_SERVICES=1). */
  echo?: boolean;
  /** Lines kept; older ones are dropped (a benchmark's services print for minutes). */
  maxLines?: number;
  /**
   * A command that runs the service, e.g. `["ip", "netns", "exec", NAME]` for a network
   * namespace (it must exec the service, so the pid stays the service's).
   */
  wrap?: string[];
}

/**
 * Runs a workspace member's `main.ts` as a real process with its own permission set
 * (`deno run -P=<member>`), infrastructure URLs from the environment plus `env`.
 */
/** A service's structured log line as a record, or undefined (Deno's own warnings are not JSON). */
function logRecord(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The structured records among a service's output lines. */
export function logRecords(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    const record = logRecord(line);
    return record === undefined ? [] : [record];
  });
}

export function startService(
  member: string,
  env: Record<string, string> = {},
  options: StartServiceOptions = {},
): ServiceProcess {
  const name = options.name ?? member;
  const maxLines = options.maxLines ?? Infinity;
  const config = infraConfig();
  const childEnv = {
    KAFKA_BROKERS: config.kafkaBrokers.join(","),
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    NO_COLOR: "1",
    ...env,
  };
  const [program, ...prefix] = [...(options.wrap ?? []), Deno.execPath()];
  const child = new Deno.Command(program, {
    args: [
      ...prefix,
      "run",
      "-q", // the service's own JSON lines only, as `up` runs it
      `-P=${member}`,
      // Its set names only the default addresses; a test points it at its own.
      ...netFlagsFor(member, { ...inheritedEnv(), ...childEnv }),
      // As deployed (heap bounds), so that tests and benchmarks measure that process.
      ...runtimeFlags(member),
      ...(options.denoFlags ?? []),
      join(PROJECT_ROOT, member, "main.ts"),
      ...(options.args ?? []),
    ],
    cwd: PROJECT_ROOT,
    env: childEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  // Lines dropped from the front of `lines`, so that waiters keep their place.
  let dropped = 0;
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    const decoder = new TextDecoder();
    // A plain decoder rather than TextDecoderStream: members type-checked with the DOM library
    // (the dashboard) see two conflicting WritableStream declarations for pipeThrough.
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (lines.length > maxLines) {
          lines.shift();
          dropped++;
        }
        if (options.echo || Deno.env.get("TEST_ECHO_SERVICES") === "1") {
          console.log(`[${name}] ${line}`);
        }
      }
      for (const wake of waiters) wake();
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status.then(async (result) => {
    await pumps.catch(() => {});
    for (const wake of waiters) wake();
    return result;
  });
  let exited = false;
  status.then(() => exited = true);

  const waitForLog: ServiceProcess["waitForLog"] = (match, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (seen = Math.max(seen, dropped); seen < dropped + lines.length; seen++) {
          const line = lines[seen - dropped];
          if (match(line, logRecord(line))) return finish(() => resolve(line));
        }
        if (exited) {
          finish(() =>
            reject(
              new Error(
                `${name} exited before the awaited log line:\n${lines.slice(-20).join("\n")}`,
              ),
            )
          );
        }
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `${name}: awaited log line not seen in ${timeoutMs} ms:\n${
                  lines.slice(-20).join("\n")
                }`,
              ),
            )
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const kill = (signal: Deno.Signal = "SIGTERM") => {
    if (exited) return;
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  const stop = async (graceMs = 15_000) => {
    kill("SIGTERM");
    const timer = setTimeout(() => kill("SIGKILL"), graceMs);
    const result = await status;
    clearTimeout(timer);
    return result;
  };
  return {
    name,
    pid: child.pid,
    lines,
    get exited() {
      return exited;
    },
    waitForLog,
    kill,
    stop,
    status,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  what = "condition",
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `${what} not reached within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ""}`,
  );
}

/** A comment a test stores as the consumer would; unset fields get varied defaults. */
export interface StoredCommentSpec {
  commentId?: string;
  text?: string;
  tag?: ProcessedComment["tag"];
  source?: ProcessedComment["source"];
  createdAt?: Date;
  retryCount?: number;
  consumerId?: string;
}

let storedCounter = 0;

/**
 * Plays the consumer's storing step: inserts the comments (ON CONFLICT DO NOTHING, so
 * PostgreSQL assigns `seq`) and returns the rows inserted as ProcessedComment messages in seq
 * order. For tests of what reads the table and the processed topic (api, dashboard).
 */
export async function storeComments(
  sql: postgres.Sql | postgres.TransactionSql,
  specs: readonly StoredCommentSpec[],
  defaultText = "test comment",
): Promise<ProcessedComment[]> {
  if (specs.length === 0) return [];
  const rows = specs.map((spec) => {
    const n = storedCounter++;
    const text = spec.text ?? `${defaultText} ${n}`;
    return {
      comment_id: spec.commentId ?? crypto.randomUUID(),
      text,
      text_hash: createHash("sha256").update(text.trim().toLowerCase()).digest("hex"),
      tag: spec.tag ?? TAGS[n % TAGS.length],
      source: spec.source ?? SOURCES[n % SOURCES.length],
      created_at: spec.createdAt ?? new Date(),
      consumer_id: spec.consumerId ?? "test-consumer",
      retry_count: spec.retryCount ?? 0,
    };
  });
  const stored = await sql<CommentRow[]>`
    INSERT INTO comments ${
    sql(
      rows,
      "comment_id",
      "text",
      "text_hash",
      "tag",
      "source",
      "created_at",
      "consumer_id",
      "retry_count",
    )
  }
    ON CONFLICT DO NOTHING
    RETURNING seq, comment_id, text, text_hash, tag, source, created_at, processed_at,
              consumer_id, retry_count`;
  return stored.map(rowToComment).sort((a, b) => a.seq - b.seq);
}

/** Plays the consumer's publishing step: each comment to `topic`, keyed by commentId. */
export async function publishProcessed(
  producer: Producer,
  topic: string,
  comments: readonly ProcessedComment[],
): Promise<void> {
  if (comments.length === 0) return;
  await producer.send({
    topic,
    messages: comments.map((comment) => ({
      key: comment.commentId,
      value: JSON.stringify(comment),
    })),
  });
}

/**
 * A stream of text from a stream of UTF-8 bytes. Not TextDecoderStream: in a type check that
 * also holds an npm JSON import (the sentiment member's lexicons), Node's global types come in
 * and their TextDecoderStream no longer fits `pipeThrough` on a web ReadableStream.
 */
export function textDecoding(): TransformStream<Uint8Array, string> {
  const decoder = new TextDecoder();
  return new TransformStream({
    transform: (chunk, controller) => controller.enqueue(decoder.decode(chunk, { stream: true })),
  });
}

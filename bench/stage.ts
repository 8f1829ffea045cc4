/**
 * A private stage for one run: unique topics, a fresh database, a Redis database index, and the
 * services started on free ports, all registered for cleanup. Nothing here touches the default
 * topics or database.
 *
 * @module
 */
import {
  createTestDatabase,
  createTestTopics,
  freePort,
  type TestDatabase,
  testKafka,
  testRedisUrl,
  type TestTopics,
} from "@sentiment/testkit";
import { deleteTopics } from "./kafka.ts";
import { onCleanup, type Service, startService, waitForHttp } from "./processes.ts";

export interface Stage {
  topics: TestTopics;
  db: TestDatabase;
  redisUrl: string;
  /** Tears the stage down now (also registered for the final cleanup). */
  close(): Promise<void>;
}

export async function createStage(partitions = 6): Promise<Stage> {
  const topics = await createTestTopics(partitions);
  const dropTopics = onCleanup(
    `topics ${topics.raw}…`,
    () =>
      deleteTopics(testKafka("bench-cleanup"), [topics.raw, topics.processed, topics.deadLetter]),
  );
  const db = await createTestDatabase();
  const dropDb = onCleanup(`database ${db.name}`, () => db.drop());
  const redisUrl = await testRedisUrl();
  return {
    topics,
    db,
    redisUrl,
    close: async () => {
      await dropDb();
      await dropTopics();
    },
  };
}

/** The sentiment service on a free port (default failure ratio 1/32). */
export async function startSentiment(): Promise<{ service: Service; address: string }> {
  const port = await freePort();
  const service = startService("sentiment", {
    SENTIMENT_HOST: "127.0.0.1",
    SENTIMENT_PORT: String(port),
  });
  await service.waitForLog(
    (_line, record) => record?.message === "Sentiment service listening",
    60_000,
  );
  return { service, address: `127.0.0.1:${port}` };
}

/**
 * Extra consumer variables for experiments, as JSON in BENCH_CONSUMER_ENV (e.g.
 * `{"MAX_IN_FLIGHT":"6000"}`); such runs write bench/results/experiment.json only.
 */
export function consumerOverrides(): Record<string, string> {
  const text = Deno.env.get("BENCH_CONSUMER_ENV")?.trim();
  if (!text) return {};
  const parsed = JSON.parse(text);
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/** Extra deno flags for the consumers, space-separated in BENCH_CONSUMER_DENO_FLAGS. */
export function consumerDenoFlags(): string[] {
  return (Deno.env.get("BENCH_CONSUMER_DENO_FLAGS") ?? "").split(/\s+/).filter((f) => f !== "");
}

export interface ConsumerOptions {
  name: string;
  group: string;
  sentimentAddress: string;
  /** Extra deno flags, e.g. --cpu-prof. */
  denoFlags?: string[];
}

/** A consumer instance with its health port, ready once it joined its group. */
export async function startConsumer(stage: Stage, options: ConsumerOptions): Promise<Service> {
  const port = await freePort();
  const service = startService("consumer", {
    ...stage.topics.env,
    DATABASE_URL: stage.db.url,
    REDIS_URL: stage.redisUrl,
    SENTIMENT_ADDRESS: options.sentimentAddress,
    CONSUMER_GROUP: options.group,
    CONSUMER_ID: options.name,
    CONSUMER_HEALTH_PORT: String(port),
    // Ids are unique per run (random producer seed); a short TTL keeps Redis from filling up.
    DEDUP_TTL_SECONDS: "900",
    LOG_LEVEL: "info",
    ...consumerOverrides(),
  }, { name: options.name, denoFlags: [...consumerDenoFlags(), ...(options.denoFlags ?? [])] });
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, 90_000, service);
  return service;
}

/** The api on a free port, ready once its stream has started. */
export async function startApi(stage: Stage): Promise<{ service: Service; url: string }> {
  const port = await freePort();
  const service = startService("api", {
    KAFKA_TOPIC_PROCESSED: stage.topics.processed,
    DATABASE_URL: stage.db.url,
    API_HOST: "127.0.0.1",
    API_PORT: String(port),
    LOG_LEVEL: "info",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, 90_000, service);
  return { service, url };
}

/** The producer as a process; resolves its final summary when it exits. */
export function startProducer(
  stage: Stage,
  args: string[],
): { service: Service; summary: Promise<{ published: number; duplicates: number }> } {
  const service = startService("producer", {
    KAFKA_TOPIC_RAW: stage.topics.raw,
    PRODUCER_SUMMARY_INTERVAL_MS: "60000",
    LOG_LEVEL: "info",
  }, { args });
  const summary = service.waitForLog(
    (_line, record) => record?.message === "Final summary",
    30 * 60_000,
  ).then((line) => {
    const record = JSON.parse(line);
    return { published: Number(record.published), duplicates: Number(record.duplicates) };
  });
  return { service, summary };
}

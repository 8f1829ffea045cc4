/**
 * The dashboard end to end: headless Chromium against the real api process, fed through real
 * Kafka and PostgreSQL. The test plays the consumer: it inserts rows into a fresh database and
 * publishes the ProcessedComment messages to a private processed-comments topic, exactly as the
 * consumer does, then checks what the page shows.
 */
import type { Producer } from "kafkajs";
import type postgres from "postgres";
import type { ProcessedComment } from "@sentiment/contracts/messages";
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  integrationTest,
  publishProcessed,
  type ServiceProcess,
  startService,
  storeComments,
  testKafka,
} from "@sentiment/testkit";
import { type Backend, type CommentSpec, runScenario } from "../dashboard/testing/scenario.ts";

let counter = 0;

/** Stores rows as the consumer does (ON CONFLICT DO NOTHING), then publishes them. */
async function storeAndPublish(
  sql: postgres.Sql,
  producer: Producer,
  topic: string,
  specs: CommentSpec[],
): Promise<ProcessedComment[]> {
  const comments = await storeComments(
    sql,
    // Every seventh comment needed a retry, so the "retried" figures are not all zero.
    specs.map((spec) => ({
      ...spec,
      consumerId: "e2e-consumer",
      retryCount: counter++ % 7 === 0 ? 1 : 0,
    })),
    "e2e comment",
  );
  await publishProcessed(producer, topic, comments);
  return comments;
}

integrationTest("dashboard in Chromium against the real api, Kafka and PostgreSQL", async (t) => {
  await using db = await createTestDatabase();
  const topics = await createTestTopics(3);
  const producer = testKafka("dashboard-e2e").producer();
  await producer.connect();
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...topics.env,
    DATABASE_URL: db.url,
    API_PORT: String(port),
    LOG_LEVEL: "info",
  };
  let api: ServiceProcess | null = null;
  const startApi = async () => {
    const process = startService("api", env);
    api = process;
    const healthy = async () => {
      const response = await fetch(`${apiUrl}/healthz`).catch(() => null);
      await response?.body?.cancel();
      return response?.ok || undefined;
    };
    try {
      await eventually(healthy, 60_000, "the api answering /healthz");
    } catch (error) {
      const output = process.lines.slice(-15).join("\n");
      throw new Error(`${(error as Error).message}; the api printed:\n${output}`);
    }
  };
  const backend: Backend = {
    apiUrl,
    store: (specs) => storeAndPublish(db.sql, producer, topics.processed, specs),
    stop: async () => {
      await api?.stop();
      api = null;
    },
    start: startApi,
  };
  try {
    await startApi();
    await runScenario(t, backend, { label: "real-api" });
  } finally {
    await backend.stop();
    await producer.disconnect();
  }
}, { sanitizeOps: false, sanitizeResources: false });

/**
 * The dashboard end to end: headless Chromium against the real api process, fed through real
 * Kafka and PostgreSQL. The test plays the consumer: it inserts rows into a fresh database and
 * publishes the ProcessedComment messages to a private processed-comments topic, exactly as the
 * consumer does, then checks what the page shows.
 */
import type { Producer } from "kafkajs";
import type postgres from "postgres";
import { type ProcessedComment, SCHEMA_VERSION, SOURCES, TAGS } from "@sentiment/proto/messages";
import { loadTestkit, type ServiceProcess } from "./testing/testkit.ts";
import { type Backend, type CommentSpec, runScenario } from "./testing/scenario.ts";

const {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  integrationTest,
  startService,
  testKafka,
} = await loadTestkit();

interface CommentRow {
  seq: string;
  comment_id: string;
  text: string;
  text_hash: string;
  tag: ProcessedComment["tag"];
  source: ProcessedComment["source"];
  created_at: Date;
  processed_at: Date;
  consumer_id: string;
  retry_count: number;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text.trim().toLowerCase()),
  );
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

let counter = 0;

/** Stores rows as the consumer does (ON CONFLICT DO NOTHING), then publishes them. */
async function storeAndPublish(
  sql: postgres.Sql,
  producer: Producer,
  topic: string,
  specs: CommentSpec[],
): Promise<ProcessedComment[]> {
  const rows = await Promise.all(specs.map(async (spec) => {
    const n = counter++;
    const text = spec.text ?? `e2e comment ${n}`;
    return {
      comment_id: crypto.randomUUID(),
      text,
      text_hash: await sha256(text),
      tag: spec.tag ?? TAGS[n % TAGS.length],
      source: spec.source ?? SOURCES[n % SOURCES.length],
      created_at: spec.createdAt ?? new Date(),
      consumer_id: "e2e-consumer",
      retry_count: n % 7 === 0 ? 1 : 0,
    };
  }));
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
  const comments = stored.map((row): ProcessedComment => ({
    schemaVersion: SCHEMA_VERSION,
    commentId: row.comment_id,
    text: row.text,
    source: row.source,
    createdAt: row.created_at.toISOString(),
    textHash: row.text_hash.trim(),
    tag: row.tag,
    processedAt: row.processed_at.toISOString(),
    consumerId: row.consumer_id,
    retryCount: row.retry_count,
    seq: Number(row.seq),
  })).sort((a, b) => a.seq - b.seq);
  await producer.send({
    topic,
    messages: comments.map((comment) => ({
      key: comment.commentId,
      value: JSON.stringify(comment),
    })),
  });
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

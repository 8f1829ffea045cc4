/**
 * Helpers for the api's integration tests and the fan-out benchmark: an api instance running in
 * this process over a test database and topic, and the consumer's part (store rows, publish them).
 *
 * @module
 */
import type postgres from "postgres";
import type { Producer } from "kafkajs";
import { envFrom } from "@sentiment/proto/config";
import { createLogger, type Logger } from "@sentiment/proto/log";
import { type ProcessedComment, SOURCES, TAGS } from "@sentiment/proto/messages";
import { type CommentRow, rowToComment } from "./comments_store.ts";
import { readConfig } from "./config.ts";
import { type RunningApi, startApi } from "./service.ts";

export interface NewComment {
  commentId?: string;
  text?: string;
  tag?: ProcessedComment["tag"];
  source?: ProcessedComment["source"];
  createdAt?: Date;
  retryCount?: number;
}

let counter = 0;

/** Inserts comments as the consumer does (ON CONFLICT DO NOTHING) and returns them with seq. */
export async function storeComments(
  sql: postgres.Sql | postgres.TransactionSql,
  comments: readonly NewComment[],
): Promise<ProcessedComment[]> {
  if (comments.length === 0) return [];
  const rows = comments.map((item) => {
    const n = counter++;
    return {
      comment_id: item.commentId ?? crypto.randomUUID(),
      text: item.text ?? `integration comment ${n}`,
      text_hash: "0".repeat(63) + (n % 10),
      tag: item.tag ?? TAGS[n % TAGS.length],
      source: item.source ?? SOURCES[n % SOURCES.length],
      created_at: item.createdAt ?? new Date(),
      consumer_id: "test-consumer",
      retry_count: item.retryCount ?? 0,
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

/** Publishes processed comments as the consumer does (key commentId). */
export async function publish(
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

/** Starts an api instance in this process; `env` overrides the test's settings. */
export async function startTestApi(
  settings: { databaseUrl: string; brokers: string[]; topic: string; port: number },
  env: Record<string, string> = {},
  log: Logger = createLogger("api", "warn"),
): Promise<RunningApi> {
  const config = readConfig(envFrom({
    API_PORT: String(settings.port),
    DATABASE_URL: settings.databaseUrl,
    KAFKA_BROKERS: settings.brokers.join(","),
    KAFKA_TOPIC_PROCESSED: settings.topic,
    API_STREAM_POLL_MS: "200",
    ...env,
  }));
  const api = startApi(config, log);
  await waitUntilReady(api.url);
  return api;
}

/** Polls /readyz until it answers 200 (Kafka joined, PostgreSQL up, stream started). */
export async function waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/readyz`);
      last = await response.text();
      if (response.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`api at ${url} not ready within ${timeoutMs} ms: ${last}`);
}

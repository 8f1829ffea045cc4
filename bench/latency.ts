/**
 * Run 3, latency: comments at a steady rate from the producer through sentiment, one consumer,
 * PostgreSQL, processed-comments and the api to an SSE client in this process. Latency is the
 * client's clock at arrival minus the comment's createdAt (set by the producer when it made the
 * comment; same machine, same clock). Comments that waited for a retry are reported apart.
 *
 * @module
 */
import { testKafka } from "@sentiment/testkit";
import { readTopic } from "./kafka.ts";
import { delay, ResourceMonitor, round, type Service } from "./processes.ts";
import { createStage, startApi, startConsumer, startProducer, startSentiment } from "./stage.ts";
import { type Distribution, distribution } from "./stats.ts";

export interface LatencyResult {
  rate: number;
  seconds: number;
  produced: number;
  expectedDistinct: number;
  received: number;
  /** Comments created in the first `warmupSeconds` are left out of the figures. */
  warmupSeconds: number;
  /** ms, comments with retryCount 0 after the warm-up. */
  firstAttempt: Distribution;
  /** ms, comments with retryCount > 0 (they waited 1 s or more by design). */
  retried: Distribution;
  /**
   * Medians (p50) and p99 of each hop, ms, for the first-attempt comments after the warm-up:
   * createdAt → raw-comments timestamp → INSERT start (processed_at) → processed-comments
   * timestamp → SSE arrival.
   */
  hops: Record<string, { p50: number; p99: number }>;
  /** Distinct comments that never reached the client before the wait ended. */
  missing: number;
  resources: Record<string, { peakRssMiB: number; cpuSeconds: number }>;
  /** 1-minute load average at the end of the run (other work on the machine shows here). */
  loadAverage: number;
}

interface Arrival {
  id: string;
  arrivedAt: number;
  latencyMs: number;
  createdAt: number;
  retryCount: number;
}

/** Reads an SSE body, calling `each` for every comment event with the arrival time. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  each: (data: string, arrivedAt: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const arrivedAt = Date.now();
      pending += decoder.decode(value, { stream: true });
      const frames = pending.split("\n\n");
      pending = frames.pop() ?? "";
      for (const frame of frames) {
        if (!frame.startsWith("event: comment\n")) continue;
        const data = frame.split("\n").find((line) => line.startsWith("data: "));
        if (data) each(data.slice(6), arrivedAt);
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** Where the time of each steady comment went, from the timestamps each hop left. */
async function hopTimes(
  stage: Awaited<ReturnType<typeof createStage>>,
  steady: readonly Arrival[],
): Promise<Record<string, { p50: number; p99: number }>> {
  const kafka = testKafka("bench-latency");
  const idOf = (value: Uint8Array | null) =>
    (JSON.parse(new TextDecoder().decode(value!)) as { commentId: string }).commentId;
  const rawAt = new Map<string, number>();
  await readTopic(kafka, stage.topics.raw, (m) => {
    const id = idOf(m.value);
    if (!rawAt.has(id)) rawAt.set(id, m.timestamp);
  });
  const publishedAt = new Map<string, number>();
  await readTopic(kafka, stage.topics.processed, (m) => {
    const id = idOf(m.value);
    if (!publishedAt.has(id)) publishedAt.set(id, m.timestamp);
  });
  const storedAt = new Map<string, number>();
  const rows = await stage.db.sql<{ id: string; ms: number }[]>`
    SELECT comment_id::text AS id, (extract(epoch FROM processed_at) * 1000)::float8 AS ms
    FROM comments`;
  for (const row of rows) storedAt.set(row.id, row.ms);
  const hops: Record<string, number[]> = {
    "producer → raw-comments": [],
    "raw-comments → INSERT start": [],
    "INSERT start → processed-comments": [],
    "processed-comments → SSE client": [],
  };
  const names = Object.keys(hops);
  for (const a of steady) {
    const raw = rawAt.get(a.id);
    const stored = storedAt.get(a.id);
    const published = publishedAt.get(a.id);
    if (raw === undefined || stored === undefined || published === undefined) continue;
    hops[names[0]].push(raw - a.createdAt);
    hops[names[1]].push(stored - raw);
    hops[names[2]].push(published - stored);
    hops[names[3]].push(a.arrivedAt - published);
  }
  return Object.fromEntries(names.map((name) => {
    const d = distribution(hops[name]);
    return [name, { p50: round(d.p50, 1), p99: round(d.p99, 1) }];
  }));
}

export async function runLatency(options: {
  rate: number;
  seconds: number;
  warmupSeconds: number;
  say: (line: string) => void;
}): Promise<LatencyResult> {
  const { rate, seconds, say } = options;
  const stage = await createStage();
  const services: Service[] = [];
  const abort = new AbortController();
  try {
    const sentiment = await startSentiment();
    services.push(sentiment.service);
    const consumer = await startConsumer(stage, {
      name: "consumer",
      group: `bench-latency-${crypto.randomUUID().slice(0, 8)}`,
      sentimentAddress: sentiment.address,
    });
    services.push(consumer);
    const api = await startApi(stage);
    services.push(api.service);

    const arrivals = new Map<string, Arrival>();
    const response = await fetch(`${api.url}/api/stream`, { signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`SSE: HTTP ${response.status}`);
    const reading = readEvents(response.body, (data, arrivedAt) => {
      const comment = JSON.parse(data) as {
        commentId: string;
        createdAt: string;
        retryCount: number;
      };
      if (arrivals.has(comment.commentId)) return;
      const createdAt = Date.parse(comment.createdAt);
      arrivals.set(comment.commentId, {
        id: comment.commentId,
        arrivedAt,
        latencyMs: arrivedAt - createdAt,
        createdAt,
        retryCount: comment.retryCount,
      });
    }, abort.signal);
    reading.catch(() => {});

    const count = Math.round(rate * seconds);
    say(`services ready (sentiment, consumer, api, SSE client); ${count} comments at ${rate}/s`);
    const producer = startProducer(stage, ["--rate", String(rate), "--count", String(count)]);
    services.push(producer.service);
    const monitor = new ResourceMonitor(services);
    await monitor.start();
    const startedAt = Date.now();
    let expected: number | undefined;
    let produced = 0;
    let doneAt = 0;
    void producer.summary.then((summary) => {
      produced = summary.published;
      expected = summary.published - summary.duplicates;
      doneAt = Date.now();
    }, () => {});
    for (;;) {
      await delay(2_000);
      say(
        `  ${
          ((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)
        } s  received ${arrivals.size}` +
          (expected !== undefined ? ` of ${expected}` : ""),
      );
      if (producer.service.exited && expected === undefined) {
        throw new Error(`producer failed:\n${producer.service.lines.slice(-10).join("\n")}`);
      }
      if (expected !== undefined && arrivals.size >= expected) break;
      // The longest retry path is 1+2+4+8+16 s.
      if (doneAt > 0 && Date.now() - doneAt > 40_000) break;
    }
    await monitor.stop();
    abort.abort();

    const all = [...arrivals.values()];
    const firstCreated = Math.min(...all.map((a) => a.createdAt));
    const warmEnd = firstCreated + options.warmupSeconds * 1000;
    const steady = all.filter((a) => a.retryCount === 0 && a.createdAt >= warmEnd);
    const retried = all.filter((a) => a.retryCount > 0);
    const rounded = (d: Distribution): Distribution => ({
      count: d.count,
      p50: round(d.p50, 1),
      p95: round(d.p95, 1),
      p99: round(d.p99, 1),
      max: round(d.max, 1),
    });
    const hops = await hopTimes(stage, steady);
    return {
      rate,
      hops,
      seconds,
      produced,
      expectedDistinct: expected ?? 0,
      received: arrivals.size,
      warmupSeconds: options.warmupSeconds,
      firstAttempt: rounded(distribution(steady.map((a) => a.latencyMs))),
      retried: rounded(distribution(retried.map((a) => a.latencyMs))),
      missing: Math.max(0, (expected ?? 0) - arrivals.size),
      resources: monitor.report(),
      loadAverage: round(Deno.loadavg()[0], 2),
    };
  } finally {
    abort.abort();
    await Promise.all(services.map((s) => s.stop(5_000)));
    await stage.close();
  }
}

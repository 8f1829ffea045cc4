/**
 * Fan-out benchmark (not a test): events/s delivered to 100 and 500 concurrent SSE clients by one
 * api process, with that process's resident memory.
 *
 *   deno run -P=api-bench api/fanout_bench.ts [clients…] [--comments=N]
 *
 * Needs Kafka and PostgreSQL (`deno task infra start`). For each client count it starts the api
 * as a real process (`deno run -P=api`) over a fresh database and topic, connects the clients,
 * then stores and publishes N comments as fast as it can (playing the consumer) and waits until
 * every client has every comment. The clients run in this process, so on a small machine they
 * compete with the server for CPU: the figures are a lower bound for the server.
 *
 * @module
 */
import {
  createTestDatabase,
  createTestTopics,
  freePort,
  startService,
  testKafka,
} from "@sentiment/testkit";
import { publish, storeComments, waitUntilReady } from "./test_support.ts";

const args = Deno.args.filter((arg) => !arg.startsWith("--"));
const clientCounts = args.length > 0 ? args.map(Number) : [100, 500];
const commentsArg = Deno.args.find((arg) => arg.startsWith("--comments="));
const comments = commentsArg ? Number(commentsArg.split("=")[1]) : 5_000;
const BATCH = 250;
const TEXT = "This product is great, I would buy it again! ".repeat(4);

/** Resident memory of a process, via ps (Deno reads /proc only with --allow-all). */
async function rssMiB(pid: number): Promise<number> {
  const output = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] })
    .output();
  return Number(new TextDecoder().decode(output.stdout).trim() || 0) / 1024;
}

/** Reads an SSE body and counts comment events until `expected`. */
async function countEvents(body: ReadableStream<Uint8Array>, expected: number): Promise<number> {
  const reader = body.getReader();
  const needle = new TextEncoder().encode("event: comment\n");
  let count = 0;
  let matched = 0;
  while (count < expected) {
    const { value, done } = await reader.read();
    if (done) break;
    // Byte-level search that carries a partial match across chunk boundaries.
    for (let i = 0; i < value.length; i++) {
      matched = value[i] === needle[matched] ? matched + 1 : (value[i] === needle[0] ? 1 : 0);
      if (matched === needle.length) {
        count++;
        matched = 0;
      }
    }
  }
  await reader.cancel().catch(() => {});
  return count;
}

async function run(clients: number) {
  await using db = await createTestDatabase();
  const topics = await createTestTopics(6);
  const port = await freePort();
  await using api = startService("api", {
    ...topics.env,
    DATABASE_URL: db.url,
    API_PORT: String(port),
    API_SSE_MAX_CLIENTS: String(clients + 10),
    API_SSE_MAX_CLIENTS_PER_ADDRESS: String(clients + 10),
    LOG_LEVEL: "warn",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url);
  const producer = testKafka("fanout-bench").producer();
  await producer.connect();

  const bodies = await Promise.all(
    Array.from({ length: clients }, async () => (await fetch(`${url}/api/stream`)).body!),
  );
  const done = Promise.all(bodies.map((body) => countEvents(body, comments)));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rssIdle = await rssMiB(api.pid);
  let rssPeak = rssIdle;
  const sampler = setInterval(async () => rssPeak = Math.max(rssPeak, await rssMiB(api.pid)), 100);

  const started = performance.now();
  for (let sent = 0; sent < comments; sent += BATCH) {
    const stored = await storeComments(
      db.sql,
      Array.from({ length: Math.min(BATCH, comments - sent) }, () => ({ text: TEXT })),
    );
    await publish(producer, topics.processed, stored);
  }
  const published = performance.now() - started;
  const counts = await done;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await producer.disconnect();
  const delivered = counts.reduce((sum, count) => sum + count, 0);
  return {
    clients,
    comments,
    complete: counts.every((count) => count === comments),
    publishSeconds: +(published / 1000).toFixed(2),
    seconds: +seconds.toFixed(2),
    commentsPerSecond: Math.round(comments / seconds),
    eventsDeliveredPerSecond: Math.round(delivered / seconds),
    rssIdleMiB: +rssIdle.toFixed(1),
    rssPeakMiB: +rssPeak.toFixed(1),
  };
}

const results = [];
for (const clients of clientCounts) {
  const result = await run(clients);
  console.log(JSON.stringify(result));
  results.push(result);
}
console.table(results);

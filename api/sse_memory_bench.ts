/**
 * SSE memory benchmark (not a test): does the api give back what stream clients took?
 *
 *   deno run -P=api-bench api/sse_memory_bench.ts [--rounds=3] [--clients=1000] [--comments=200]
 *     [--dead=20]
 *
 * Needs Kafka and PostgreSQL (`deno task infra start`). Starts the api as a real process over a
 * fresh database and topic; then, for each round, connects `clients` SSE clients (raw TCP, each
 * reading everything), stores and publishes `comments` comments so every client receives every
 * one, disconnects all clients, waits until the api counts 0 clients, and prints the api's
 * resident memory (ps) before and after the round, with its V8 heap and external memory when
 * its /metrics reports them. A last line says whether RSS stayed flat (within 10 %) after the
 * first round, which pays for one-time allocations (code, pools, buffers the allocator keeps).
 *
 * Then `dead` clients connect and never read while 4.6 MB of comments stream (more than the
 * kernel takes, less than the kernel and API_SSE_CLIENT_BUFFER_BYTES together, so the stall
 * timer, at 5 s here, has to find them): it prints how many the api closed and why, how many
 * slots remain taken, and the kernel's send queues towards them while stuck and after (`ss`).
 *
 * @module
 */
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  parsePrometheusText,
  startService,
  testKafka,
} from "@sentiment/testkit";
import { publish, storeComments, waitUntilReady } from "./test_support.ts";

const flag = (name: string, fallback: number) => {
  const arg = Deno.args.find((value) => value.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};
const rounds = flag("rounds", 3);
const clients = flag("clients", 1_000);
const comments = flag("comments", 200);
const dead = flag("dead", 20);
const TEXT = "A comment long enough to look like one people write, with a few words more. "
  .repeat(4);

/** Resident memory of a process in MiB, via ps (Deno reads /proc only with --allow-all). */
async function rssMiB(pid: number): Promise<number> {
  const output = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] })
    .output();
  return Number(new TextDecoder().decode(output.stdout).trim() || 0) / 1024;
}

/** One gauge of the api's /metrics (NaN when it has no such series). */
async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const family = parsePrometheusText(text).get(name);
  return family?.samples[0]?.value ?? NaN;
}

const mib = (bytes: number) => Number.isNaN(bytes) ? "n/a" : (bytes / 1_048_576).toFixed(1);

/** A raw SSE client that reads everything and counts comment events. */
async function openClient(port: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(
      "GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n",
    ),
  );
  const needle = new TextEncoder().encode("event: comment\n");
  let events = 0;
  let matched = 0;
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) return;
        for (let i = 0; i < n; i++) {
          matched = buffer[i] === needle[matched] ? matched + 1 : (buffer[i] === needle[0] ? 1 : 0);
          if (matched === needle.length) {
            events++;
            matched = 0;
          }
        }
      }
    } catch { /* closed by us */ }
  })();
  return {
    get events() {
      return events;
    },
    async close() {
      try {
        conn.close();
      } catch { /* already closed */ }
      await reading;
    },
  };
}

await using db = await createTestDatabase();
const topics = await createTestTopics(6);
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
await using api = startService("api", {
  ...topics.env,
  DATABASE_URL: db.url,
  API_PORT: String(port),
  API_SSE_MAX_CLIENTS: String(clients + 10),
  API_SSE_MAX_CLIENTS_PER_ADDRESS: String(clients + 10),
  API_SSE_STALL_TIMEOUT_MS: "5000",
  LOG_LEVEL: "warn",
});
await waitUntilReady(url);
const producer = testKafka("sse-memory-bench").producer();
await producer.connect();

const memory = async () => ({
  rssMiB: +(await rssMiB(api.pid)).toFixed(1),
  heapUsedMiB: mib(await gauge(url, "api_process_heap_used_bytes")),
  heapTotalMiB: mib(await gauge(url, "api_process_heap_total_bytes")),
  externalMiB: mib(await gauge(url, "api_process_external_bytes")),
  collections: await gauge(url, "api_heap_collections_total"),
});

const results = [];
for (let round = 1; round <= rounds; round++) {
  const before = await memory();
  const started = performance.now();
  const open = await Promise.all(Array.from({ length: clients }, () => openClient(port)));
  await eventually(
    async () => (await gauge(url, "api_sse_clients")) === clients || undefined,
    60_000,
    `${clients} clients connected`,
  );
  for (let sent = 0; sent < comments; sent += 50) {
    const stored = await storeComments(
      db.sql,
      Array.from({ length: Math.min(50, comments - sent) }, () => ({ text: TEXT })),
    );
    await publish(producer, topics.processed, stored);
  }
  await eventually(
    () => open.every((client) => client.events >= comments) || undefined,
    120_000,
    "every client received every comment",
  );
  const peak = await rssMiB(api.pid);
  await Promise.all(open.map((client) => client.close()));
  await eventually(
    async () => (await gauge(url, "api_sse_clients")) === 0 || undefined,
    60_000,
    "the api counts 0 clients",
  );
  // Let timers and the collector settle as they would between bursts of visitors.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const after = await memory();
  const result = {
    round,
    clients,
    comments,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    rssBeforeMiB: before.rssMiB,
    rssPeakMiB: +peak.toFixed(1),
    rssAfterMiB: after.rssMiB,
    heapUsedAfterMiB: after.heapUsedMiB,
    heapTotalAfterMiB: after.heapTotalMiB,
    externalAfterMiB: after.externalMiB,
    heapCollections: after.collections,
  };
  console.log(JSON.stringify(result));
  results.push(result);
}
console.table(results);

/** Bytes in the send queues of the api's sockets on `port` (what the kernel holds for clients). */
async function kernelSendQueue(): Promise<number> {
  const output = await new Deno.Command("ss", {
    args: ["-tnH", "state", "all", `sport = :${port}`],
  })
    .output();
  return new TextDecoder().decode(output.stdout).split("\n").filter((line) => line.trim() !== "")
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[2] ?? 0), 0);
}

if (dead > 0) {
  const silent = await Promise.all(Array.from({ length: dead }, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(
      new TextEncoder().encode("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    );
    return conn;
  }));
  await eventually(async () => (await gauge(url, "api_sse_clients")) === dead || undefined);
  const rssBefore = await rssMiB(api.pid);
  for (let sent = 0; sent < 1_100; sent += 100) {
    const stored = await storeComments(
      db.sql,
      Array.from({ length: 100 }, () => ({ text: "d".repeat(4_000) })),
    );
    await publish(producer, topics.processed, stored);
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const queuedWhileStuck = await kernelSendQueue();
  const rssStuck = await rssMiB(api.pid);
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  const report = {
    deadClients: dead,
    closedForStall: await gauge(url, "api_sse_clients_closed_for_stall_total"),
    closedForOverflow: await gauge(url, "api_sse_clients_closed_for_overflow_total"),
    slotsTakenAfter: await gauge(url, "api_sse_clients"),
    kernelSendQueueMiB: +(queuedWhileStuck / 1_048_576).toFixed(1),
    kernelSendQueueAfterMiB: +((await kernelSendQueue()) / 1_048_576).toFixed(1),
    rssBeforeMiB: +rssBefore.toFixed(1),
    rssWhileStuckMiB: +rssStuck.toFixed(1),
    rssAfterMiB: +(await rssMiB(api.pid)).toFixed(1),
  };
  console.log(JSON.stringify(report));
  for (const conn of silent) {
    try {
      conn.close();
    } catch { /* reset by the api */ }
  }
}
await producer.disconnect();
if (results.length > 1) {
  const reference = results[0].rssAfterMiB;
  const last = results[results.length - 1].rssAfterMiB;
  const change = (last - reference) / reference;
  console.log(
    `RSS after round 1: ${reference} MiB, after round ${results.length}: ${last} MiB ` +
      `(${change >= 0 ? "+" : ""}${(change * 100).toFixed(1)} %): ` +
      (Math.abs(change) <= 0.1 ? "flat within 10 %" : "NOT flat"),
  );
}

/**
 * The stream's limits with real sockets against a real api (Kafka, PostgreSQL): a reader that
 * stops is reset and its slot freed, one address cannot take every slot, slots come back as
 * clients leave, and a Last-Event-ID the api cannot resume from starts with `event: reset`.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  infraConfig,
  integrationTest,
  testKafka,
} from "@sentiment/testkit";
import { ApiErrorSchema } from "@sentiment/contracts/api";
import type { ProcessedComment } from "@sentiment/contracts/messages";
import { publish, startTestApi, storeComments, waitUntilReady } from "./test_support.ts";
import { SseReader } from "./test_fakes.ts";

async function setup(env: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const topics = await createTestTopics(3);
  const producer = testKafka("api-limits-test").producer();
  await producer.connect();
  const port = await freePort();
  const api = await startTestApi({
    databaseUrl: db.url,
    brokers: infraConfig().kafkaBrokers,
    topic: topics.processed,
    port,
  }, env);
  return {
    db,
    api,
    port,
    async pass(count: number, text?: string): Promise<ProcessedComment[]> {
      const stored = await storeComments(db.sql, Array.from({ length: count }, () => ({ text })));
      await publish(producer, topics.processed, stored);
      return stored;
    },
    async [Symbol.asyncDispose]() {
      await api.stop();
      await producer.disconnect();
      await db.drop();
    },
  };
}

/** A raw TCP client that asks for the stream and never reads a byte (until told to). */
async function silentClient(port: number, path = "/api/stream") {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
  );
  return {
    conn,
    /** Reads until the server ends the connection: "reset", "eof", or "open" after timeout. */
    async readToEnd(timeoutMs = 30_000): Promise<"reset" | "eof" | "open"> {
      const buffer = new Uint8Array(256 * 1024);
      let timedOut = false;
      const giveUp = setTimeout(() => {
        timedOut = true;
        conn.close();
      }, timeoutMs);
      try {
        while ((await conn.read(buffer)) !== null) { /* drain what the kernel kept */ }
        return "eof";
      } catch (error) {
        if (timedOut) return "open";
        if (error instanceof Deno.errors.ConnectionReset) return "reset";
        throw error;
      } finally {
        clearTimeout(giveUp);
      }
    },
    close() {
      try {
        conn.close();
      } catch { /* already closed */ }
    },
  };
}

async function openStream(url: string, headers: HeadersInit = {}) {
  const response = await fetch(`${url}/api/stream`, { headers });
  assertEquals(response.status, 200);
  return new SseReader(response.body!);
}

integrationTest(
  "a client that stops reading is reset within the stall timeout and its slot freed",
  async () => {
    // A buffer too large to overflow here, so only the stall timer can close the client.
    await using t = await setup({
      API_SSE_CLIENT_BUFFER_BYTES: String(64 * 1024 * 1024),
      API_SSE_STALL_TIMEOUT_MS: "1000",
    });
    const stuck = await silentClient(t.port);
    const reader = await openStream(t.api.url);
    await eventually(() => t.api.hub.stats().clients === 2 || undefined);
    const target = 5_000;
    // The other client reads all along.
    const reading = reader.next(target, 120_000);
    // More than the kernel's buffers take (about 4 MiB each way on loopback).
    const text = "y".repeat(4_000);
    const sent: ProcessedComment[] = [];
    while (t.api.hub.stats().closedForStall === 0 && sent.length < target - 250) {
      sent.push(...await t.pass(250, text));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await eventually(() => t.api.hub.stats().closedForStall === 1 || undefined, 30_000);
    assertEquals(t.api.hub.stats().closedForOverflow, 0);
    await eventually(
      () => t.api.hub.stats().clients === 1 || undefined,
      10_000,
      "the stalled client's slot freed",
    );
    // The socket is really gone: what the kernel still held is dropped (RST).
    const end = await stuck.readToEnd();
    ok(end === "reset" || end === "eof", `the stuck socket ended (${end})`);
    console.log(
      `    stalled after ${sent.length} comments of 4 kB (${
        (sent.length * 4.2 / 1024).toFixed(1)
      } MB); peak queue ${t.api.hub.stats().peakQueuedBytes} B`,
    );
    sent.push(...await t.pass(target - sent.length));
    const events = await reading;
    assertEquals(events.map((event) => event.id), sent.map((comment) => comment.seq));
    assertEquals(t.api.hub.stats().closedForStall, 1, "the reading client was never stalled");
    stuck.close();
    await reader.cancel();
  },
);

integrationTest(
  "an overflowed client's socket is really closed and no longer holds a slot",
  async () => {
    await using t = await setup({ API_SSE_CLIENT_BUFFER_BYTES: String(64 * 1024) });
    const stuck = await silentClient(t.port);
    await eventually(() => t.api.hub.stats().clients === 1 || undefined);
    const text = "z".repeat(4_000);
    let total = 0;
    while (t.api.hub.stats().closedForOverflow === 0 && total < 5_000) {
      total += (await t.pass(250, text)).length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await eventually(() => t.api.hub.stats().closedForOverflow === 1 || undefined);
    await eventually(() => t.api.hub.stats().clients === 0 || undefined, 10_000, "slot freed");
    const end = await stuck.readToEnd();
    ok(end === "reset" || end === "eof", `the socket ended (${end})`);
    stuck.close();
  },
);

integrationTest(
  "one address holds at most API_SSE_MAX_CLIENTS_PER_ADDRESS streams; 429 beyond",
  async () => {
    await using t = await setup({ API_SSE_MAX_CLIENTS_PER_ADDRESS: "3" });
    const open = await Promise.all([1, 2, 3].map(() => openStream(t.api.url)));
    const refused = await fetch(`${t.api.url}/api/stream`);
    assertEquals(refused.status, 429);
    ok(refused.headers.get("retry-after"));
    const body = ApiErrorSchema.parse(await refused.json());
    ok(/too many streams from 127\.0\.0\.1 \(limit 3\)/.test(body.error), body.error);
    assertEquals(t.api.hub.stats().refusedPerAddress, 1);
    // Ordinary requests are not limited.
    const statistics = await fetch(`${t.api.url}/api/statistics`);
    assertEquals(statistics.status, 200);
    await statistics.body?.cancel();
    await open[0].cancel();
    await eventually(() => t.api.hub.stats().clients === 2 || undefined);
    const again = await openStream(t.api.url);
    for (const reader of [...open.slice(1), again]) await reader.cancel();
  },
);

integrationTest("after rounds of clients connecting and leaving, no slot stays taken", async () => {
  await using t = await setup({ API_SSE_MAX_CLIENTS_PER_ADDRESS: "500" });
  for (let round = 0; round < 3; round++) {
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => silentClient(t.port)),
    );
    await eventually(() => t.api.hub.stats().clients === 200 || undefined);
    // Half leave at once, half after something was sent to them.
    for (const client of clients.slice(0, 100)) client.close();
    await t.pass(5);
    for (const client of clients.slice(100)) client.close();
    await eventually(
      () => t.api.hub.stats().clients === 0 || undefined,
      10_000,
      `round ${round}: 0 clients`,
    );
    assertEquals(t.api.hub.stats().addresses, 0);
  }
});

integrationTest(
  "a Last-Event-ID ahead of every stored comment starts with event: reset, then streams",
  async () => {
    await using t = await setup();
    const history = await t.pass(5);
    const newest = history.at(-1)!.seq;
    await eventually(() => t.api.sequencer.watermark >= newest || undefined);
    const ahead = newest + 1_000;
    const client = await openStream(t.api.url, { "last-event-id": String(ahead) });
    const live = await t.pass(2);
    const events = await client.next(2);
    assertEquals(client.others, [{
      event: "reset",
      id: String(newest),
      data: { reason: "last_event_id_ahead", lastEventId: ahead, newestSeq: newest },
      after: 0,
    }]);
    assertEquals(events.map((event) => event.id), live.map((comment) => comment.seq));
    await client.cancel();

    // EventSource reconnects with the reset's id: it resumes from there, nothing missed.
    const resumed = await openStream(t.api.url, { "last-event-id": String(newest) });
    assertEquals((await resumed.next(2)).map((event) => event.id), live.map((c) => c.seq));
    assertEquals(resumed.others, []);
    await resumed.cancel();

    // The query form (a first connection from a stored position) behaves the same.
    const byQuery = await fetch(`${t.api.url}/api/sse/comments?lastEventId=${ahead}`);
    const reader = new SseReader(byQuery.body!);
    const more = await t.pass(1);
    assertEquals((await reader.next(1))[0].id, more[0].seq);
    assertEquals(reader.others.map((event) => [event.id, event.data]), [[
      String(live.at(-1)!.seq),
      { reason: "last_event_id_ahead", lastEventId: ahead, newestSeq: live.at(-1)!.seq },
    ]]);
    await reader.cancel();
  },
);

integrationTest(
  "a Last-Event-ID that is not a seq starts with event: reset and streams live",
  async () => {
    await using t = await setup();
    const history = await t.pass(3);
    await eventually(() => t.api.sequencer.watermark >= history.at(-1)!.seq || undefined);
    const client = await openStream(t.api.url, { "last-event-id": "abc" });
    const live = await t.pass(1);
    assertEquals((await client.next(1))[0].id, live[0].seq);
    assertEquals(client.others.map((event) => [event.event, event.id, event.data]), [[
      "reset",
      String(history.at(-1)!.seq),
      { reason: "last_event_id_invalid", lastEventId: "abc", newestSeq: history.at(-1)!.seq },
    ]]);
    await client.cancel();
  },
);

integrationTest("/readyz is 503 with the reason while the stream is not running", async () => {
  await using db = await createTestDatabase();
  const topic = `test-processed-late-${crypto.randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The topic does not exist yet (the broker does not create topics), so no stream can run.
  const starting = startTestApi(
    { databaseUrl: db.url, brokers: infraConfig().kafkaBrokers, topic, port },
  );
  const notReady = await eventually(async () => {
    const response = await fetch(`${url}/readyz`);
    return response.status === 503 ? await response.json() : undefined;
  });
  assertEquals(notReady.checks.stream, "down");
  ok(
    notReady.reasons.some((reason: string) =>
      reason.startsWith("stream: processed-comments reader")
    ),
    notReady.reasons.join("; "),
  );
  assertEquals(notReady.checks.postgres, "ok");
  const admin = testKafka("api-ready-test").admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const api = await starting;
    try {
      await waitUntilReady(url);
      const ready = await (await fetch(`${url}/readyz`)).json();
      assertEquals(ready, {
        status: "ready",
        checks: { postgres: "ok", kafka: "ok", stream: "ok" },
      });
    } finally {
      await api.stop();
    }
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
});

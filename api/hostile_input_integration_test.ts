/**
 * Hostile requests against a real api over real PostgreSQL: whatever a client sends, the answer
 * is never a 5xx (those mean a bug or an outage), and a bad parameter is a 400 naming it. An
 * outage is a 503, never a 500.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  createTestDatabase,
  createTestTopics,
  freePort,
  infraConfig,
  integrationTest,
} from "@sentiment/testkit";
import { envFrom } from "@sentiment/kit/config";
import { createLogger } from "@sentiment/kit/log";
import { encodeCursor } from "./comments_query.ts";
import { readConfig } from "./config.ts";
import { startTestApi, storeComments } from "./test_support.ts";
import { start } from "./service.ts";

const cursor = (key: unknown) =>
  btoa(JSON.stringify(key)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Path and query, as sent on the wire; the parameter a 400 must name, when it must be one. */
const HOSTILE: [string, string | null][] = [
  // NUL and broken encodings, in every parameter that reaches SQL.
  ["/api/comments?q=%00", "q"],
  ["/api/comments?q=a%00b", "q"],
  ["/api/comments?source=%00", "source"],
  ["/api/comments?tag=%00", "tag"],
  ["/api/comments?from=%00", "from"],
  ["/api/comments?cursor=%00", "cursor"],
  ["/api/comments?limit=%00", "limit"],
  // Decoded as U+FFFD (harmless), but no word of three letters the search index could use.
  ["/api/comments?q=%ED%A0%80", "q"],
  ["/api/comments?q=%", "q"],
  ["/api/comments?q=%zz%E0%A4%A", "q"],
  ["/api/comments?q=%ED%A0%80abc", null],
  ["/api/comments?q=%zzz%E0%A4%A", null],
  ["/api/comments?%00=1", "\u0000"],
  ["/api/comments?=1", ""],
  // Huge values and wrong types.
  [`/api/comments?q=${"x".repeat(10_000)}`, "q"],
  [`/api/comments?source=${"s".repeat(65)}`, "source"],
  ["/api/comments?source=%20%20", "source"],
  ["/api/comments?limit=99999999999999999999", "limit"],
  ["/api/comments?limit=1e3", "limit"],
  ["/api/comments?limit=2.5", "limit"],
  ["/api/comments?tag=positive", "tag"],
  ["/api/comments?tag[]=POSITIVE", "tag[]"],
  ["/api/comments?from=0000-01-01T00:00:00Z", "from"],
  ["/api/comments?from=2026-02-30T00:00:00Z", "from"],
  ["/api/comments?to=2026-01-01T25:00:00Z", "to"],
  ["/api/comments?from=9999-12-31T23:59:59.999999999Z", null],
  ["/api/comments?from=0001-01-01T00:00:00%2B14:59", "from"],
  ["/api/comments?from=0001-01-01T00:00:00-14:59", null],
  ["/api/comments?to=9999-12-31T23:59:59-23:59", "to"],
  [`/api/comments?cursor=${"A".repeat(501)}`, "cursor"],
  ["/api/comments?cursor=!!!!", "cursor"],
  [`/api/comments?cursor=${cursor({ t: "0000-01-01T00:00:00Z", id: "a" })}`, "cursor"],
  [`/api/comments?cursor=${cursor({ t: "2026-01-01T00:00:00Z", id: "a b" })}`, "cursor"],
  [`/api/comments?cursor=${cursor({ t: "2026-01-01T00:00:00Z", id: 7 })}`, "cursor"],
  [`/api/comments?cursor=${cursor(["t", "id"])}`, "cursor"],
  [`/api/comments?cursor=${encodeCursor({ t: "2026-01-01T00:00:00Z", id: "yt:Ugz-1.a_b" })}`, null],
  ["/api/comments?language=%00", "language"],
  ["/api/comments?language=DE", "language"],
  ["/api/comments?language=d", "language"],
  [`/api/comments?language=${"x".repeat(300)}`, "language"],
  ["/api/comments?language=de&language=fr", "language"],
  ["/api/comments?language=und", null],
  // Repeated parameters.
  ["/api/comments?tag=POSITIVE&tag=NEGATIVE", "tag"],
  ["/api/comments?q=a&q=a", "q"],
  ["/api/statistics?x=%00", "x"],
  ["/api/statistics?x=1&x=2", "x"],
  // Comment ids.
  ["/api/comments/%00", "commentId"],
  [`/api/comments/${"a".repeat(129)}`, "commentId"],
  ["/api/comments/%F0%9F%98%80", "commentId"],
  ["/api/comments/..%2F..%2Fetc%2Fpasswd", "commentId"],
  ["/api/comments/not-a-uuid", null],
  ["/api/comments/1864123456789012345", null],
  ["/api/comments/00000000-0000-4000-8000-00000000000A", null],
  ["/api/comments/00000000-0000-4000-8000-000000000001?x=1", "x"],
  // Stream positions never fail; other stream parameters do.
  ["/api/stream?lastEventId=%00", null],
  ["/api/stream?lastEventId=%ED%A0%80", null],
  [`/api/stream?lastEventId=${"9".repeat(400)}`, null],
  ["/api/stream?lastEventId=1&lastEventId=2", "lastEventId"],
  ["/api/stream?since=1", "since"],
  // Paths.
  ["/%", null],
  ["/%E0%A4%A", null],
  ["/api/%00", null],
  [`/${"x".repeat(8_000)}`, null],
];

integrationTest("no hostile request gets a 5xx; bad parameters get a 400 naming them", async () => {
  await using db = await createTestDatabase();
  const topics = await createTestTopics(1);
  await storeComments(db.sql, Array.from({ length: 20 }, () => ({})));
  const port = await freePort();
  const api = await startTestApi({
    databaseUrl: db.url,
    brokers: infraConfig().kafkaBrokers,
    topic: topics.processed,
    port,
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    for (const [target, parameter] of HOSTILE) {
      const response = await fetch(`${url}${target}`);
      const label = `${target.slice(0, 80)} → ${response.status}`;
      ok(response.status < 500, label);
      if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
        await response.body?.cancel();
        assertEquals(response.status, 200, label);
        continue;
      }
      const body = await response.json();
      if (parameter !== null) {
        assertEquals([response.status, body.parameter], [400, parameter], label);
      } else {
        ok([200, 404].includes(response.status), `${label}: ${JSON.stringify(body)}`);
      }
    }

    // Hostile headers, and request lines fetch() would not send.
    const headers: HeadersInit[] = [
      { "last-event-id": "\u00ff\u00fe" },
      { "last-event-id": "1".repeat(10_000) },
      { "x-forwarded-for": "\u00ff, 1.2.3.4" },
      { origin: "null" },
    ];
    for (const header of headers) {
      const response = await fetch(`${url}/api/stream`, { headers: header });
      assertEquals(response.status, 200, JSON.stringify(header).slice(0, 80));
      await response.body?.cancel();
    }
    for (
      const raw of [
        "GET /api/comments?q=\u0001 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://elsewhere.example/api/comments HTTP/1.1\r\nHost: x\r\n\r\n",
        "TRACE /api/comments HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /api/comments HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "GET /api/comments HTTP/1.1\r\nHost: x\r\nX-Long: " + "h".repeat(20_000) + "\r\n\r\n",
        "BREW /api/comments HTCPCP/1.0\r\n\r\n",
      ]
    ) {
      const status = await rawStatus(port, raw);
      ok(status === null || status < 500, `${JSON.stringify(raw.slice(0, 40))} → ${status}`);
    }
    // And the api still answers.
    assertEquals((await fetch(`${url}/api/comments?limit=1`)).status, 200);
  } finally {
    await api.stop();
    await db.drop();
  }
});

/** Sends raw bytes and reads the status code of the answer (null: the server closed). */
async function rawStatus(port: number, request: string): Promise<number | null> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    if (n === null) return null;
    const line = new TextDecoder().decode(buffer.subarray(0, n)).split("\r\n")[0];
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(line);
    return status ? Number(status[1]) : null;
  } catch {
    return null;
  } finally {
    conn.close();
  }
}

integrationTest(
  "with PostgreSQL unreachable, queries answer 503 and /readyz says why",
  async () => {
    const topics = await createTestTopics(1);
    const port = await freePort();
    const nowhere = await freePort();
    const config = readConfig(envFrom({
      API_PORT: String(port),
      DATABASE_URL: `postgres://sentiment:sentiment@127.0.0.1:${nowhere}/sentiment`,
      KAFKA_BROKERS: infraConfig().kafkaBrokers.join(","),
      KAFKA_TOPIC_PROCESSED: topics.processed,
    }));
    const api = await start(config, createLogger("api", "error", () => {}));
    try {
      const url = `http://127.0.0.1:${port}`;
      for (const path of ["/api/comments", "/api/comments/abc", "/api/statistics"]) {
        const response = await fetch(`${url}${path}`);
        assertEquals(response.status, 503, path);
        ok(response.headers.get("retry-after"), path);
        assertEquals(await response.json(), {
          error: "the database is unavailable; retry shortly",
        });
      }
      const ready = await fetch(`${url}/readyz`);
      assertEquals(ready.status, 503);
      const body = await ready.json();
      assertEquals([body.checks.postgres, body.checks.stream], ["down", "down"]);
      ok(
        body.reasons.some((reason: string) => /^postgres: .*ECONNREFUSED/.test(reason)),
        body.reasons.join("; "),
      );
      const stream = await fetch(`${url}/api/stream`);
      assertEquals(stream.status, 503, "the stream cannot start without PostgreSQL");
      await stream.body?.cancel();
    } finally {
      await api.stop();
    }
  },
);

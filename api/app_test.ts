import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ApiErrorSchema, StatisticsSchema } from "@sentiment/contracts/api";
import { type AppDeps, createApp } from "./app.ts";
import type { CommentsFilter } from "./comments_query.ts";
import { decodeCursor, encodeCursor, likePattern } from "./comments_query.ts";
import { SseConnection } from "./sse.ts";
import type { ConnectRequest, ConnectResult } from "./stream_hub.ts";
import { comment, quietLog, readEvents } from "./test_fakes.ts";

function app(overrides: Partial<AppDeps> = {}) {
  const filters: CommentsFilter[] = [];
  const handler = createApp({
    comments: {
      page: (filter) => {
        filters.push(filter);
        return Promise.resolve({ items: [comment(2), comment(1)], nextCursor: null });
      },
      byId: (id) => Promise.resolve(id === comment(1).commentId ? comment(1) : null),
    },
    statistics: () =>
      Promise.resolve({
        counts: [
          { tag: "POSITIVE", source: "twitter", count: 3 },
          { tag: "NEGATIVE", source: "reddit", count: 2 },
        ],
        counters: {
          duplicates_discarded: 4,
          dead_lettered: 1,
          retry_attempts: 9,
          retried_comments: 2,
        },
        lastMinute: 5,
        asOf: new Date("2026-01-01T00:00:00Z"),
      }),
    stream: {
      watermark: 10,
      connect: () => ({ connection: new SseConnection({ bufferBytes: 4096 }) }),
    },
    streamStarted: () => Promise.resolve(true),
    newestStored: () => Promise.resolve(20),
    probes: { postgres: () => Promise.resolve(true), kafka: () => Promise.resolve(true) },
    corsOrigins: ["http://localhost:3000"],
    log: quietLog,
    ...overrides,
  });
  const get = (path: string, headers: HeadersInit = {}) =>
    handler(new Request(`http://api.test${path}`, { headers }));
  return { get, handler, filters };
}

async function expectBadParameter(response: Response, parameter: string) {
  const body = ApiErrorSchema.parse(await response.json());
  assertEquals([response.status, body.parameter], [400, parameter], JSON.stringify(body));
}

Deno.test("every bad /api/comments parameter gets a 400 naming it", async () => {
  const { get } = app();
  const cases: [string, string][] = [
    ["tag=HAPPY", "tag"],
    ["source=", "source"],
    ["source=%20", "source"],
    [`source=${"s".repeat(65)}`, "source"],
    ["source=a%00", "source"],
    ["q=%00", "q"],
    ["from=0000-06-01T00:00:00Z", "from"],
    ["language=", "language"],
    ["language=EN", "language"],
    ["language=e", "language"],
    ["language=engl", "language"],
    ["language=e1", "language"],
    ["from=yesterday", "from"],
    ["to=2026-13-01T00:00:00Z", "to"],
    ["from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"],
    ["q=", "q"],
    [`q=${"x".repeat(201)}`, "q"],
    // No word of three letters or digits: the trigram index could not narrow the search.
    ["q=ab", "q"],
    ["q=a%20b%20c", "q"],
    ["q=%25%25%25", "q"],
    ["q=10%2F10", "q"],
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=ten", "limit"],
    ["limit=-1", "limit"],
    ["cursor=not-a-cursor", "cursor"],
    [`cursor=${btoa(JSON.stringify({ t: "x", id: "y" }))}`, "cursor"],
    ["color=red", "color"],
    ["tag=POSITIVE&tag=NEGATIVE", "tag"],
  ];
  for (const [query, parameter] of cases) {
    await expectBadParameter(await get(`/api/comments?${query}`), parameter);
  }
});

Deno.test("good /api/comments parameters reach the reader parsed", async () => {
  const { get, filters } = app();
  const cursor = encodeCursor({ t: "2026-01-01T00:00:00.123456Z", id: comment(1).commentId });
  const response = await get(
    `/api/comments?tag=NEGATIVE&source=reddit&language=es&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00%2B01:00&q=100%25&limit=20&cursor=${cursor}`,
  );
  assertEquals(response.status, 200);
  assertEquals((await response.json()).items.length, 2);
  assertEquals(filters[0], {
    tag: "NEGATIVE",
    source: "reddit",
    language: "es",
    from: "2026-01-01T00:00:00Z",
    to: "2026-02-01T00:00:00+01:00",
    q: "100%",
    limit: 20,
    after: { t: "2026-01-01T00:00:00.123456Z", id: comment(1).commentId },
  });
  await get("/api/comments");
  assertEquals(filters[1].limit, 50);
  for (const language of ["de", "und", "deu"]) {
    assertEquals((await get(`/api/comments?language=${language}`)).status, 200, language);
    assertEquals(filters.at(-1)!.language, language);
  }
  // A word of three letters in any script is enough; what else q holds is searched for as is.
  for (const q of ["çok", "Straße", "ÜBER", "a 100", "@u123"]) {
    assertEquals((await get(`/api/comments?q=${encodeURIComponent(q)}`)).status, 200, q);
    assertEquals(filters.at(-1)!.q, q);
  }
  // Any source, not only the six known ones, in the form the consumer stores it.
  for (const [sent, expected] of [["trustpilot", "trustpilot"], ["%20LinkedIn%20", "linkedin"]]) {
    assertEquals((await get(`/api/comments?source=${sent}`)).status, 200, sent);
    assertEquals(filters.at(-1)!.source, expected);
  }
});

Deno.test("cursors round-trip and LIKE wildcards in q match literally", () => {
  const key = { t: "2026-01-01T00:00:00.000001Z", id: comment(7).commentId };
  assertEquals(decodeCursor(encodeCursor(key)), key);
  assertEquals(likePattern("50%_off\\"), "%50\\%\\_off\\\\%");
});

Deno.test("/api/comments/:commentId: 200, 404 JSON when absent, 400 for an id no comment has", async () => {
  const asked: string[] = [];
  const { get } = app({
    comments: {
      page: () => Promise.resolve({ items: [], nextCursor: null }),
      byId: (id) => {
        asked.push(id);
        return Promise.resolve(id === comment(1).commentId ? comment(1) : null);
      },
    },
  });
  const found = await get(`/api/comments/${comment(1).commentId}`);
  assertEquals([found.status, (await found.json()).seq], [200, 1]);
  const absent = await get(`/api/comments/${comment(9).commentId}`);
  assertEquals(absent.status, 404);
  ApiErrorSchema.parse(await absent.json());
  // Any id of the message policy is looked up: platform ids as sent, UUIDs in lower case.
  for (
    const id of ["1864123456789012345", "UgzDE2tasfmrYLyNkGt4AaABAg", "yt:a.b_c-d", "x".repeat(128)]
  ) {
    assertEquals((await get(`/api/comments/${id}`)).status, 404, id);
  }
  assertEquals((await get(`/api/comments/${comment(1).commentId.toUpperCase()}`)).status, 200);
  assertEquals(asked.slice(2, 6), [
    "1864123456789012345",
    "UgzDE2tasfmrYLyNkGt4AaABAg",
    "yt:a.b_c-d",
    "x".repeat(128),
  ]);
  for (const id of ["x".repeat(129), "a%20b", "a%2Fb", "%C3%A9"]) {
    await expectBadParameter(await get(`/api/comments/${id}`), "commentId");
  }
});

Deno.test("/api/statistics folds the counters into the proto shape", async () => {
  const { get } = app();
  const response = await get("/api/statistics");
  const body = StatisticsSchema.parse(await response.json());
  assertEquals(body.total, 5);
  assertEquals(body.byTag.POSITIVE, 3);
  assertEquals(body.bySource.reddit, 2);
  assertEquals(body.byTag.UNRELATED, 0);
  assertEquals(
    [body.duplicatesDiscarded, body.deadLettered, body.retried, body.lastMinute],
    [4, 1, 2, 5],
  );
  await expectBadParameter(await get("/api/statistics?x=1"), "x");
});

Deno.test("unknown routes and methods get JSON errors; failures leak no stack", async () => {
  const { get, handler } = app({
    statistics: () => Promise.reject(new Error("password=secret at /srv/db.ts:12")),
  });
  const missing = await get("/nope");
  assertEquals(missing.status, 404);
  ok(missing.headers.get("content-type")?.startsWith("application/json"));
  ApiErrorSchema.parse(await missing.json());
  const post = await handler(new Request("http://api.test/api/comments", { method: "POST" }));
  assertEquals(post.status, 405);
  await post.body?.cancel();
  const failed = await get("/api/statistics");
  assertEquals(failed.status, 500);
  assertEquals(await failed.json(), { error: "internal error" });
});

Deno.test("an unavailable database is a 503 with Retry-After, a failing query a 500", async () => {
  const failing = (code: string) =>
    app({
      statistics: () => Promise.reject(Object.assign(new Error(`failed: ${code}`), { code })),
    }).get("/api/statistics");
  for (const code of ["ECONNREFUSED", "CONNECT_TIMEOUT", "CONNECTION_ENDED", "57P01", "53300"]) {
    const response = await failing(code);
    assertEquals(response.status, 503, code);
    ok(response.headers.get("retry-after"), code);
    assertEquals(await response.json(), { error: "the database is unavailable; retry shortly" });
  }
  for (const code of ["42P01", "22021"]) {
    const response = await failing(code);
    assertEquals(response.status, 500, code);
    await response.body?.cancel();
  }
});

Deno.test("CORS only for configured origins; security headers everywhere", async () => {
  const { get, handler } = app();
  const allowed = await get("/healthz", { origin: "http://localhost:3000" });
  assertEquals(allowed.headers.get("access-control-allow-origin"), "http://localhost:3000");
  assertEquals(allowed.headers.get("x-content-type-options"), "nosniff");
  ok(allowed.headers.get("content-security-policy")?.includes("default-src 'none'"));
  await allowed.body?.cancel();
  const other = await get("/healthz", { origin: "http://evil.example" });
  assertEquals(other.headers.get("access-control-allow-origin"), null);
  await other.body?.cancel();
  const preflight = await handler(
    new Request("http://api.test/api/stream", {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:3000",
        "access-control-request-headers": "last-event-id",
      },
    }),
  );
  assertEquals(preflight.status, 204);
  ok(preflight.headers.get("access-control-allow-headers")?.includes("last-event-id"));
});

Deno.test("/readyz reports each dependency, and why one is down", async () => {
  const { get } = app({
    probes: {
      postgres: () => Promise.resolve(true),
      kafka: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:9092")),
      stream: () => Promise.resolve("processed-comments reader crashed: boom"),
      cache: () => Promise.resolve(false),
    },
  });
  const response = await get("/readyz");
  assertEquals(response.status, 503);
  assertEquals(await response.json(), {
    status: "not ready",
    checks: { postgres: "ok", kafka: "down", stream: "down", cache: "down" },
    reasons: [
      "kafka: connect ECONNREFUSED 127.0.0.1:9092",
      "stream: processed-comments reader crashed: boom",
      "cache: down",
    ],
  });
  const { get: healthy } = app({ probes: { postgres: () => Promise.resolve(true) } });
  const ready = await healthy("/readyz");
  assertEquals([ready.status, await ready.json()], [200, {
    status: "ready",
    checks: { postgres: "ok" },
  }]);
});

Deno.test("/api/stream: SSE headers; resume position from header or query", async () => {
  const requests: ConnectRequest[] = [];
  const { handler } = app({
    stream: {
      watermark: 10,
      connect: (request) => {
        requests.push(request);
        const connection = new SseConnection({ bufferBytes: 4096 });
        connection.push(new TextEncoder().encode("event: comment\nid: 8\ndata: {}\n\n"));
        return { connection };
      },
    },
  });
  const get = (path: string, headers: HeadersInit = {}) =>
    handler(new Request(`http://api.test${path}`, { headers }), { remoteAddress: "10.0.0.7" });
  const response = await get("/api/stream", { "last-event-id": "7" });
  assertEquals(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assertEquals((await readEvents(response.body!, 1))[0].id, 8);
  await (await get("/api/sse/comments?lastEventId=12")).body?.cancel();
  await (await get("/api/stream")).body?.cancel();
  // Header wins over the query; above H but stored (another instance was faster): resumed.
  await (await get("/api/stream?lastEventId=3", { "last-event-id": "15" })).body?.cancel();
  assertEquals(requests.map((request) => request.after), [7, 12, null, 15]);
  assertEquals(requests.map((request) => request.reset), [
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(requests[0].address, "10.0.0.7");
});

Deno.test("/api/stream: an id ahead of every stored comment or not a seq starts with a reset", async () => {
  const requests: ConnectRequest[] = [];
  const { get } = app({
    stream: {
      watermark: 10,
      connect: (request) => {
        requests.push(request);
        return { connection: new SseConnection({ bufferBytes: 4096 }) };
      },
    },
    newestStored: () => Promise.resolve(20),
  });
  const cases: [HeadersInit, string, ConnectRequest["reset"], number | null][] = [
    [{ "last-event-id": "21" }, "", { reason: "last_event_id_ahead", lastEventId: 21 }, 20],
    [{}, "?lastEventId=999999", { reason: "last_event_id_ahead", lastEventId: 999999 }, 20],
    [{ "last-event-id": "abc" }, "", { reason: "last_event_id_invalid", lastEventId: "abc" }, null],
    [{}, "?lastEventId=-3", { reason: "last_event_id_invalid", lastEventId: "-3" }, null],
    [{}, "?lastEventId=1.5", { reason: "last_event_id_invalid", lastEventId: "1.5" }, null],
    [
      {},
      `?lastEventId=${"9".repeat(16)}`,
      { reason: "last_event_id_invalid", lastEventId: "9".repeat(16) },
      null,
    ],
    [
      {},
      `?lastEventId=${"x".repeat(500)}`,
      { reason: "last_event_id_invalid", lastEventId: "x".repeat(64) },
      null,
    ],
  ];
  for (const [headers, query, reset, after] of cases) {
    const response = await get(`/api/stream${query}`, headers);
    assertEquals(response.status, 200, JSON.stringify(headers) + query);
    await response.body?.cancel();
    const request = requests.pop()!;
    assertEquals([request.after, request.reset], [after, reset], JSON.stringify(headers) + query);
  }
});

Deno.test("/api/stream: malformed queries get a 400; an unreadable database a 503", async () => {
  const { get } = app({ newestStored: () => Promise.reject(new Error("connection refused")) });
  await expectBadParameter(await get("/api/stream?since=3"), "since");
  await expectBadParameter(await get("/api/stream?lastEventId=1&lastEventId=2"), "lastEventId");
  const response = await get("/api/stream", { "last-event-id": "11" });
  assertEquals(response.status, 503);
  ok(response.headers.get("retry-after"));
  await response.body?.cancel();
});

Deno.test("/api/stream: 503 when full or not started, 429 when the address holds its limit", async () => {
  const refusals: [ConnectResult, number, RegExp][] = [
    [{ refused: "not_started" }, 503, /starting/],
    [{ refused: "full", limit: 5000 }, 503, /too many stream clients \(limit 5000\)/],
    [{ refused: "address_full", limit: 50 }, 429, /too many streams from 10\.1\.2\.3 \(limit 50\)/],
  ];
  for (const [result, status, message] of refusals) {
    const { handler } = app({ stream: { watermark: 0, connect: () => result } });
    const response = await handler(new Request("http://api.test/api/stream"), {
      remoteAddress: "10.1.2.3",
    });
    assertEquals(response.status, status);
    ok(response.headers.get("retry-after"));
    const body = ApiErrorSchema.parse(await response.json());
    ok(message.test(body.error), body.error);
  }
});

Deno.test("the stream limit counts the client behind a trusted proxy, not the proxy", async () => {
  const addresses: string[] = [];
  const { handler } = app({
    stream: {
      watermark: 0,
      connect: (request) => {
        addresses.push(request.address);
        return { connection: new SseConnection({ bufferBytes: 4096 }) };
      },
    },
    trustedProxies: ["127.0.0.1"],
  });
  const open = async (peer: string, forwardedFor?: string) => {
    const headers: HeadersInit = forwardedFor ? { "x-forwarded-for": forwardedFor } : {};
    const response = await handler(new Request("http://api.test/api/stream", { headers }), {
      remoteAddress: peer,
    });
    await response.body?.cancel();
  };
  await open("::ffff:127.0.0.1", "203.0.113.9");
  await open("127.0.0.1", "198.51.100.1, 203.0.113.10");
  await open("127.0.0.1", "not-an-address");
  await open("127.0.0.1");
  await open("192.0.2.5", "203.0.113.9"); // not a trusted peer: its header is ignored
  assertEquals(addresses, ["203.0.113.9", "203.0.113.10", "127.0.0.1", "127.0.0.1", "192.0.2.5"]);
});

Deno.test("statistics count any source, even one named like an object key", async () => {
  const { get } = app({
    statistics: () =>
      Promise.resolve({
        counts: [
          { tag: "POSITIVE", source: "twitter", count: 3 },
          { tag: "NEGATIVE", source: "trustpilot", count: 2 },
          { tag: "NEUTRAL", source: "__proto__", count: 1 },
          { tag: "toString", source: "constructor", count: 1 },
        ],
        counters: {},
        lastMinute: 0,
        asOf: new Date("2026-01-01T00:00:00Z"),
      }),
  });
  const response = await get("/api/statistics");
  assertEquals(response.status, 200);
  const body = await response.json();
  assertEquals(body.total, 7);
  assertEquals([body.bySource.twitter, body.bySource.reddit], [3, 0]);
  assertEquals(body.bySource.trustpilot, 2);
  assertEquals(body.bySource.constructor, 1);
  // zod's record leaves "__proto__" out of the body; it still counts in the total, harmlessly.
  assertEquals(Object.getPrototypeOf(body.bySource), Object.prototype);
  assertEquals(Object.getPrototypeOf(body.byTag), Object.prototype);
  assertEquals(body.byTag.NEUTRAL, 1);
});

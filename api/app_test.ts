import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ApiErrorSchema, StatisticsSchema } from "@sentiment/proto/api";
import { type AppDeps, createApp } from "./app.ts";
import type { CommentsFilter } from "./comments_query.ts";
import { decodeCursor, encodeCursor, likePattern } from "./comments_query.ts";
import { SseConnection } from "./sse.ts";
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
    stream: { connect: () => new SseConnection({ bufferBytes: 4096 }) },
    streamStarted: () => Promise.resolve(true),
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
    [`source=${"s".repeat(65)}`, "source"],
    ["from=yesterday", "from"],
    ["to=2026-13-01T00:00:00Z", "to"],
    ["from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"],
    ["q=", "q"],
    [`q=${"x".repeat(201)}`, "q"],
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
    `/api/comments?tag=NEGATIVE&source=reddit&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00%2B01:00&q=100%25&limit=20&cursor=${cursor}`,
  );
  assertEquals(response.status, 200);
  assertEquals((await response.json()).items.length, 2);
  assertEquals(filters[0], {
    tag: "NEGATIVE",
    source: "reddit",
    from: "2026-01-01T00:00:00Z",
    to: "2026-02-01T00:00:00+01:00",
    q: "100%",
    limit: 20,
    after: { t: "2026-01-01T00:00:00.123456Z", id: comment(1).commentId },
  });
  await get("/api/comments");
  assertEquals(filters[1].limit, 50);
});

Deno.test("cursors round-trip and LIKE wildcards in q match literally", () => {
  const key = { t: "2026-01-01T00:00:00.000001Z", id: comment(7).commentId };
  assertEquals(decodeCursor(encodeCursor(key)), key);
  assertEquals(likePattern("50%_off\\"), "%50\\%\\_off\\\\%");
});

Deno.test("/api/comments/:commentId: 200, 404 JSON when absent, 400 for a non-UUID", async () => {
  const { get } = app();
  const found = await get(`/api/comments/${comment(1).commentId}`);
  assertEquals([found.status, (await found.json()).seq], [200, 1]);
  const absent = await get(`/api/comments/${comment(9).commentId}`);
  assertEquals(absent.status, 404);
  ApiErrorSchema.parse(await absent.json());
  await expectBadParameter(await get("/api/comments/not-a-uuid"), "commentId");
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

Deno.test("/readyz reports each dependency", async () => {
  const { get } = app({
    probes: { postgres: () => Promise.resolve(true), kafka: () => Promise.reject(new Error("x")) },
  });
  const response = await get("/readyz");
  assertEquals(response.status, 503);
  assertEquals((await response.json()).checks, { postgres: "ok", kafka: "down" });
});

Deno.test("/api/stream: SSE headers, resume position from header or query, 400 when bad", async () => {
  const positions: (number | null)[] = [];
  const { get } = app({
    stream: {
      connect: (position) => {
        positions.push(position);
        const connection = new SseConnection({ bufferBytes: 4096 });
        connection.push(new TextEncoder().encode("event: comment\nid: 8\ndata: {}\n\n"));
        return connection;
      },
    },
  });
  const response = await get("/api/stream", { "last-event-id": "7" });
  assertEquals(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assertEquals((await readEvents(response.body!, 1))[0].id, 8);
  await (await get("/api/sse/comments?lastEventId=12")).body?.cancel();
  await (await get("/api/stream")).body?.cancel();
  assertEquals(positions, [7, 12, null]);
  await expectBadParameter(await get("/api/stream", { "last-event-id": "abc" }), "Last-Event-ID");
  await expectBadParameter(await get("/api/stream?lastEventId=-3"), "lastEventId");
  await expectBadParameter(await get("/api/stream?since=3"), "since");
});

Deno.test("/api/stream answers 503 when the stream cannot take the client", async () => {
  const { get } = app({ stream: { connect: () => null } });
  const response = await get("/api/stream");
  assertEquals(response.status, 503);
  ok(response.headers.get("retry-after"));
  await response.body?.cancel();
});

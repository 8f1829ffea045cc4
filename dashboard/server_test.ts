import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createLogger } from "@sentiment/proto/log";
import { createHandler } from "./server.tsx";
import { readConfig } from "./config.ts";
import { envFrom } from "@sentiment/proto/config";

const logger = createLogger("dashboard", "error", () => {});

async function withUpstream(
  handler: (request: Request) => Response,
  fn: (url: string) => Promise<void>,
) {
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: (a) => resolve(a.port) },
    handler,
  );
  try {
    await fn(`http://127.0.0.1:${await promise}`);
  } finally {
    await server.shutdown();
  }
}

Deno.test("the page is rendered on the server with every island marked", async () => {
  const handle = createHandler({
    config: { apiUrl: "http://127.0.0.1:1", apiToken: null, maxComments: 1234 },
    logger,
  });
  const response = await handle(new Request("http://x/"));
  assertEquals(response.status, 200);
  const html = await response.text();
  ok(html.startsWith("<!DOCTYPE html>"));
  ok(html.includes('data-max-comments="1234"'));
  for (
    const island of [
      "StatusBar",
      "TagCards",
      "SourceShare",
      "SentimentChart",
      "ServerTotals",
      "LiveFeed",
      "Diagnostics",
    ]
  ) {
    ok(html.includes(`data-island="${island}"`), island);
  }
  const health = await handle(new Request("http://x/healthz"));
  assertEquals((await health.json()).status, "ok");
  assertEquals((await handle(new Request("http://x/../deno.json"))).status, 404);
  assertEquals(
    (await handle(new Request("http://x/styles.css"))).headers.get("content-type"),
    "text/css; charset=utf-8",
  );
});

Deno.test("/api is proxied with the bearer token and Last-Event-ID; 502 when the api is down", async () => {
  const seen: { url: string; headers: Headers }[] = [];
  await withUpstream((request) => {
    seen.push({ url: request.url, headers: new Headers(request.headers) });
    return Response.json({ ok: true });
  }, async (apiUrl) => {
    const handle = createHandler({
      config: { apiUrl, apiToken: "s3cret", maxComments: 10 },
      logger,
    });
    const response = await handle(
      new Request("http://x/api/comments?tag=POSITIVE&limit=5", {
        headers: { "last-event-id": "7" },
      }),
    );
    assertEquals(await response.json(), { ok: true });
    const upstream = seen[0];
    assertEquals(
      new URL(upstream.url).pathname + new URL(upstream.url).search,
      "/api/comments?tag=POSITIVE&limit=5",
    );
    assertEquals(upstream.headers.get("authorization"), "Bearer s3cret");
    assertEquals(upstream.headers.get("last-event-id"), "7");
    assertEquals(
      (await handle(new Request("http://x/api/comments", { method: "POST" }))).status,
      405,
    );
  });
  const down = createHandler({
    config: { apiUrl: "http://127.0.0.1:1", apiToken: null, maxComments: 10 },
    logger,
  });
  const response = await down(new Request("http://x/api/statistics"));
  assertEquals(response.status, 502);
  assertEquals((await response.json()).error, "the api is unreachable");
});

Deno.test("configuration defaults and bad values", () => {
  const config = readConfig(envFrom({}));
  assertEquals(config, {
    host: "127.0.0.1",
    port: 3000,
    apiUrl: "http://127.0.0.1:3001",
    apiToken: null,
    maxComments: 5_000,
    logLevel: "info",
  });
  for (
    const [name, value] of [["DASHBOARD_PORT", "70000"], ["API_URL", "ftp://x"], [
      "DASHBOARD_MAX_COMMENTS",
      "0",
    ], ["LOG_LEVEL", "loud"]]
  ) {
    let message = "";
    try {
      readConfig(envFrom({ [name]: value }));
    } catch (error) {
      message = (error as Error).message;
    }
    ok(message.startsWith(`${name}:`), `${name}=${value}: ${message}`);
  }
});

import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ConfigError, envFrom } from "@sentiment/kit/config";
import { bearerAuth } from "./auth.ts";
import { readConfig } from "./config.ts";

const request = (path: string, headers: HeadersInit = {}, method = "GET") =>
  new Request(`http://api.test${path}`, { headers, method });

Deno.test("without a token every request goes through", () => {
  const check = bearerAuth(null);
  assertEquals(check(request("/api/statistics"), "/api/statistics"), null);
});

Deno.test("with a token: health and preflight open, the rest needs the exact bearer token", async () => {
  const check = bearerAuth("correct-horse-battery");
  assertEquals(check(request("/healthz"), "/healthz"), null);
  assertEquals(check(request("/readyz"), "/readyz"), null);
  assertEquals(check(request("/api/stream", {}, "OPTIONS"), "/api/stream"), null);
  assertEquals(
    check(request("/metrics", { authorization: "Bearer correct-horse-battery" }), "/metrics"),
    null,
  );
  assertEquals(
    check(request("/metrics", { authorization: "bearer  correct-horse-battery" }), "/metrics"),
    null,
  );
  for (
    const authorization of [
      undefined,
      "",
      "Bearer",
      "Bearer correct-horse-batter",
      "Bearer correct-horse-battery2",
      "Basic correct-horse-battery",
      "Bearer correct-horse-battery extra",
    ]
  ) {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    const refused = check(request("/api/comments", headers), "/api/comments");
    assertEquals(refused?.status, 401, String(authorization));
    assertEquals(refused?.headers.get("www-authenticate"), 'Bearer realm="api"');
    assertEquals(await refused?.json(), { error: "unauthorized" });
  }
});

Deno.test("API_TOKEN is optional and must be header-safe", () => {
  assertEquals(readConfig(envFrom({})).apiToken, null);
  assertEquals(readConfig(envFrom({ API_TOKEN: "abc" })).apiToken, "abc");
  throws(
    () => readConfig(envFrom({ API_TOKEN: "has space" })),
    (error) => error instanceof ConfigError && error.variable === "API_TOKEN",
  );
});

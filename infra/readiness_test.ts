import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { describeReadiness, readReadiness } from "./readiness.ts";

Deno.test("the consumer's first /readyz shape: degraded names each dependency down", () => {
  const body = {
    ready: false,
    stopping: false,
    down: [
      { dependency: "postgres", since: "2026-12-02T12:00:01Z", error: "ECONNREFUSED" },
      { dependency: "redis", since: "2026-12-02T12:00:03Z", error: "" },
    ],
  };
  assertEquals(describeReadiness(503, body), {
    ready: false,
    text: "degraded: postgres down since 2026-12-02T12:00:01Z (ECONNREFUSED); " +
      "redis down since 2026-12-02T12:00:03Z",
  });
});

Deno.test("the consumer's first shape: stopping, not yet in the group, and ready", () => {
  assertEquals(describeReadiness(503, { ready: true, stopping: true, down: [] }), {
    ready: false,
    text: "stopping",
  });
  assertEquals(describeReadiness(503, { ready: false, stopping: false, down: [] }), {
    ready: false,
    text: "starting: not in the consumer group yet",
  });
  assertEquals(describeReadiness(200, { ready: true, stopping: false, down: [] }), {
    ready: true,
    text: "ready",
  });
});

Deno.test("the newer {status, reasons} shape is printed as it is; only 'ready' is ready", () => {
  assertEquals(
    describeReadiness(503, { status: "paused", reasons: ["postgres down since 12:00:01"] }),
    { ready: false, text: "paused: postgres down since 12:00:01" },
  );
  // A service may answer 200 while degraded; status still says it is not fully ready.
  assertEquals(describeReadiness(200, { status: "degraded", reasons: ["sentiment slow"] }), {
    ready: false,
    text: "degraded: sentiment slow",
  });
  assertEquals(describeReadiness(200, { status: "ready", reasons: [] }), {
    ready: true,
    text: "ready",
  });
  assertEquals(describeReadiness(503, { status: "ready" }), {
    ready: false,
    text: "not ready (HTTP 503)",
  });
});

Deno.test("the api's {status, checks}: the checks that are not ok are the reasons", () => {
  assertEquals(
    describeReadiness(503, { status: "not ready", checks: { kafka: "ok", postgres: "down" } }),
    { ready: false, text: "not ready: postgres down" },
  );
  assertEquals(describeReadiness(200, { status: "ready", checks: { kafka: "ok" } }), {
    ready: true,
    text: "ready",
  });
});

Deno.test("a body that is not JSON is judged by the HTTP status alone", () => {
  assertEquals(describeReadiness(200, undefined), { ready: true, text: "ready" });
  assertEquals(describeReadiness(500, undefined), {
    ready: false,
    text: "not ready (HTTP 500)",
  });
});

Deno.test("readReadiness asks the endpoint, and no answer is not ready", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ status: "paused", reasons: ["kafka down"] }, { status: 503 }),
  );
  const url = `http://127.0.0.1:${server.addr.port}/readyz`;
  try {
    assertEquals(await readReadiness(url), { ready: false, text: "paused: kafka down" });
  } finally {
    await server.shutdown();
  }
  const closed = await readReadiness(url);
  assertEquals(closed.ready, false);
  assertEquals(closed.text.startsWith(`no answer from ${url}`), true, closed.text);
});

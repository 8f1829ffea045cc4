import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { healthHandler, type HealthState } from "./health.ts";

function handler(state: Partial<HealthState>) {
  return healthHandler(() => ({ ready: true, stopping: false, down: [], ...state }));
}

Deno.test("healthz answers with counters; degraded while a dependency is down", async () => {
  const ok = await handler({ counters: { processed: 3 } })(new Request("http://x/healthz"));
  assertEquals(ok.status, 200);
  assertEquals((await ok.json()).status, "ok");
  const down = [{ dependency: "postgresql", since: "t", error: "refused" }];
  const degraded = await handler({ down })(new Request("http://x/healthz"));
  assertEquals(degraded.status, 200);
  assertEquals((await degraded.json()).status, "degraded");
});

Deno.test("readyz is 503 until joined, while stopping, or with a dependency down", () => {
  const ready = (state: Partial<HealthState>) =>
    handler(state)(new Request("http://x/readyz")).status;
  assertEquals(ready({}), 200);
  assertEquals(ready({ ready: false }), 503);
  assertEquals(ready({ stopping: true }), 503);
  assertEquals(ready({ down: [{ dependency: "redis", since: "t", error: "e" }] }), 503);
});

Deno.test("unknown paths and methods", () => {
  assertEquals(handler({})(new Request("http://x/nope")).status, 404);
  assertEquals(handler({})(new Request("http://x/healthz", { method: "POST" })).status, 405);
});

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { healthHandler, type HealthState } from "./health.ts";

function handler(state: Partial<HealthState>) {
  return healthHandler(() => ({ ready: true, stopping: false, down: [], ...state }));
}

Deno.test("healthz is liveness: 200 with counters, saying paused while a dependency is down", async () => {
  const ok200 = await handler({ counters: { processed: 3 } })(new Request("http://x/healthz"));
  assertEquals(ok200.status, 200);
  assertEquals((await ok200.json()).status, "ok");
  const down = [{ dependency: "postgresql", since: "t", error: "refused" }];
  const paused = await handler({ down })(new Request("http://x/healthz"));
  assertEquals(paused.status, 200);
  const body = await paused.json();
  assertEquals(body.status, "paused");
  assertEquals(body.reasons, ["postgresql unavailable since t: refused"]);
});

Deno.test("readyz is 503 with the state and reasons until joined, while stopping, paused or degraded", async () => {
  const readyz = async (state: Partial<HealthState>) => {
    const response = await handler(state)(new Request("http://x/readyz"));
    const body = await response.json();
    return [response.status, body.status, body.reasons.length > 0];
  };
  assertEquals(await readyz({}), [200, "ready", false]);
  assertEquals(await readyz({ ready: false }), [503, "starting", true]);
  assertEquals(await readyz({ stopping: true }), [503, "stopping", true]);
  assertEquals(
    await readyz({ down: [{ dependency: "redis", since: "t", error: "e" }] }),
    [503, "paused", true],
  );
  assertEquals(
    await readyz({ troubles: ["PostgreSQL rejects a statement (22P02)"] }),
    [503, "degraded", true],
  );
});

Deno.test("a paused consumer is paused on /readyz even when it also has troubles", async () => {
  const response = await handler({
    down: [{ dependency: "sentiment", since: "t", error: "UNAVAILABLE" }],
    troubles: ["x"],
  })(new Request("http://x/readyz"));
  const body = await response.json();
  assertEquals(body.status, "paused");
  ok(body.reasons[0].startsWith("sentiment unavailable"));
});

Deno.test("unknown paths and methods", () => {
  assertEquals(handler({})(new Request("http://x/nope")).status, 404);
  assertEquals(handler({})(new Request("http://x/healthz", { method: "POST" })).status, 405);
});

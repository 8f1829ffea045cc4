import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { HttpStatusError } from "./prometheus.ts";
import { describeService, metricsFailure } from "./status.ts";

Deno.test("a service is all right only when tracked, healthy, ready and without orphans", () => {
  const healthy = { healthy: true };
  assertEquals(describeService({ name: "api", pid: 7, orphans: [], health: healthy }), {
    state: "healthy",
    detail: "pid 7",
    ok: true,
  });
  assertEquals(
    describeService({
      name: "consumer",
      pid: 7,
      orphans: [],
      health: healthy,
      readiness: { ready: false, text: "paused: postgres down" },
      rate: "0.0 received/s",
    }),
    { state: "NOT READY", detail: "pid 7  paused: postgres down  0.0 received/s", ok: false },
  );
  assertEquals(
    describeService({
      name: "consumer",
      pid: 7,
      orphans: [],
      health: { healthy: false, problem: "port 3002 is held by pid 9, not by pid 7" },
    }),
    { state: "UNHEALTHY", detail: "pid 7  port 3002 is held by pid 9, not by pid 7", ok: false },
  );
  assertEquals(describeService({ name: "producer", orphans: [] }), {
    state: "stopped",
    detail: "",
    ok: false,
  });
});

Deno.test("an untracked process of the service shows as an orphan, with or without a tracked one", () => {
  assertEquals(describeService({ name: "consumer", orphans: [41] }), {
    state: "ORPHAN",
    detail: "orphan pid 41  (untracked: `up` replaces, `down` stops it)",
    ok: false,
  });
  const both = describeService({
    name: "consumer",
    pid: 7,
    orphans: [41],
    health: { healthy: true },
  });
  assertEquals([both.state, both.ok], ["healthy", false]);
});

Deno.test("a 401 from /metrics says to set API_TOKEN, not that there is no /metrics", () => {
  assertEquals(
    metricsFailure("api", new HttpStatusError("http://127.0.0.1:3001/metrics", 401)),
    "unauthorized: set API_TOKEN to scrape the api",
  );
  assertEquals(
    metricsFailure("api", new HttpStatusError("http://127.0.0.1:3001/metrics", 404)),
    "no /metrics",
  );
  assertEquals(
    metricsFailure("api", new TypeError("connection refused")),
    "/metrics: connection refused",
  );
});

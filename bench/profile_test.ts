import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type CpuProfile, functionTimes, placeOf, summarizeProfiles } from "./profile.ts";

Deno.test("self time is charged to the sampled node and idle is left out of the busy share", () => {
  const frame = (functionName: string, url = "") => ({ functionName, url, lineNumber: 0 });
  const summary = summarizeProfiles([{
    nodes: [
      { id: 1, callFrame: frame("(root)") },
      { id: 2, callFrame: frame("(idle)") },
      {
        id: 3,
        callFrame: frame("parse", "file:///x/.cache/npm/registry.npmjs.org/kafkajs/2.2.4/a.js"),
      },
      { id: 4, callFrame: frame("run", "file:///work/main/consumer/pipeline.ts") },
    ],
    startTime: 0,
    endTime: 10,
    samples: [2, 3, 3, 4],
    timeDeltas: [5000, 3000, 3000, 2000],
  }]);
  assertEquals(summary.totalMs, 13);
  assertEquals(summary.busyMs, 8);
  assertEquals(summary.functions[0], {
    name: "parse",
    where: "kafkajs/a.js:1",
    ms: 6,
    percent: 75,
  });
  assertEquals(summary.groups.map((g) => g.name), ["npm:kafkajs", "consumer/"]);
});

Deno.test("places name npm packages, workspace folders and the runtime", () => {
  assertEquals(
    placeOf("file:///root/.cache/deno/npm/registry.npmjs.org/@grpc/grpc-js/1.14.7/build/src/x.js")
      .group,
    "npm:@grpc/grpc-js",
  );
  assertEquals(placeOf("file:///work/main/contracts/messages.ts").group, "contracts/");
  assertEquals(placeOf("ext:deno_node/internal/buffer.mjs").group, "runtime (deno_node)");
});

Deno.test("function times: self per function, total with callees, once per sample", () => {
  const frame = (functionName: string, lineNumber = 0) => ({
    functionName,
    url: "http://x/client.js",
    lineNumber,
    columnNumber: 0,
  });
  // (root) → outer → inner, and outer → outer (recursion) → inner.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2] },
      { id: 2, callFrame: frame("outer", 9), children: [3, 4] },
      { id: 3, callFrame: frame("inner", 19) },
      { id: 4, callFrame: frame("outer", 9), children: [5] },
      { id: 5, callFrame: frame("inner", 19) },
    ],
    startTime: 0,
    endTime: 10_000,
    // 1 ms on outer, 2 ms on inner, 3 ms on the inner under the recursive outer.
    samples: [2, 3, 5],
    timeDeltas: [1_000, 2_000, 3_000],
  };
  assertEquals(functionTimes(profile, { sortBy: "totalMs" }), [
    { name: "outer client.js:10:1", selfMs: 1, totalMs: 6 },
    { name: "inner client.js:20:1", selfMs: 5, totalMs: 5 },
  ]);
  assertEquals(functionTimes(profile, { top: 1 }).map((time) => time.name), [
    "inner client.js:20:1",
  ]);
});

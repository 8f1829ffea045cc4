import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type CpuProfile, summarizeProfile } from "./profile.ts";

const frame = (functionName: string, lineNumber = 0) => ({
  functionName,
  url: "http://x/client.js",
  lineNumber,
  columnNumber: 0,
});

Deno.test("self time is per function, total time includes callees once per sample", () => {
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
    // Each sample lasts until the next: 1 ms on outer, 2 ms on inner, 3 ms on the inner
    // under the recursive outer, the last sample counts nothing.
    samples: [2, 3, 5, 2],
    timeDeltas: [0, 1_000, 2_000, 3_000],
  };
  assertEquals(summarizeProfile(profile, { sortBy: "totalMs" }), [
    { name: "outer client.js:10:1", selfMs: 1, totalMs: 6 },
    { name: "inner client.js:20:1", selfMs: 5, totalMs: 5 },
  ]);
  assertEquals(summarizeProfile(profile, { top: 1 }).map((time) => time.name), [
    "inner client.js:20:1",
  ]);
});

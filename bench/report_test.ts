import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { markdown, spliceMarkdown } from "./report.ts";

Deno.test("the generated block is replaced and the hand-written text kept", () => {
  const first = spliceMarkdown(null, "figures 1");
  ok(first.includes("figures 1"));
  const edited = first + "\n## Notes\nhand-written\n";
  const second = spliceMarkdown(edited, "figures 2");
  ok(second.includes("figures 2"));
  ok(!second.includes("figures 1"));
  ok(second.endsWith("## Notes\nhand-written\n"));
  assertEquals(spliceMarkdown(second, "figures 2"), second);
});

Deno.test("the dashboard's render figures are reported with the share over one frame", () => {
  const spread = (median: number, overOneFrame = 0) => ({
    median,
    p90: median * 2,
    max: median * 3,
    overOneFrame,
  });
  const results: Parameters<typeof markdown>[0] = {
    startedAt: "2026-11-26T13:00:00Z",
    durationSeconds: 20,
    settings: {},
    machine: {
      cores: 2,
      memoryGiB: 23.5,
      cpuModel: "test cpu",
      deno: "2.9.6",
      v8: "14",
      kafka: "4.3.1",
      postgres: "15",
      redis: "7",
      os: "Linux",
      commit: "abc",
      loadAtStart: 0.5,
    },
    pipeline: [],
    latency: [],
    failures: [],
    dashboard: {
      collection: 5_000,
      batch: 100,
      batches: 60,
      batchEveryMs: 100,
      localStorageChars: 1_842_710,
      applyMs: spread(8.2),
      domMs: spread(10.4, 3),
      nextFrameMs: spread(11),
      longTasks: { count: 17, perSecond: 2.8, ms: spread(70) },
      storageWritesPerSecond: 3.3,
      storageCharsPerWrite: 135_196,
      storageWriteMs: spread(55),
      chromium: "156.0",
    },
  };
  const text = markdown(results);
  ok(text.includes("median **10.4 ms**, p90 20.8 ms, max 31.2 ms; 3 of 60 batches over"), text);
  ok(text.includes("(1,842,710 characters stored) | longest task **210 ms**"), text);
  ok(text.includes("tasks over 50 ms **2.8/s** (median 70 ms)"), text);
  ok(text.includes("3.3 writes/s of 135,196 characters each; one write"), text);
  const noLongTask = { count: 0, perSecond: 0, ms: null };
  const calm = markdown({
    ...results,
    dashboard: { ...results.dashboard!, longTasks: noLongTask },
  });
  ok(calm.includes("characters stored) | **no task over 50 ms**; 3.3 writes/s"), calm);
});

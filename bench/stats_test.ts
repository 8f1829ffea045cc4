import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { distribution, percentile, throughput, verifyEndState } from "./stats.ts";

Deno.test("percentile uses the nearest rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assertEquals(percentile(values, 50), 50);
  assertEquals(percentile(values, 99), 99);
  assertEquals(percentile(values, 100), 100);
  assertEquals(percentile([7], 99), 7);
  ok(Number.isNaN(percentile([], 50)));
});

Deno.test("distribution sorts numerically, not as strings", () => {
  const d = distribution([100, 9, 20, 3]);
  assertEquals(d, { count: 4, p50: 9, p95: 100, p99: 100, max: 100 });
});

Deno.test("a clean end state passes; duplicates on raw and repeats on processed are fine", () => {
  const state = verifyEndState({
    rawValidIds: ["a", "b", "a", "c"],
    storedIds: ["a", "b"],
    deadLetteredIds: ["c"],
    publishedIds: ["a", "b", "b"],
  });
  ok(state.ok);
  assertEquals([state.distinctValid, state.stored, state.deadLettered], [3, 2, 1]);
});

Deno.test("lost, doubled, unexpected and unpublished comments each fail the run", () => {
  const state = verifyEndState({
    rawValidIds: ["a", "b", "c"],
    storedIds: ["a", "a", "x", "c"],
    deadLetteredIds: ["c"],
    publishedIds: ["a", "x"],
  });
  ok(!state.ok);
  assertEquals(state.lost, ["b"]);
  assertEquals(state.doubled, ["a"]);
  assertEquals(state.unexpected, ["x"]);
  assertEquals(state.unpublished, ["c"]);
  assertEquals(state.storedAndDeadLettered, ["c"]);
});

Deno.test("the sustained rate leaves out the retry tail", () => {
  const t0 = 1_000_000;
  const completions = [
    ...Array.from({ length: 99 }, (_, i) => ({ publishedAt: t0 + (i + 1) * 10, retryCount: 0 })),
    { publishedAt: t0 + 31_000, retryCount: 5 },
  ];
  const result = throughput(t0, completions);
  assertEquals(result.firstAttempt, 99);
  assertEquals(result.sustainedSeconds, 0.99);
  assertEquals(Math.round(result.sustainedPerSecond), 100);
  assertEquals(result.totalSeconds, 31);
  assertEquals(result.p99CompletionSeconds, 0.99);
});

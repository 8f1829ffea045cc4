import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createPacer } from "./pacer.ts";
import { createRandom } from "@sentiment/kit/random";

const base = { minIntervalMs: 100, maxIntervalMs: 10_000, random: createRandom(1) };

Deno.test("burst never waits", () => {
  const pacer = createPacer({ ...base, burst: true, rate: 5 });
  assertEquals([pacer.delayMs(0), pacer.delayMs(0)], [0, 0]);
});

Deno.test("a steady rate is kept against the clock and catches up", () => {
  const pacer = createPacer({ ...base, burst: false, rate: 10 });
  assertEquals(pacer.delayMs(1_000), 100);
  assertEquals(pacer.delayMs(1_100), 100);
  // A slow send: the next comment is already due, so no wait.
  assertEquals(pacer.delayMs(1_500), 0);
  assertEquals(pacer.delayMs(1_500), 0);
});

Deno.test("the default pace is random between 100 ms and 10 s", () => {
  const pacer = createPacer({ ...base, burst: false });
  const delays = Array.from({ length: 10_000 }, () => pacer.delayMs(0));
  ok(delays.every((delay) => delay >= 100 && delay <= 10_000));
  const mean = delays.reduce((sum, delay) => sum + delay, 0) / delays.length;
  ok(Math.abs(mean - 5_050) < 150, `mean ${mean}`);
});

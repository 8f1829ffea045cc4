import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { createRandom } from "@sentiment/kit/random";
import { retryDecision, RetryScheduler } from "./retry_scheduler.ts";

const DEFAULT = [1000, 2000, 4000, 8000, 16000];

Deno.test("the default schedule retries after 1, 2, 4, 8 and 16 s, then gives up after 6 attempts", () => {
  const decisions = [1, 2, 3, 4, 5, 6].map((failures) => retryDecision(failures, DEFAULT));
  assertEquals(decisions, [
    { action: "retry", delayMs: 1000 },
    { action: "retry", delayMs: 2000 },
    { action: "retry", delayMs: 4000 },
    { action: "retry", delayMs: 8000 },
    { action: "retry", delayMs: 16000 },
    { action: "give-up", attempts: 6 },
  ]);
  throws(() => retryDecision(0, DEFAULT), RangeError);
});

Deno.test("no delays configured: the first failure gives up", () => {
  assertEquals(retryDecision(1, []), { action: "give-up", attempts: 1 });
});

Deno.test("items become due at their time, earliest first, ties in order", () => {
  let now = 0;
  const scheduler = new RetryScheduler<string>(() => now);
  scheduler.schedule("b", 2000);
  scheduler.schedule("a", 1000);
  scheduler.schedule("c", 2000);
  scheduler.schedule("d", 16000);
  assertEquals(scheduler.nextDueAt(), 1000);
  assertEquals(scheduler.takeDue(), []);
  now = 1999;
  assertEquals(scheduler.takeDue(), ["a"]);
  now = 2000;
  assertEquals(scheduler.takeDue(), ["b", "c"]);
  assertEquals(scheduler.size, 1);
  now = 20000;
  assertEquals(scheduler.takeDue(), ["d"]);
  assertEquals(scheduler.nextDueAt(), null);
});

Deno.test("takeDue honours its maximum and leaves the rest due", () => {
  let now = 0;
  const scheduler = new RetryScheduler<number>(() => now);
  for (let i = 0; i < 10; i++) scheduler.schedule(i, 10);
  now = 10;
  assertEquals(scheduler.takeDue(4), [0, 1, 2, 3]);
  assertEquals(scheduler.takeDue(100), [4, 5, 6, 7, 8, 9]);
});

Deno.test("a long wait does not hold back later, shorter ones", () => {
  let now = 0;
  const scheduler = new RetryScheduler<string>(() => now);
  scheduler.schedule("slow", 16000);
  now = 100;
  scheduler.schedule("fast", 1000);
  now = 1100;
  assertEquals(scheduler.takeDue(), ["fast"]);
});

Deno.test("removeWhere drops matching items and keeps the order of the rest", () => {
  let now = 0;
  const scheduler = new RetryScheduler<{ p: number; id: number }>(() => now);
  for (let id = 0; id < 20; id++) scheduler.schedule({ p: id % 2, id }, 100 * (20 - id));
  const removed = scheduler.removeWhere((item) => item.p === 1);
  assertEquals(removed.length, 10);
  now = 10_000;
  assertEquals(scheduler.takeDue().map((item) => item.id), [18, 16, 14, 12, 10, 8, 6, 4, 2, 0]);
});

Deno.test("heap order holds for many random due times", () => {
  let now = 0;
  const scheduler = new RetryScheduler<number>(() => now);
  const random = createRandom(42);
  const dues: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const delay = random.int(0, 9_999);
    dues.push(delay);
    scheduler.schedule(delay, delay);
  }
  now = 10_000;
  assertEquals(scheduler.takeDue(), dues.sort((a, b) => a - b));
});

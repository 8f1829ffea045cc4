import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { summaryFields } from "./summary.ts";

Deno.test("the summary gives what changed in the interval and the rate per second", () => {
  const before = {
    processed: 100,
    duplicates: 1,
    cacheHits: 5,
    retries: 0,
    deadLettered: 0,
    sentimentCalls: 2,
    received: 120,
  };
  const after = {
    processed: 2100,
    duplicates: 51,
    cacheHits: 505,
    retries: 7,
    deadLettered: 1,
    sentimentCalls: 4,
    received: 2220,
  };
  assertEquals(summaryFields(before, after, 2000), {
    processed: 2000,
    duplicates: 50,
    cacheHits: 500,
    retries: 7,
    deadLettered: 1,
    sentimentCalls: 2,
    processedPerSecond: 1000,
    receivedPerSecond: 1050,
    intervalMs: 2000,
  });
});

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Redis } from "ioredis";
import { integrationTest, testRedisUrl } from "@sentiment/testkit";
import { attemptsKey, processedKey, RedisDedup, splitRepeats } from "./dedup.ts";

Deno.test("splitRepeats keeps the first occurrence of each id, in order", () => {
  const items = [
    { id: "a", n: 1 },
    { id: "b", n: 2 },
    { id: "a", n: 3 },
    { id: "c", n: 4 },
    { id: "b", n: 5 },
    { id: "a", n: 6 },
  ];
  const { first, repeats } = splitRepeats(items, (item) => item.id);
  assertEquals(first.map((item) => item.n), [1, 2, 4]);
  assertEquals(repeats.map((item) => item.n), [3, 5, 6]);
});

Deno.test("splitRepeats of nothing", () => {
  assertEquals(splitRepeats([], String), { first: [], repeats: [] });
});

Deno.test("the Redis keys name the comment id", () => {
  assertEquals(attemptsKey("abc"), "attempts:abc");
  assertEquals(
    processedKey("123e4567-e89b-12d3-a456-426614174000"),
    "processed:123e4567-e89b-12d3-a456-426614174000",
  );
});

integrationTest("RedisDedup marks ids processed with the TTL and forgets attempts", async () => {
  const redis = new Redis(await testRedisUrl(), { maxRetriesPerRequest: 1 });
  try {
    const dedup = new RedisDedup(redis, 120);
    const ids = Array.from({ length: 12_000 }, () => crypto.randomUUID());
    const failed = ids.slice(0, 3);
    await dedup.recordFailures(failed);
    await dedup.recordFailures(failed.slice(0, 1));
    const before = await dedup.lookup(ids);
    assertEquals(before.slice(0, 4), [
      { processed: false, failures: 2 },
      { processed: false, failures: 1 },
      { processed: false, failures: 1 },
      { processed: false, failures: 0 },
    ]);
    await dedup.settle(ids.slice(0, 11_000), failed);
    const after = await dedup.lookup(ids);
    assertEquals(after.filter((state) => state.processed).length, 11_000);
    ok(after.every((state) => state.failures === 0));
    assertEquals(after[10_999].processed, true);
    assertEquals(after[11_000].processed, false);
    const ttl = await redis.ttl(processedKey(ids[7_000]));
    ok(ttl > 100 && ttl <= 120, `ttl ${ttl}`);
    await redis.del(...ids.map(processedKey));
  } finally {
    redis.disconnect();
  }
});

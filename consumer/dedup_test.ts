import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { attemptsKey, processedKey, splitRepeats } from "./dedup.ts";

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

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { rollingShare } from "./SentimentChart.tsx";
import type { Bucket } from "../components/StackedBars.tsx";

const bucket = (negative: number, positive: number, start = 0): Bucket => ({
  start,
  counts: { NEGATIVE: negative, POSITIVE: positive, NEUTRAL: 0, UNRELATED: 0 },
});

Deno.test("the negative share at a minute is that of the rolling window up to it", () => {
  const buckets = [
    bucket(0, 0),
    bucket(1, 3),
    bucket(3, 1),
    bucket(0, 0),
    bucket(2, 0),
    bucket(0, 0),
    bucket(0, 0),
  ];
  assertEquals(rollingShare(buckets, "NEGATIVE", 2), [
    null,
    1 / 4, // minute 1 (and the empty minute 0)
    4 / 8, // minutes 1-2
    3 / 4, // minutes 2-3
    2 / 2, // minutes 3-4
    2 / 2, // minutes 4-5
    null, // minutes 5-6: nothing
  ]);
  assertEquals(rollingShare([], "NEGATIVE", 5), []);
});

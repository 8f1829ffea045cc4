import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { sourceShares, TOP_SOURCES } from "./SourceShare.tsx";
import { bucketOf, type SummaryRow } from "../lib/queries.ts";

const row = (source: string, count: number): SummaryRow => ({
  bucket: bucketOf({ createdAt: "2026-01-01T00:00:00Z", tag: "POSITIVE", source }),
  count,
});

Deno.test("the top sources by count are named, known ones by label, the rest summed as other", () => {
  const rows = [
    row("twitter", 50),
    row("trustpilot", 40),
    row("tiktok", 30),
    ...["a", "b", "c", "d", "e", "f", "g"].map((name, i) => row(`forum-${name}`, 10 - i)),
    row("twitter", 5),
  ];
  const items = sourceShares(rows);
  assertEquals(items.length, TOP_SOURCES + 1);
  assertEquals(items.slice(0, 4).map((item) => [item.label, item.count]), [
    ["Twitter", 55],
    ["trustpilot", 40],
    ["TikTok", 30],
    ["forum-a", 10],
  ]);
  // Ten sources: the two smallest (forum-f 5, forum-g 4) are summed in one row.
  assertEquals(items.at(-1), {
    key: "(other)",
    label: "2 others",
    count: 9,
    other: true,
  });
  assertEquals(items.reduce((sum, item) => sum + item.count, 0), 55 + 40 + 30 + 49);
  assertEquals(sourceShares([]), []);
});

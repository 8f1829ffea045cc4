import { ok } from "node:assert/strict";
import { CommentStore, createCommentsCollection } from "./comments.ts";
import { feedQuery, summaryQuery } from "./queries.ts";
import { fakeComment, SharedFakeStorage } from "./test_fixtures.ts";
import { sameRows } from "./use_live_query.ts";

Deno.test("rows that differ only in virtual props are the same; any shown field makes a change", () => {
  const row: Record<string, unknown> = { bucket: "1|POSITIVE|reddit", count: 2, $synced: false };
  ok(sameRows([row], [{ ...row, $synced: true }]));
  ok(sameRows([], []));
  ok(!sameRows([row], [{ ...row, count: 3 }]));
  ok(!sameRows([row], [row, row]));
  ok(!sameRows([row], [{ ...row, extra: 1 }]));
  ok(!sameRows([{ ...row, extra: 1 }], [row]));
});

Deno.test("a write to storage changes nothing a panel shows, and reports no change", async () => {
  const collection = createCommentsCollection(new SharedFakeStorage().tab());
  await collection.preload();
  const store = new CommentStore(collection, { limit: 3, persistDelayMs: 60_000 });
  const summary = summaryQuery(collection);
  const feed = feedQuery(collection, {}, { offset: 0, limit: 2 });
  await Promise.all([summary.preload(), feed.preload()]);
  store.ingest([1, 2, 3, 4].map((seq) => fakeComment(seq)));
  const before = { summary: summary.toArray, feed: feed.toArray };
  let changes = 0;
  const subscriptions = [
    summary.subscribeChanges(() => changes++),
    feed.subscribeChanges(() => changes++),
  ];
  await store.whenPersisted();
  // Rows enter as synced state and are stored behind it: the queries have nothing to redo.
  ok(changes === 0, `${changes} changes`);
  ok(sameRows(before.summary, summary.toArray));
  ok(sameRows(before.feed, feed.toArray));
  store.ingest([fakeComment(5)]);
  ok(!sameRows(before.feed, feed.toArray));
  for (const subscription of subscriptions) subscription.unsubscribe();
});

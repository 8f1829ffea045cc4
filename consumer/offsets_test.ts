import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { OffsetTracker } from "./offsets.ts";

const T = "raw";

Deno.test("nothing to commit before anything was registered", () => {
  const tracker = new OffsetTracker();
  assertEquals(tracker.lowWaterMark(T, 0), null);
  assertEquals(tracker.commitPoints(), []);
});

Deno.test("commit point stops at the oldest unfinished offset", () => {
  const tracker = new OffsetTracker();
  const epoch = tracker.epoch(T, 0);
  for (const offset of [10, 11, 12, 13]) tracker.register(T, 0, offset);
  assertEquals(tracker.lowWaterMark(T, 0), 10);
  tracker.finish(T, 0, epoch, 12);
  tracker.finish(T, 0, epoch, 13);
  // 10 and 11 are still unfinished: committing 14 would lose them on a crash.
  assertEquals(tracker.lowWaterMark(T, 0), 10);
  tracker.finish(T, 0, epoch, 10);
  assertEquals(tracker.lowWaterMark(T, 0), 11);
  tracker.finish(T, 0, epoch, 11);
  assertEquals(tracker.lowWaterMark(T, 0), 14);
  assertEquals(tracker.unfinished(T, 0), 0);
});

Deno.test("an item waiting for a retry holds its partition but not the others", () => {
  const tracker = new OffsetTracker();
  const e0 = tracker.epoch(T, 0);
  const e1 = tracker.epoch(T, 1);
  for (let offset = 0; offset < 100; offset++) {
    tracker.register(T, 0, offset);
    tracker.register(T, 1, offset);
  }
  for (let offset = 0; offset < 100; offset++) {
    if (offset !== 5) tracker.finish(T, 0, e0, offset);
    tracker.finish(T, 1, e1, offset);
  }
  assertEquals(tracker.commitPoints(), [
    { topic: T, partition: 0, offset: "5" },
    { topic: T, partition: 1, offset: "100" },
  ]);
});

Deno.test("commit points only include partitions that moved since the last commit", () => {
  const tracker = new OffsetTracker();
  const epoch = tracker.epoch(T, 0);
  tracker.register(T, 0, 0);
  tracker.finish(T, 0, epoch, 0);
  const points = tracker.commitPoints();
  assertEquals(points, [{ topic: T, partition: 0, offset: "1" }]);
  tracker.markCommitted(points);
  assertEquals(tracker.commitPoints(), []);
  tracker.register(T, 0, 1);
  assertEquals(tracker.commitPoints(), []);
  tracker.finish(T, 0, epoch, 1);
  assertEquals(tracker.commitPoints(), [{ topic: T, partition: 0, offset: "2" }]);
});

Deno.test("gaps (control records, skipped re-deliveries) are passed once earlier work is done", () => {
  const tracker = new OffsetTracker();
  const epoch = tracker.epoch(T, 0);
  tracker.register(T, 0, 3);
  tracker.advance(T, 0, 7);
  assertEquals(tracker.lowWaterMark(T, 0), 3);
  tracker.finish(T, 0, epoch, 3);
  assertEquals(tracker.lowWaterMark(T, 0), 8);
  ok(tracker.seen(T, 0, 7));
  ok(!tracker.seen(T, 0, 8));
});

Deno.test("offsets must ascend per partition", () => {
  const tracker = new OffsetTracker();
  tracker.register(T, 0, 5);
  throws(() => tracker.register(T, 0, 5), RangeError);
  tracker.register(T, 1, 1);
});

Deno.test("a revoked partition forgets its state; finishes from the old assignment are ignored", () => {
  const tracker = new OffsetTracker();
  const old = tracker.epoch(T, 0);
  tracker.register(T, 0, 0);
  tracker.register(T, 0, 1);
  tracker.revoke(T, 0);
  assertEquals(tracker.commitPoints(), []);
  const fresh = tracker.epoch(T, 0);
  ok(fresh !== old);
  ok(!tracker.isCurrent(T, 0, old));
  ok(tracker.isCurrent(T, 0, fresh));
  tracker.register(T, 0, 0);
  ok(!tracker.finish(T, 0, old, 0));
  assertEquals(tracker.lowWaterMark(T, 0), 0);
  ok(tracker.finish(T, 0, fresh, 0));
  assertEquals(tracker.lowWaterMark(T, 0), 1);
});

Deno.test("finishing out of order over many offsets keeps the mark right and memory bounded", () => {
  const tracker = new OffsetTracker();
  const epoch = tracker.epoch(T, 0);
  const n = 50_000;
  for (let offset = 0; offset < n; offset++) tracker.register(T, 0, offset);
  // Finish odd offsets first, then even ones in reverse.
  for (let offset = 1; offset < n; offset += 2) tracker.finish(T, 0, epoch, offset);
  assertEquals(tracker.lowWaterMark(T, 0), 0);
  for (let offset = n - 2; offset >= 2; offset -= 2) tracker.finish(T, 0, epoch, offset);
  assertEquals(tracker.lowWaterMark(T, 0), 0);
  tracker.finish(T, 0, epoch, 0);
  assertEquals(tracker.lowWaterMark(T, 0), n);
  assertEquals(tracker.unfinished(T, 0), 0);
});

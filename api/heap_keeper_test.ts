import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { startHeapKeeper } from "./heap_keeper.ts";
import { quietLog } from "./test_fakes.ts";

const MiB = 1024 * 1024;

/** A heap whose size the test sets; a collection leaves `live`. */
function fakeHeap(live: number) {
  const heap = { used: live, live, collections: 0 };
  return {
    heap,
    options: {
      intervalMs: 3_600_000,
      floorBytes: 32 * MiB,
      heapUsed: () => heap.used,
      collect: () => {
        heap.collections++;
        heap.used = heap.live;
      },
    },
  };
}

Deno.test("the heap is collected when it doubles, or once released connections go quiet", async () => {
  const { heap, options } = fakeHeap(20 * MiB);
  const keeper = await startHeapKeeper(quietLog, options);
  try {
    heap.used = 30 * MiB;
    assertEquals(keeper.check(), false, "below the floor");
    heap.used = 39 * MiB;
    assertEquals(keeper.check(), false, "above the floor, not doubled, nothing released");
    heap.used = 40 * MiB;
    assertEquals(keeper.check(), true, "doubled");
    assertEquals(heap.used, 20 * MiB);

    // A thousand clients leave: their garbage still counts as used until collected.
    heap.used = 38 * MiB;
    keeper.release(1_000);
    assertEquals(keeper.check(), false, "still busy: grew 18 MiB since the last look");
    heap.used = 38.5 * MiB;
    assertEquals(keeper.check(), true, "quiet now");
    assertEquals(keeper.stats().collections, 2);

    // Quiet and above the floor, but nothing released: no collection, however often it looks.
    heap.live = 36 * MiB;
    heap.used = 37 * MiB;
    keeper.check();
    assertEquals(keeper.check(), false);
    keeper.release(99);
    assertEquals(keeper.check(), false, "fewer than 100 released");
  } finally {
    keeper.stop();
  }
});

Deno.test("the real collector is reachable", async () => {
  const keeper = await startHeapKeeper(quietLog, { floorBytes: 0, factor: 0 });
  try {
    assertEquals(keeper.check(), true);
    assertEquals(keeper.stats().collections, 1);
  } finally {
    keeper.stop();
  }
});

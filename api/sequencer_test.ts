import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { ProcessedComment } from "@sentiment/contracts/messages";
import { Sequencer, type SequenceStore } from "./sequencer.ts";
import { comment, quietLog } from "./test_fakes.ts";

/** An in-memory `comments` table with controllable writers. */
class FakeTable implements SequenceStore {
  rows = new Map<number, ProcessedComment>();
  writers = new Set<string>();
  queries = 0;
  commit(...seqs: number[]) {
    for (const seq of seqs) this.rows.set(seq, comment(seq));
  }
  maxSeq() {
    return Promise.resolve(Math.max(0, ...this.rows.keys()));
  }
  rowsBetween(after: number, upTo: number, limit: number) {
    this.queries++;
    const found = [...this.rows.values()].filter((row) => row.seq > after && row.seq <= upTo)
      .sort((a, b) => a.seq - b.seq).slice(0, limit);
    return Promise.resolve(found);
  }
  activeWriters() {
    return Promise.resolve([...this.writers]);
  }
  stillActive(ids: readonly string[]) {
    return Promise.resolve(ids.filter((id) => this.writers.has(id)));
  }
}

function setup(
  table = new FakeTable(),
  options: Partial<ConstructorParameters<typeof Sequencer>[1]> = {},
) {
  const delivered: number[] = [];
  const watermarks: number[] = [];
  const sequencer = new Sequencer(
    table,
    {
      maxPending: 1000,
      gapTimeoutMs: 5_000,
      pageSize: 100,
      dedupeWindow: 100,
      retryDelayMs: 5,
      ...options,
    },
    (comments, watermark) => {
      delivered.push(...comments.map((c) => c.seq));
      watermarks.push(watermark);
    },
    quietLog,
  );
  return { table, sequencer, delivered, watermarks };
}

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("starts at the highest committed seq: older rows are history, not live events", async () => {
  const { table, sequencer, delivered } = setup();
  table.commit(1, 2, 3);
  await sequencer.start();
  assertEquals(sequencer.watermark, 3);
  sequencer.offer(comment(2));
  table.commit(4);
  sequencer.offer(comment(4));
  await sequencer.settled();
  assertEquals(delivered, [4]);
});

Deno.test("start waits for writers that could still commit a lower seq", async () => {
  const { table, sequencer } = setup();
  table.commit(1, 3);
  table.writers.add("3/7");
  const started = sequencer.start();
  await tick();
  ok(!sequencer.started, "must not start while a writer is active");
  table.commit(2);
  table.writers.delete("3/7");
  await started;
  assertEquals(sequencer.watermark, 3);
});

Deno.test("out-of-order arrivals are delivered in seq order, each once", async () => {
  const { table, sequencer, delivered } = setup();
  await sequencer.start();
  // Transaction B (seq 3, 4) commits and is published before A (seq 1, 2).
  table.writers.add("A");
  table.commit(3, 4);
  sequencer.offer(comment(4));
  sequencer.offer(comment(3));
  sequencer.offer(comment(3)); // a Kafka redelivery
  await tick(50);
  assertEquals(delivered, [], "nothing may pass seq 1 while its writer runs");
  table.commit(1, 2);
  table.writers.delete("A");
  sequencer.offer(comment(2));
  sequencer.offer(comment(1));
  await sequencer.settled();
  assertEquals(delivered, [1, 2, 3, 4]);
  sequencer.offer(comment(1));
  sequencer.offer(comment(4));
  await sequencer.settled();
  assertEquals(delivered, [1, 2, 3, 4]);
  assertEquals(sequencer.stats().repeatsDropped, 3);
});

Deno.test("a seq that is never committed is skipped once no writer can fill it", async () => {
  const { table, sequencer, delivered, watermarks } = setup();
  await sequencer.start();
  table.writers.add("rolling-back");
  table.commit(2);
  sequencer.offer(comment(2));
  await tick(30);
  assertEquals(delivered, []);
  table.writers.delete("rolling-back"); // seq 1 rolled back: it never appears
  await sequencer.settled();
  assertEquals(delivered, [2]);
  assertEquals(watermarks.at(-1), 2);
  assertEquals(sequencer.stats().gapsDeclaredAbsent, 1);
});

Deno.test("rows Kafka has not delivered (yet) are read from PostgreSQL in order", async () => {
  const { table, sequencer, delivered } = setup(new FakeTable(), { pageSize: 3 });
  await sequencer.start();
  table.commit(1, 2, 3, 4, 5, 6, 7, 8);
  sequencer.offer(comment(8));
  await sequencer.settled();
  assertEquals(delivered, [1, 2, 3, 4, 5, 6, 7, 8]);
  table.commit(9, 10);
  sequencer.noteCommitted(10);
  await sequencer.settled();
  assertEquals(delivered.slice(8), [9, 10]);
});

Deno.test("the same commentId under another seq is a repeat", async () => {
  const { table, sequencer, delivered } = setup();
  await sequencer.start();
  table.commit(1);
  sequencer.offer(comment(1));
  await sequencer.settled();
  sequencer.offer({ ...comment(5), commentId: comment(1).commentId });
  await tick();
  assertEquals(delivered, [1]);
});

Deno.test("pending payloads are bounded; the rest is read back from the table", async () => {
  const { table, sequencer, delivered } = setup(new FakeTable(), { maxPending: 5 });
  await sequencer.start();
  table.writers.add("slow");
  for (let seq = 2; seq <= 50; seq++) {
    table.commit(seq);
    sequencer.offer(comment(seq));
  }
  await tick(30);
  ok(sequencer.stats().pending <= 5, `pending ${sequencer.stats().pending}`);
  table.commit(1);
  table.writers.delete("slow");
  await sequencer.settled();
  assertEquals(delivered, Array.from({ length: 50 }, (_, i) => i + 1));
});

Deno.test("a writer that outlives the gap timeout is not waited for forever", async () => {
  const { table, sequencer, delivered } = setup(new FakeTable(), { gapTimeoutMs: 50 });
  await sequencer.start();
  table.writers.add("stuck");
  table.commit(2);
  sequencer.offer(comment(2));
  await sequencer.settled();
  assertEquals(delivered, [2]);
  assertEquals(sequencer.stats().gapTimeouts, 1);
});

Deno.test("a failing query is retried, not fatal", async () => {
  const table = new FakeTable();
  const { sequencer, delivered } = setup(table);
  await sequencer.start();
  let failures = 2;
  const real = table.rowsBetween.bind(table);
  table.rowsBetween = (after, upTo, limit) =>
    failures-- > 0 ? Promise.reject(new Error("connection lost")) : real(after, upTo, limit);
  table.commit(1, 2);
  sequencer.offer(comment(2));
  await sequencer.settled();
  assertEquals(delivered, [1, 2]);
});

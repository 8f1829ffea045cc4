import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { emptyLayout, type Layout, planWrite } from "./segments.ts";

type Row = { id: string; n: number };
const row = (n: number): Row => ({ id: `r${n}`, n });
const rows = (from: number, to: number) =>
  new Map(Array.from({ length: to - from }, (_, i) => [`r${from + i}`, row(from + i)]));

/** Every key in exactly one segment, as `where` says, and no segment over capacity. */
function checkLayout(layout: Layout<Row>, capacity: number): void {
  let total = 0;
  for (const segment of layout.segments) {
    ok(segment.rows.size > 0 && segment.rows.size <= capacity, `segment of ${segment.rows.size}`);
    for (const key of segment.rows.keys()) assertEquals(layout.where.get(key), segment);
    total += segment.rows.size;
  }
  assertEquals(layout.where.size, total);
}

Deno.test("at a steady rate a write rewrites only the newest and the oldest segments", () => {
  const capacity = 250;
  let layout = planWrite(emptyLayout<Row>(), rows(0, 5_000), [], capacity).layout;
  assertEquals(layout.segments.length, 20);
  let oldest = 0;
  for (let write = 0; write < 100; write++) {
    const start = 5_000 + write * 250;
    const evicted = Array.from({ length: 250 }, (_, i) => `r${oldest + i}`);
    oldest += 250;
    const plan = planWrite(layout, rows(start, start + 250), evicted, capacity);
    const rewritten = plan.written.reduce((sum, segment) => sum + segment.rows.size, 0);
    ok(plan.written.length <= 2 && rewritten <= 2 * capacity, `${rewritten} rows rewritten`);
    checkLayout(plan.layout, capacity);
    layout = plan.layout;
  }
  assertEquals(layout.where.size, 5_000);
  ok(layout.where.has("r29999") && !layout.where.has("r24999"));
});

Deno.test("writes of one row at a time still keep few segments", () => {
  const capacity = 50;
  let layout = emptyLayout<Row>();
  for (let n = 0; n < 1_000; n++) {
    const evicted = n >= 300 ? [`r${n - 300}`] : [];
    const plan = planWrite(layout, rows(n, n + 1), evicted, capacity);
    ok(plan.written.length <= 2, `${plan.written.length} segments written`);
    layout = plan.layout;
  }
  checkLayout(layout, capacity);
  assertEquals(layout.where.size, 300);
  ok(layout.segments.length <= 2 * 300 / capacity + 1, `${layout.segments.length} segments`);
  for (let i = 1; i < layout.segments.length; i++) {
    const pair = layout.segments[i - 1].rows.size + layout.segments[i].rows.size;
    ok(pair > capacity, `neighbours of ${pair} rows were not merged`);
  }
});

Deno.test("a plan leaves the layout it started from as it was, and names what it drops", () => {
  const start = planWrite(emptyLayout<Row>(), rows(0, 10), [], 4).layout;
  const ids = start.segments.map((segment) => segment.id);
  const plan = planWrite(start, rows(10, 11), ["r0", "r1", "r2", "r3", "r5"], 4);
  assertEquals(start.segments.map((segment) => segment.id), ids);
  assertEquals(start.where.size, 10);
  checkLayout(plan.layout, 4);
  assertEquals([...plan.layout.where.keys()].sort(), ["r10", "r4", "r6", "r7", "r8", "r9"]);
  // Every id it does not name any more is dropped; new segments get ids not used before.
  const named = new Set(plan.layout.segments.map((segment) => segment.id));
  assertEquals([...plan.dropped].sort(), ids.filter((id) => !named.has(id)).sort());
  for (const segment of plan.written) ok(!ids.includes(segment.id));
});

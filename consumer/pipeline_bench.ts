/**
 * CPU cost of the consumer's own hot path, without I/O: `deno bench -P consumer/`.
 */
import { checkRawComment, rawCommentSchema, SCHEMA_VERSION } from "@sentiment/contracts/messages";
import { OffsetTracker } from "./offsets.ts";
import { splitRepeats } from "./dedup.ts";
import { textHash } from "./text_hash.ts";

const schema = rawCommentSchema();
const values = Array.from({ length: 1000 }, (_, i) =>
  new TextEncoder().encode(JSON.stringify({
    schemaVersion: SCHEMA_VERSION,
    commentId: crypto.randomUUID(),
    text: `Honestly I love the new update number ${i}, really great!`,
    source: "reddit",
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  })));

Deno.bench("validate 1000 raw comments (JSON + zod)", () => {
  for (const value of values) checkRawComment(value, schema);
});

Deno.bench("textHash of 1000 texts", () => {
  for (let i = 0; i < 1000; i++) textHash(`Honestly I love the new update number ${i}!`);
});

Deno.bench("splitRepeats over 2000 ids", () => {
  splitRepeats(Array.from({ length: 2000 }, (_, i) => String(i % 1900)), (id) => id);
});

Deno.bench("offset tracker: register and finish 10 000 offsets out of order", () => {
  const tracker = new OffsetTracker();
  const epoch = tracker.epoch("raw", 0);
  for (let offset = 0; offset < 10_000; offset++) tracker.register("raw", 0, offset);
  for (let offset = 1; offset < 10_000; offset += 2) tracker.finish("raw", 0, epoch, offset);
  for (let offset = 0; offset < 10_000; offset += 2) tracker.finish("raw", 0, epoch, offset);
  tracker.commitPoints();
});

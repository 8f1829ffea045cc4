import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { ProcessedCommentSchema } from "../messages.ts";
import { type CommentRow, rowToComment } from "./comment_row.ts";

const row: CommentRow = {
  seq: "7",
  comment_id: "UgzDE2tasfmrYLyNkGt4AaABAg",
  text: "Me encanta",
  text_hash: "a".repeat(64),
  tag: "POSITIVE",
  source: "trustpilot",
  created_at: new Date("2026-01-01T00:00:00.000Z"),
  processed_at: new Date("2026-01-01T00:00:01.000Z"),
  consumer_id: "c",
  retry_count: 0,
};

Deno.test("a row becomes a valid message; an unknown explanation is left out", () => {
  const plain = rowToComment({ ...row, score: null, language: null, reasons: null });
  assertEquals(
    Object.keys(plain).filter((key) => ["score", "language", "reasons"].includes(key)),
    [],
  );
  assertEquals(rowToComment(row), plain);
  assertEquals(ProcessedCommentSchema.parse(plain), plain);
  assertEquals([plain.commentId, plain.seq], ["UgzDE2tasfmrYLyNkGt4AaABAg", 7]);
  const explained = rowToComment({ ...row, score: 0.9, language: "es", reasons: ["encanta"] });
  assertEquals(explained, { ...plain, score: 0.9, language: "es", reasons: ["encanta"] });
  assertEquals(ProcessedCommentSchema.parse(explained), explained);
});

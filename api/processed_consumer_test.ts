import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseProcessedMessage } from "./processed_consumer.ts";
import { commentFrame } from "./sse.ts";
import { comment } from "./test_fakes.ts";

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

Deno.test("a valid processed comment parses; bad ones say why and never throw", () => {
  assertEquals(parseProcessedMessage(encode(comment(3))), { ok: true, comment: comment(3) });
  const bad: unknown[] = [
    "{nope",
    { ...comment(3), seq: 0 },
    { ...comment(3), seq: undefined },
    { ...comment(3), tag: "HAPPY" },
    { ...comment(3), source: "" },
    [],
  ];
  for (const value of bad) {
    const parsed = parseProcessedMessage(encode(value));
    assertEquals(parsed.ok, false, JSON.stringify(value));
  }
  assertEquals(parseProcessedMessage(null).ok, false);
  assertEquals(parseProcessedMessage(new Uint8Array([0xff])).ok, false);
});

Deno.test("the reader is tolerant: unknown fields ignored, new fields kept, any id and source", () => {
  const sent = {
    ...comment(4),
    commentId: "yt:UgzDE2tasfmrYLyNkGt4AaABAg",
    source: "trustpilot",
    score: -0.75,
    language: "de",
    reasons: ["schlecht", "negation"],
    author: "someone",
    likes: 12,
  };
  const parsed = parseProcessedMessage(encode(sent));
  if (!parsed.ok) throw new Error(parsed.problem);
  const { author: _author, likes: _likes, ...known } = sent;
  assertEquals(parsed.comment, known);
  // What SSE clients get carries the new fields.
  const data = JSON.parse(commentFrame(parsed.comment).split("\ndata: ")[1]);
  assertEquals([data.score, data.language, data.reasons], [-0.75, "de", ["schlecht", "negation"]]);
  // Old messages without them stay valid; a 128-character id and a 64-character source too.
  for (
    const value of [comment(5), { ...comment(6), commentId: "1".repeat(128) }, {
      ...comment(7),
      source: "s".repeat(64),
    }]
  ) {
    assertEquals(parseProcessedMessage(encode(value)).ok, true, JSON.stringify(value));
  }
  for (
    const value of [{ ...comment(8), commentId: "1".repeat(129) }, { ...comment(9), score: 2 }]
  ) {
    assertEquals(parseProcessedMessage(encode(value)).ok, false, JSON.stringify(value));
  }
});

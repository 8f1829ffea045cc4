import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { checkRawComment, rawCommentSchema, SCHEMA_VERSION } from "./messages.ts";

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const valid = {
  schemaVersion: SCHEMA_VERSION,
  commentId: "5d1f8d4e-6a53-4a3f-9a62-1f2b8f0c9b11",
  text: "Love this!",
  source: "twitter",
  createdAt: "2026-11-26T10:00:00.000Z",
};

Deno.test("a valid raw comment passes", () => {
  const check = checkRawComment(encode(valid));
  assertEquals(check, { ok: true, comment: valid });
});

Deno.test("each kind of bad input names its reason", () => {
  const cases: [unknown, string][] = [
    ["{not json", "invalid_json"],
    [new Uint8Array([0xff, 0xfe]), "invalid_json"],
    [{ ...valid, commentId: "nope" }, "invalid_schema"],
    [{ ...valid, source: "myspace" }, "invalid_schema"],
    [{ ...valid, extra: 1 }, "invalid_schema"],
    [{ ...valid, schemaVersion: 99 }, "invalid_schema"],
    [{ ...valid, text: "   " }, "text_empty"],
    [{ ...valid, text: "x".repeat(5001) }, "text_too_long"],
    [[1, 2], "invalid_schema"],
  ];
  for (const [input, reason] of cases) {
    const bytes = input instanceof Uint8Array ? input : encode(input);
    const check = checkRawComment(bytes);
    assertEquals(check.ok ? "ok" : check.reason, reason, `for ${JSON.stringify(input)}`);
  }
});

Deno.test("the text limit is configurable and the id survives a failed check", () => {
  const check = checkRawComment(encode({ ...valid, text: "x".repeat(11) }), rawCommentSchema(10));
  assertEquals(check.ok ? null : [check.reason, check.commentId], [
    "text_too_long",
    valid.commentId,
  ]);
  const missing = checkRawComment(null);
  assertEquals(missing.ok ? null : missing.reason, "invalid_json");
});

Deno.test("an id in capitals is the same comment, spelt in lowercase", () => {
  const check = checkRawComment(encode({ ...valid, commentId: valid.commentId.toUpperCase() }));
  assertEquals(check.ok ? check.comment.commentId : null, valid.commentId);
});

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { checkRawComment, rawCommentSchema } from "@sentiment/contracts/messages";
import { canonicalComment, fastCheckRawComment } from "./fast_check.ts";

const MAX = 50;
const schema = rawCommentSchema(MAX);
const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

function valid(overrides: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    commentId: crypto.randomUUID(),
    text: "Great product, would buy again",
    source: "twitter",
    createdAt: new Date(Date.now() - Math.floor(Math.random() * 1e12)).toISOString(),
    ...overrides,
  };
}

Deno.test("the fast path agrees with the zod schema on valid and invalid comments", () => {
  // JSON.stringify drops the fields an override sets to undefined: those test their absence.
  const cases: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) cases.push(encode(valid()));
  const variants: Record<string, unknown>[] = [
    { commentId: "123E4567-E89B-12D3-A456-426614174000" },
    { commentId: "00000000-0000-0000-0000-000000000000" },
    { commentId: "123e4567-e89b-02d3-a456-426614174000" },
    { commentId: "not-a-uuid" },
    { commentId: 5 },
    { schemaVersion: 2 },
    { schemaVersion: "1" },
    { text: "" },
    { text: "   \n\t " },
    { text: "x".repeat(MAX) },
    { text: "x".repeat(MAX + 1) },
    { text: " padded " },
    { text: "nul \u0000 inside" },
    { text: 42 },
    { source: "myspace" },
    { source: "TWITTER" },
    { createdAt: "2026-02-30T10:00:00.000Z" },
    { createdAt: "2026-02-28T24:00:00.000Z" },
    { createdAt: "2024-02-29T23:59:59.999Z" },
    { createdAt: "2026-11-26T10:00:00Z" },
    { createdAt: "2026-11-26T10:00:00.123+02:00" },
    { createdAt: "2026-11-26T10:00:00.123456Z" },
    { createdAt: "0000-01-01T00:00:00.000Z" },
    { createdAt: "9999-12-31T23:59:59.999Z" },
    { createdAt: "2026-13-01T00:00:00.000Z" },
    { createdAt: "yesterday" },
    { extra: true },
    { commentId: "5D1F8D4E-6A53-4A3F-9A62-1F2B8F0C9B11" },
    { commentId: "1864123456789012345" },
    { commentId: "UgzDE2tasfmrYLyNkGt4AaABAg" },
    { commentId: "x".repeat(128) },
    { commentId: "x".repeat(129) },
    { commentId: "has space" },
    { commentId: "" },
    { source: " LinkedIn " },
    { source: "trustpilot" },
    { source: "s".repeat(64) },
    { source: "s".repeat(65) },
    { source: "   " },
    { source: "" },
    { source: 3 },
    { schemaVersion: undefined },
    { schemaVersion: 0 },
    { createdAt: "0001-01-01T00:00:00.000Z" },
    { createdAt: "2026-11-26T10:00:00.000" },
    { createdAt: 1764665503748 },
    { timestamp: 1764665503748 },
    { createdAt: undefined, timestamp: 1764665503 },
    { createdAt: undefined, timestamp: "2026-11-26T10:00:00" },
    { author: "ann", lang: "en", likes: 3 },
    // The calendar, checked on the digits: leap years, month lengths, the ends of the clock.
    { createdAt: "2000-02-29T12:00:00.000Z" },
    { createdAt: "1900-02-29T12:00:00.000Z" },
    { createdAt: "2100-02-29T12:00:00.000Z" },
    { createdAt: "2023-02-29T12:00:00.000Z" },
    { createdAt: "2023-02-28T12:00:00.000Z" },
    { createdAt: "2024-04-30T00:00:00.000Z" },
    { createdAt: "2024-04-31T00:00:00.000Z" },
    { createdAt: "2024-06-31T00:00:00.000Z" },
    { createdAt: "2024-09-31T00:00:00.000Z" },
    { createdAt: "2024-11-31T00:00:00.000Z" },
    { createdAt: "2024-12-31T00:00:00.000Z" },
    { createdAt: "2024-12-32T00:00:00.000Z" },
    { createdAt: "2024-00-10T00:00:00.000Z" },
    { createdAt: "2024-01-00T00:00:00.000Z" },
    { createdAt: "2024-01-10T23:60:00.000Z" },
    { createdAt: "2024-01-10T23:59:60.000Z" },
    { createdAt: "2024-01-10T23:59:59.999Z" },
    { createdAt: "2024-01-10T00:00:00.000Z" },
    { createdAt: "0001-12-31T23:59:59.999Z" },
    // Ids: lowercase ones are taken as they are, others normalised as the schema does.
    { commentId: "youtube:ugzde2tasfmrylynkgt4aaabag" },
    { commentId: "Youtube:UgzDE2tasfmrYLyNkGt4AaABAg" },
    { commentId: "a" },
    { commentId: "a".repeat(128) },
    { commentId: "a".repeat(129) },
    { commentId: "a b" },
    { commentId: "ä" },
    // Text: a real U+FFFD, other non-ASCII.
    { text: "replacement \uFFFD character" },
    { text: "ünïcødé ✓ 😀" },
  ];
  for (const overrides of variants) cases.push(encode(valid(overrides)));
  const { createdAt: _, ...missing } = valid();
  cases.push(encode(missing));
  cases.push(encode("not json"), encode("[]"), encode("null"), encode("5"), encode('"s"'));
  cases.push(new Uint8Array([0x7b, 0xff, 0x7d]));
  // Malformed UTF-8 inside an otherwise canonical comment (a stray continuation byte, a
  // truncated sequence, an encoded surrogate, an overlong form), and a byte-order mark.
  const canonical = encode(valid());
  const at = new TextDecoder().decode(canonical).indexOf("Great");
  for (const bad of [[0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xef, 0xbf, 0xbd]]) {
    cases.push(new Uint8Array([...canonical.slice(0, at), ...bad, ...canonical.slice(at)]));
  }
  cases.push(new Uint8Array([0xef, 0xbb, 0xbf, ...canonical]));
  // Not a Buffer, and a view into a larger buffer (as kafkajs hands values over).
  const padded = new Uint8Array(canonical.length + 6);
  padded.set(canonical, 3);
  cases.push(padded.subarray(3, 3 + canonical.length));
  // The fast path takes the producer's form, whatever the id and source look like.
  for (
    const overrides of [
      {},
      { commentId: "1864123456789012345" },
      { commentId: "5D1F8D4E-6A53-4A3F-9A62-1F2B8F0C9B11" },
      { source: " LinkedIn " },
      { createdAt: "2000-02-29T12:00:00.000Z" },
      { text: "replacement \uFFFD character" },
    ]
  ) {
    ok(canonicalComment(encode(valid(overrides)), MAX) !== null, JSON.stringify(overrides));
  }
  for (const value of [...cases, null]) {
    assertEquals(fastCheckRawComment(value, schema, MAX), checkRawComment(value, schema));
  }
});

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  checkRawComment,
  epochMillis,
  isoMillis,
  normalizeCommentId,
  ProcessedCommentSchema,
  rawCommentSchema,
  SCHEMA_VERSION,
  sourceLabel,
} from "./messages.ts";

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const valid = {
  schemaVersion: SCHEMA_VERSION,
  commentId: "5d1f8d4e-6a53-4a3f-9a62-1f2b8f0c9b11",
  text: "Love this!",
  source: "twitter",
  createdAt: "2026-11-26T10:00:00.000Z",
};
const { schemaVersion: _, createdAt: __, ...bare } = valid;

/** The comment a value comes out as, or its dead-letter reason. */
function outcome(input: unknown): unknown {
  const check = checkRawComment(input instanceof Uint8Array ? input : encode(input));
  return check.ok ? check.comment : check.reason;
}

Deno.test("a valid raw comment passes", () => {
  const check = checkRawComment(encode(valid));
  assertEquals(check, { ok: true, comment: valid, ignoredFields: [] });
});

Deno.test("each kind of bad input names its reason", () => {
  const cases: [unknown, string][] = [
    ["{not json", "invalid_json"],
    [new Uint8Array([0xff, 0xfe]), "invalid_json"],
    [{ ...valid, commentId: "" }, "invalid_schema"],
    [{ ...valid, commentId: "has space" }, "invalid_schema"],
    [{ ...valid, commentId: "x".repeat(129) }, "invalid_schema"],
    [{ ...valid, commentId: "ünïcode" }, "invalid_schema"],
    [{ ...valid, commentId: 1864123456789012345 }, "invalid_schema"],
    [{ ...valid, source: "" }, "invalid_schema"],
    [{ ...valid, source: "   " }, "invalid_schema"],
    [{ ...valid, source: "s".repeat(65) }, "invalid_schema"],
    [{ ...valid, source: 7 }, "invalid_schema"],
    [{ ...valid, text: 42 }, "invalid_schema"],
    [{ ...valid, schemaVersion: 2 }, "unsupported_schema_version"],
    [{ ...valid, schemaVersion: 99, text: 5, extra: true }, "unsupported_schema_version"],
    [{ ...valid, schemaVersion: 0 }, "invalid_schema"],
    [{ ...valid, schemaVersion: 1.5 }, "invalid_schema"],
    [{ ...valid, schemaVersion: "1" }, "invalid_schema"],
    [{ ...valid, schemaVersion: null }, "invalid_schema"],
    [bare, "invalid_schema"],
    [{ ...bare, createdAt: "yesterday" }, "invalid_schema"],
    [{ ...bare, createdAt: 1764665503748 }, "invalid_schema"],
    [{ ...bare, timestamp: "1764665503748" }, "invalid_schema"],
    [{ ...bare, timestamp: Number.NaN }, "invalid_schema"],
    [{ ...bare, timestamp: 1e20 }, "invalid_schema"],
    [{ ...bare, timestamp: true }, "invalid_schema"],
    [{ ...valid, timestamp: "not a time" }, "invalid_schema"],
    [{ ...valid, text: "   " }, "text_empty"],
    [{ ...valid, text: "x".repeat(5001) }, "text_too_long"],
    [[1, 2], "invalid_schema"],
    ["null", "invalid_schema"],
  ];
  for (const [input, reason] of cases) {
    assertEquals(outcome(input), reason, `for ${JSON.stringify(input)}`);
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

Deno.test("a UUID in capitals is the same comment; other ids are kept exactly as sent", () => {
  const uuid = checkRawComment(encode({ ...valid, commentId: valid.commentId.toUpperCase() }));
  assertEquals(uuid.ok ? uuid.comment.commentId : null, valid.commentId);
  for (
    const id of [
      "1864123456789012345",
      "UgzDE2tasfmrYLyNkGt4AaABAg",
      "yt:UgzDE2tasfmrYLyNkGt4AaABAg.9x-_",
      "x".repeat(128),
      "A",
    ]
  ) {
    assertEquals(outcome({ ...valid, commentId: id }), { ...valid, commentId: id });
  }
  // Not a UUID (one digit short): case matters.
  assertEquals(
    normalizeCommentId("5D1F8D4E-6A53-4A3F-9A62-1F2B8F0C9B1"),
    "5D1F8D4E-6A53-4A3F-9A62-1F2B8F0C9B1",
  );
});

Deno.test("sources are open, trimmed and lowercased; known ones keep their labels", () => {
  for (
    const [sent, stored] of [["Twitter", "twitter"], [" linkedin ", "linkedin"], [
      "trustpilot",
      "trustpilot",
    ], ["App Store", "app store"]]
  ) {
    assertEquals(outcome({ ...valid, source: sent }), { ...valid, source: stored });
  }
  assertEquals(outcome({ ...valid, source: ` ${"s".repeat(64)} ` }), {
    ...valid,
    source: "s".repeat(64),
  });
  assertEquals([sourceLabel("youtube"), sourceLabel("trustpilot")], ["YouTube", "trustpilot"]);
  assertEquals(sourceLabel("constructor"), "constructor");
});

Deno.test("a missing schemaVersion means 1, and unknown fields are ignored and named", () => {
  const { schemaVersion: _, ...unversioned } = valid;
  assertEquals(outcome(unversioned), valid);
  const check = checkRawComment(encode({ ...valid, author: "ann", lang: "en", likes: 3 }));
  assertEquals(check, { ok: true, comment: valid, ignoredFields: ["author", "lang", "likes"] });
});

Deno.test("timestamp stands for createdAt: epoch ms, epoch s, ISO with or without offset", () => {
  const at = (timestamp: unknown) => outcome({ ...bare, timestamp });
  const expect = (createdAt: string) => ({ ...valid, createdAt });
  assertEquals(at(1764665503748), expect("2025-12-02T08:51:43.748Z"));
  assertEquals(at(1764665503), expect("2025-12-02T08:51:43.000Z"));
  assertEquals(at(1764665503.5), expect("2025-12-02T08:51:43.500Z"));
  assertEquals(at("2026-12-02T08:51:43.748958Z"), expect("2026-12-02T08:51:43.748Z"));
  assertEquals(at("2026-12-02T08:51:43"), expect("2026-12-02T08:51:43.000Z"));
  assertEquals(at("2026-12-02T10:51+02:00"), expect("2026-12-02T08:51:00.000Z"));
  assertEquals(at("2026-12-02 08:51:43-0130"), expect("2026-12-02T10:21:43.000Z"));
  assertEquals(at(0), expect("1970-01-01T00:00:00.000Z"));
  // createdAt, this project's own field, wins when both are sent.
  assertEquals(outcome({ ...valid, timestamp: 1764665503748 }), valid);
  // createdAt is normalised too, and may go without an offset.
  assertEquals(
    outcome({ ...valid, createdAt: "2026-11-26T12:00:00.000+02:00" }),
    valid,
  );
  assertEquals(outcome({ ...valid, createdAt: "2026-11-26T10:00:00" }), valid);
});

Deno.test("the epoch unit is decided by magnitude, at 100 000 000 000", () => {
  assertEquals(epochMillis(99_999_999_999), 99_999_999_999_000);
  assertEquals(epochMillis(100_000_000_000), 100_000_000_000);
  assertEquals(epochMillis(-1_000), -1_000_000);
  assertEquals(new Date(epochMillis(99_999_999_999)).getUTCFullYear(), 5138);
  assertEquals(new Date(epochMillis(100_000_000_000)).toISOString(), "1973-03-03T09:46:40.000Z");
});

Deno.test("ISO date-times that name no real instant are refused", () => {
  for (
    const text of [
      "2026-02-30T10:00:00Z",
      "2026-02-28T24:00:00Z",
      "2026-02-28T23:60:00Z",
      "2026-02-28T23:59:60Z",
      "2026-13-01T00:00:00Z",
      "2026-12-01T00:00:00+24:00",
      "2026-12-01",
      "2026-12-01T00:00:00ZZ",
      " 2026-12-01T00:00:00Z",
    ]
  ) {
    assertEquals(isoMillis(text), null, text);
  }
  assertEquals(isoMillis("2024-02-29T23:59:59.999Z"), Date.parse("2024-02-29T23:59:59.999Z"));
  assertEquals(isoMillis("0050-06-01T00:00:00Z"), Date.parse("0050-06-01T00:00:00Z"));
  for (const edge of ["0000-12-31T23:59:59.999Z", "9999-12-31T23:00:00-01:00"]) {
    assertEquals(outcome({ ...valid, createdAt: edge }), "invalid_schema", edge);
  }
  assertEquals(outcome({ ...valid, createdAt: "0001-01-01T00:00:00Z" }), {
    ...valid,
    createdAt: "0001-01-01T00:00:00.000Z",
  });
});

Deno.test("a processed comment reader ignores unknown fields and checks the new optional ones", () => {
  const processed = {
    ...valid,
    textHash: "a".repeat(64),
    tag: "POSITIVE",
    processedAt: "2026-11-26T10:00:01.000Z",
    consumerId: "c1",
    retryCount: 0,
    seq: 1,
  };
  assertEquals(ProcessedCommentSchema.parse({ ...processed, futureField: { x: 1 } }), processed);
  const explained = { ...processed, score: -0.5, language: "und", reasons: ["not good"] };
  assertEquals(ProcessedCommentSchema.parse(explained), explained);
  for (
    const bad of [{ score: 1.5 }, { language: "english" }, { reasons: Array(9).fill("x") }, {
      reasons: [""],
    }]
  ) {
    ok(!ProcessedCommentSchema.safeParse({ ...processed, ...bad }).success, JSON.stringify(bad));
  }
});

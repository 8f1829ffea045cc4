import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { RawCommentSchema, SOURCES, TAGS } from "@sentiment/contracts/messages";
import { createCommentGenerator, fillTemplate, writeText } from "./generator.ts";
import { createRandom } from "@sentiment/kit/random";
import { TEMPLATES } from "./templates.ts";
import { VOCABULARY } from "./vocabulary.ts";

const fixedClock = () => new Date("2026-11-26T10:00:00.000Z");
const take = (seed: number, n: number, duplicateRatio = 0.05) => {
  const generator = createCommentGenerator({ seed, duplicateRatio, now: fixedClock });
  return Array.from({ length: n }, () => generator.next());
};

Deno.test("the same seed gives the same comments, ids included", () => {
  assertEquals(take(42, 2_000), take(42, 2_000));
  ok(take(42, 1)[0].comment.commentId !== take(43, 1)[0].comment.commentId);
});

Deno.test("every comment is valid per the proto schema", () => {
  for (const { comment } of take(1, 5_000)) {
    const result = RawCommentSchema.safeParse(comment);
    ok(result.success, JSON.stringify(comment));
  }
});

Deno.test("all classes and sources appear, and texts vary", () => {
  const generated = take(5, 10_000, 0);
  assertEquals(new Set(generated.map((g) => g.trueTag)), new Set(TAGS));
  assertEquals(new Set(generated.map((g) => g.comment.source)), new Set(SOURCES));
  const distinct = new Set(generated.map((g) => g.comment.text)).size;
  ok(distinct > 7_000, `only ${distinct} distinct texts in 10 000`);
});

Deno.test("duplicates re-send an earlier comment unchanged, at the requested ratio", () => {
  const generated = take(9, 20_000, 0.05);
  const firstSeen = new Map<string, string>();
  let duplicates = 0;
  for (const { comment, duplicate } of generated) {
    const serialized = JSON.stringify(comment);
    if (duplicate) {
      duplicates++;
      assertEquals(firstSeen.get(comment.commentId), serialized);
    } else {
      ok(!firstSeen.has(comment.commentId), "a new comment never reuses an id");
      firstSeen.set(comment.commentId, serialized);
    }
  }
  // Binomial(20 000, 0.05): sd ≈ 31; 5 sd either side.
  ok(Math.abs(duplicates - 1_000) < 155, `${duplicates} duplicates`);
  assertEquals(take(9, 1_000, 0).filter((g) => g.duplicate).length, 0);
});

Deno.test("every template slot has vocabulary", () => {
  const random = createRandom(3);
  for (const tag of TAGS) {
    for (const template of TEMPLATES[tag]) {
      const text = fillTemplate(template, random, VOCABULARY);
      ok(!text.includes("{"), `${template} → ${text}`);
    }
    ok(writeText(tag, random).length > 0);
  }
});

Deno.test("uuids are version 4 and unique", () => {
  const random = createRandom(11);
  const ids = Array.from({ length: 10_000 }, () => random.uuid());
  assertEquals(new Set(ids).size, ids.length);
  ok(
    ids.every((id) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)
    ),
  );
});

/**
 * The sentiment classifier against the producer's true classes. e2e is tooling, so it may import
 * both services' modules; the services themselves never import each other.
 */
import { ok } from "node:assert/strict";
import { createCommentGenerator } from "@sentiment/producer/generator";
import { classify } from "@sentiment/sentiment/classifier";
import { type Tag, TAGS } from "@sentiment/contracts/messages";

const N = 10_000;

Deno.test("the classifier agrees with the producer's true class on at least 95 % of 10 000 comments", () => {
  for (const seed of [1, 2026]) {
    const generator = createCommentGenerator({ seed, duplicateRatio: 0 });
    const perClass = Object.fromEntries(
      TAGS.map((tag) => [tag, { total: 0, agreed: 0 }]),
    ) as Record<
      Tag,
      { total: number; agreed: number }
    >;
    let agreed = 0;
    for (let i = 0; i < N; i++) {
      const { comment, trueTag } = generator.next();
      perClass[trueTag].total++;
      if (classify(comment.text) === trueTag) {
        agreed++;
        perClass[trueTag].agreed++;
      }
    }
    const summary = TAGS.map((tag) => `${tag} ${perClass[tag].agreed}/${perClass[tag].total}`).join(
      ", ",
    );
    ok(agreed / N >= 0.95, `seed ${seed}: ${agreed} of ${N} agree (${summary})`);
    for (const tag of TAGS) {
      ok(perClass[tag].agreed / perClass[tag].total >= 0.9, `seed ${seed}: ${summary}`);
    }
  }
});

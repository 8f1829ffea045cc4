import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import type { Tag } from "@sentiment/contracts/messages";
import { classify } from "./classifier.ts";
import { afinnClassify } from "./eval.ts";
import { evaluate, parseRatedTsv, truthOf } from "./evaluation.ts";

Deno.test("truth follows the shared README: > 0.5 positive, < -0.5 negative, else neutral", () => {
  assertEquals(
    [truthOf(0.51), truthOf(0.5), truthOf(0), truthOf(-0.5), truthOf(-0.51)],
    ["POSITIVE", "NEUTRAL", "NEUTRAL", "NEUTRAL", "NEGATIVE"],
  );
});

Deno.test("the figures of a known answer sheet", () => {
  const items = parseRatedTsv(
    ["a\t2\tp1", "b\t1.5\tp2", "c\t-2\tn1", "d\t0.2\tu1", "e\t-0.7\tn2"].join("\n"),
  );
  const answers: Record<string, Tag> = {
    p1: "POSITIVE",
    p2: "NEUTRAL",
    n1: "NEGATIVE",
    u1: "UNRELATED",
    n2: "POSITIVE",
  };
  const figures = evaluate(items, (text) => answers[text]);
  assertEquals(figures.items, 5);
  assertEquals(figures.accuracy, 3 / 5);
  // |r| ≥ 1: p1 right, p2 NEUTRAL counts wrong, n1 right.
  assertEquals([figures.polarityItems, figures.polarityAccuracy], [3, 2 / 3]);
  assertEquals(figures.unrelatedShare, 1 / 5);
  assertEquals(figures.confusion.NEUTRAL.NEUTRAL, 1);
  assertEquals(figures.confusion.NEGATIVE.POSITIVE, 1);
  // F1: POSITIVE p=1/2 r=1/2; NEGATIVE p=1 r=1/2; NEUTRAL p=1/2 r=1.
  const f1 = (p: number, r: number) => (2 * p * r) / (p + r);
  const expected = (f1(0.5, 0.5) + f1(1, 0.5) + f1(0.5, 1)) / 3;
  ok(Math.abs(figures.macroF1 - expected) < 1e-12);
});

Deno.test("a malformed line is reported with its number, a header line is skipped", () => {
  assertEquals(parseRatedTsv("id\trating\ttext\nx\t1\thi").length, 1);
  throws(() => parseRatedTsv("x\t1\tok\ny\tnot-a-number\ttext"), /line 2/);
  throws(() => parseRatedTsv("x\t1"), /line 1/);
});

// Floors a little under the figures measured when they were set (README): a change that
// loses agreement with people fails here, one that gains it does not.
Deno.test("on the committed sample of human-rated review snippets the figures stay above their floors", async () => {
  const items = parseRatedTsv(
    await Deno.readTextFile(
      new URL("./testdata/amazon_review_snippets_sample.tsv", import.meta.url),
    ),
  );
  const ours = evaluate(items, classify);
  const afinn = evaluate(items, afinnClassify);
  const shown = `accuracy ${ours.accuracy.toFixed(3)}, macro-F1 ${ours.macroF1.toFixed(3)}, ` +
    `polarity ${ours.polarityAccuracy.toFixed(3)}`;
  ok(ours.accuracy >= 0.6, shown);
  ok(ours.macroF1 >= 0.56, shown);
  ok(ours.polarityAccuracy >= 0.67, shown);
  ok(ours.unrelatedShare < 0.02, `UNRELATED share ${ours.unrelatedShare}`);
  // Never below the plain library on human-rated text.
  ok(ours.accuracy > afinn.accuracy && ours.macroF1 > afinn.macroF1, shown);
  ok(ours.polarityAccuracy > afinn.polarityAccuracy, shown);
});

Deno.test("on the social-media set rated before the classifier saw it, above plain AFINN and the floors", async () => {
  const items = parseRatedTsv(
    await Deno.readTextFile(new URL("./testdata/social_comments.tsv", import.meta.url)),
  );
  const ours = evaluate(items, classify);
  const afinn = evaluate(items, afinnClassify);
  const shown = `accuracy ${ours.accuracy.toFixed(3)}, macro-F1 ${ours.macroF1.toFixed(3)}, ` +
    `polarity ${ours.polarityAccuracy.toFixed(3)}`;
  // The first round's figures on it (0.697 / 0.691 / 0.677, README) are the floors.
  ok(ours.accuracy >= 0.69 && ours.macroF1 >= 0.68 && ours.polarityAccuracy >= 0.67, shown);
  ok(ours.unrelatedShare < 0.02, `UNRELATED share ${ours.unrelatedShare}`);
  ok(ours.accuracy > afinn.accuracy && ours.macroF1 > afinn.macroF1, shown);
  ok(ours.polarityAccuracy > afinn.polarityAccuracy, shown);
});

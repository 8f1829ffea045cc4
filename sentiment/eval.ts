/**
 * `deno task sentiment:eval FILE [FILE …]`: the classifier's accuracy, macro-F1, polarity
 * accuracy, UNRELATED share and confusion matrix on a TSV of id, rating, text, with plain
 * AFINN-165 (npm `sentiment`, the sign of its score) beside it.
 *
 * @module
 */
import Sentiment from "sentiment";
import type { Tag } from "@sentiment/contracts/messages";
import { classify } from "./classifier.ts";
import { evaluate, type Figures, parseRatedTsv, TRUTH_CLASSES } from "./evaluation.ts";

const afinnLibrary = new Sentiment();

/** Plain AFINN-165: the sign of the npm `sentiment` package's score. */
export function afinnClassify(text: string): Tag {
  const score = Number(afinnLibrary.analyze(text).score);
  return score > 0 ? "POSITIVE" : score < 0 ? "NEGATIVE" : "NEUTRAL";
}

/** The figures of both classifiers as printable lines. */
export function report(name: string, ours: Figures, afinn: Figures): string {
  const f = (value: number) => value.toFixed(3);
  const lines = [
    `${name}: ${ours.items} items (${ours.polarityItems} rated |r| ≥ 1)`,
    `                    accuracy  macro-F1  polarity  unrelated`,
    `  this classifier   ${f(ours.accuracy)}     ${f(ours.macroF1)}     ${
      f(ours.polarityAccuracy)
    }     ${(ours.unrelatedShare * 100).toFixed(2)} %`,
    `  plain AFINN-165   ${f(afinn.accuracy)}     ${f(afinn.macroF1)}     ${
      f(afinn.polarityAccuracy)
    }`,
    `  confusion (rows: truth, columns: this classifier; UNRELATED counted as NEUTRAL)`,
    `              ${TRUTH_CLASSES.map((cls) => cls.padStart(9)).join("")}`,
  ];
  for (const truth of TRUTH_CLASSES) {
    lines.push(
      `  ${truth.padEnd(10)}  ${
        TRUTH_CLASSES.map((answer) => String(ours.confusion[truth][answer]).padStart(9)).join("")
      }`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  if (Deno.args.length === 0) {
    console.error(
      "usage: deno task sentiment:eval FILE.tsv [FILE.tsv …]  (columns: id, rating, text)",
    );
    Deno.exit(2);
  }
  let failed = false;
  for (const path of Deno.args) {
    try {
      const items = parseRatedTsv(await Deno.readTextFile(path));
      console.log(report(path, evaluate(items, classify), evaluate(items, afinnClassify)));
    } catch (error) {
      failed = true;
      console.error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failed) Deno.exit(1);
}

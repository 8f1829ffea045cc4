/**
 * Scores a classifier against human ratings the way the project is judged (shared/eval's
 * README): a mean rating > 0.5 is POSITIVE, < -0.5 NEGATIVE, else NEUTRAL; UNRELATED counts as
 * NEUTRAL; polarity accuracy is taken on the items rated |r| ≥ 1, where a NEUTRAL answer is
 * wrong.
 *
 * @module
 */
import type { Tag } from "@sentiment/contracts/messages";

/** One human-rated text. */
export interface RatedText {
  id: string;
  /** Mean human rating; the sign is the polarity (-4 … +4 in the shared set). */
  rating: number;
  text: string;
}

/** The three classes the truth has. */
export type TruthClass = "POSITIVE" | "NEGATIVE" | "NEUTRAL";
/** The classes in the order the confusion matrix prints them. */
export const TRUTH_CLASSES: readonly TruthClass[] = ["POSITIVE", "NEGATIVE", "NEUTRAL"];

/** The figures of one classifier on one set. */
export interface Figures {
  items: number;
  accuracy: number;
  macroF1: number;
  /** Share right among the items rated |r| ≥ 1. */
  polarityAccuracy: number;
  polarityItems: number;
  /** Share of the answers that were UNRELATED. */
  unrelatedShare: number;
  /** confusion[truth][answer], UNRELATED folded into NEUTRAL. */
  confusion: Record<TruthClass, Record<TruthClass, number>>;
}

/** The class a mean rating stands for. */
export function truthOf(rating: number): TruthClass {
  return rating > 0.5 ? "POSITIVE" : rating < -0.5 ? "NEGATIVE" : "NEUTRAL";
}

/**
 * Parses a TSV of id, rating, text (the shared file's format). A line that does not parse is
 * reported with its number rather than skipped in silence.
 */
export function parseRatedTsv(content: string): RatedText[] {
  const items: RatedText[] = [];
  const lines = content.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === "") continue;
    const [id, ratingText, ...rest] = line.split("\t");
    const rating = Number(ratingText);
    if (rest.length === 0 || ratingText?.trim() === "" || !Number.isFinite(rating)) {
      // A header line is allowed once, at the top.
      if (items.length === 0 && index === 0 && !Number.isFinite(rating)) continue;
      throw new Error(
        `line ${index + 1}: expected "id<TAB>rating<TAB>text", got ${
          JSON.stringify(line.slice(0, 80))
        }`,
      );
    }
    items.push({ id, rating, text: rest.join("\t") });
  }
  return items;
}

/** Computes the figures of `classify` on `items`. */
export function evaluate(items: readonly RatedText[], classify: (text: string) => Tag): Figures {
  const confusion = {
    POSITIVE: { POSITIVE: 0, NEGATIVE: 0, NEUTRAL: 0 },
    NEGATIVE: { POSITIVE: 0, NEGATIVE: 0, NEUTRAL: 0 },
    NEUTRAL: { POSITIVE: 0, NEGATIVE: 0, NEUTRAL: 0 },
  };
  let right = 0;
  let polarityItems = 0;
  let polarityRight = 0;
  let unrelated = 0;
  for (const item of items) {
    const tag = classify(item.text);
    if (tag === "UNRELATED") unrelated++;
    const answer: TruthClass = tag === "UNRELATED" ? "NEUTRAL" : tag;
    const truth = truthOf(item.rating);
    confusion[truth][answer]++;
    if (answer === truth) right++;
    if (Math.abs(item.rating) >= 1) {
      polarityItems++;
      if (
        (item.rating > 0 && answer === "POSITIVE") || (item.rating < 0 && answer === "NEGATIVE")
      ) {
        polarityRight++;
      }
    }
  }
  let f1Sum = 0;
  for (const cls of TRUTH_CLASSES) {
    const truePositives = confusion[cls][cls];
    let answered = 0;
    let actual = 0;
    for (const other of TRUTH_CLASSES) {
      answered += confusion[other][cls];
      actual += confusion[cls][other];
    }
    const precision = answered === 0 ? 0 : truePositives / answered;
    const recall = actual === 0 ? 0 : truePositives / actual;
    f1Sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  const n = items.length;
  return {
    items: n,
    accuracy: n === 0 ? 0 : right / n,
    macroF1: f1Sum / TRUTH_CLASSES.length,
    polarityAccuracy: polarityItems === 0 ? 0 : polarityRight / polarityItems,
    polarityItems,
    unrelatedShare: n === 0 ? 0 : unrelated / n,
    confusion,
  };
}

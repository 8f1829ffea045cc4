/**
 * Tags a comment POSITIVE, NEGATIVE, NEUTRAL or UNRELATED, with a score in [-1, 1], its
 * language and the few terms or rules that decided. A pure function of the text: the same text
 * always gets the same answer, which lets the consumer cache by hash.
 *
 * Order of decisions: spam is UNRELATED whatever its tone; then the language is detected and
 * the text scored with that language's tables (a language without tables is NEUTRAL, never a
 * guess); an opinion-free text about something beside the post (parking, a sale) is UNRELATED.
 *
 * @module
 */
import type { Tag } from "@sentiment/contracts/messages";
import { ENGLISH } from "./english.ts";
import { detectLanguage, UNDETERMINED } from "./language.ts";
import { PROFILES } from "./languages/mod.ts";
import { asideTopic, spamTopic } from "./off_topic.ts";
import { reasonsOf, scoreTokens } from "./scorer.ts";
import { foldText, tokenize } from "./tokenize.ts";

/** What the classifier decided and why. */
export interface Classification {
  tag: Tag;
  /** Opinion strength in [-1, 1] (VADER's compound score); 0 for UNRELATED and unscored text. */
  score: number;
  /** ISO 639-1 code of the detected language, or "und". */
  language: string;
  /** The terms or rules that decided, most important first (at most five). */
  reasons: string[];
}

/** |score| below this is NEUTRAL (VADER's own threshold on its compound score). */
export const OPINION_THRESHOLD = 0.05;

/** Tags one text. */
export function classify(text: string): Tag {
  return explain(text).tag;
}

/** Tags one text and says why. */
export function explain(text: string): Classification {
  const folded = foldText(text);
  const lowercased = folded.toLowerCase();
  const spam = spamTopic(lowercased);
  const tokens = tokenize(folded);
  const language = detectLanguage(folded, tokens, PROFILES);
  if (spam) return { tag: "UNRELATED", score: 0, language, reasons: [spam] };

  // Text without words (emoji, numbers) is read with the language-independent emoji tables,
  // which every profile shares.
  const profile = language === UNDETERMINED ? ENGLISH : PROFILES.get(language);
  if (!profile) {
    return { tag: "NEUTRAL", score: 0, language, reasons: [`language not scored: ${language}`] };
  }
  const scored = scoreTokens(tokens, profile);
  const score = scored.compound;
  if (Math.abs(score) < OPINION_THRESHOLD) {
    const aside = asideTopic(lowercased);
    if (aside) return { tag: "UNRELATED", score: 0, language, reasons: [aside] };
    return { tag: "NEUTRAL", score, language, reasons: [] };
  }
  return {
    tag: score > 0 ? "POSITIVE" : "NEGATIVE",
    score,
    language,
    reasons: reasonsOf(scored),
  };
}

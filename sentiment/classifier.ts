/**
 * Tags a comment POSITIVE, NEGATIVE, NEUTRAL or UNRELATED by lexicon matching. A pure function
 * of the text: the same text always gets the same tag, which lets the consumer cache by hash.
 *
 * @module
 */
import type { Tag } from "@sentiment/proto/messages";
import {
  CONTRAST_WORDS,
  DOMAIN_PHRASES,
  INTENSIFIERS,
  isWord,
  NEGATORS,
  OFF_TOPIC_RULES,
  PRODUCT_TOPIC,
  wordScore,
} from "./lexicon.ts";

/** What the classifier saw, for logs and tests. */
export interface Classification {
  tag: Tag;
  /** Weighted opinion score; positive above the threshold, negative below minus it. */
  score: number;
  /** The off-topic family that decided an UNRELATED tag. */
  offTopic?: string;
}

/** |score| below this is NEUTRAL: a lone "ok" or "please" is not an opinion. */
export const OPINION_THRESHOLD = 1.5;
/** How many words back a negator reaches ("not at all good"). */
const NEGATION_WINDOW = 3;
/** A negated opinion is weaker than its opposite: "not bad" is not "great". */
const NEGATION_FACTOR = -0.75;

// Words (letters and digits, inner apostrophes kept), emoticons, emoji, and clause breaks.
const TOKEN_PATTERN =
  /[:;=]-?['"]?[()dp/]|<3|\p{Extended_Pictographic}|[\p{L}\p{N}]+(?:'[\p{L}]+)*|[.!?;,]+/gu;
const SPAM_RULES = OFF_TOPIC_RULES.filter((rule) => rule.spam);
const ASIDE_RULES = OFF_TOPIC_RULES.filter((rule) => !rule.spam);
// Phrases indexed by their first word, longest first, so a token costs one map lookup.
const PHRASES_BY_FIRST_WORD = new Map<string, { words: string[]; score: number }[]>();
for (const [phrase, score] of Object.entries(DOMAIN_PHRASES)) {
  const words = phrase.split(" ");
  const list = PHRASES_BY_FIRST_WORD.get(words[0]) ?? [];
  list.push({ words, score });
  list.sort((a, b) => b.words.length - a.words.length);
  PHRASES_BY_FIRST_WORD.set(words[0], list);
}

/** Lowercases and folds look-alike characters so "ＧＲＥＡＴ" and "don’t" match the lexicon. */
export function normalize(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[\u2018\u2019\u02bc`´]/g, "'");
}

/** Tags one text. */
export function classify(text: string): Tag {
  return explain(text).tag;
}

/** Tags one text and says why. */
export function explain(text: string): Classification {
  const normalized = normalize(text);
  const score = opinionScore(normalized, text);
  const spam = SPAM_RULES.find((rule) => rule.pattern.test(normalized));
  if (spam) return { tag: "UNRELATED", score, offTopic: spam.topic };
  const aside = ASIDE_RULES.find((rule) => rule.pattern.test(normalized));
  if (aside && !PRODUCT_TOPIC.test(normalized)) {
    return { tag: "UNRELATED", score, offTopic: aside.topic };
  }
  if (score >= OPINION_THRESHOLD) return { tag: "POSITIVE", score };
  if (score <= -OPINION_THRESHOLD) return { tag: "NEGATIVE", score };
  return { tag: "NEUTRAL", score };
}

function tokenize(normalized: string): string[] {
  return normalized.match(TOKEN_PATTERN) ?? [];
}

function isBreak(token: string): boolean {
  // Tokens are whole matches of TOKEN_PATTERN, so the first character tells the kind.
  const first = token.charCodeAt(0);
  return first === 46 || first === 33 || first === 63 || first === 59 || first === 44;
}

/** Words shouted in capitals count more: "GREAT" > "great". */
function shoutedWords(original: string): Set<string> {
  const shouted = new Set<string>();
  for (const word of original.match(/\b\p{Lu}{3,}\b/gu) ?? []) shouted.add(normalize(word));
  return shouted;
}

function opinionScore(normalized: string, original: string): number {
  const tokens = tokenize(normalized);
  const shouted = shoutedWords(original);
  let before = 0; // opinion before the last contrast word
  let after = 0;
  let contrasted = false;
  let boost = 1;
  let negatedUntil = -1;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (isBreak(token)) {
      negatedUntil = -1;
      boost = 1;
      if (token.includes("!") && (before !== 0 || after !== 0)) {
        // Exclamation marks stress what was already said.
        const stress = 1 + 0.1 * Math.min(token.length, 3);
        if (contrasted) after *= stress;
        else before *= stress;
      }
      continue;
    }
    if (CONTRAST_WORDS.has(token)) {
      contrasted = true;
      before += after;
      after = 0;
      negatedUntil = -1;
      continue;
    }
    const phrase = matchPhrase(tokens, index);
    if (phrase) {
      const value = phrase.score * boost * (index <= negatedUntil ? NEGATION_FACTOR : 1);
      if (contrasted) after += value;
      else before += value;
      index += phrase.length - 1;
      boost = 1;
      continue;
    }
    if (NEGATORS.has(token) || token.endsWith("n't")) {
      negatedUntil = index + NEGATION_WINDOW;
      continue;
    }
    const factor = INTENSIFIERS.get(token);
    if (factor !== undefined) {
      boost *= factor;
      continue;
    }
    const base = wordScore(token);
    if (base === 0) continue;
    let value = base * boost;
    if (shouted.has(token)) value *= 1.5;
    // Emoji stand outside the grammar: "not sure 😍" is still a heart.
    if (index <= negatedUntil && isWord(token)) value *= NEGATION_FACTOR;
    if (contrasted) after += value;
    else before += value;
    boost = 1;
  }
  // After "but" the writer says what they really think.
  return contrasted ? before * 0.3 + after * 1.5 : before + after;
}

function matchPhrase(tokens: string[], start: number): { score: number; length: number } | null {
  const candidates = PHRASES_BY_FIRST_WORD.get(tokens[start]);
  if (!candidates) return null;
  for (const phrase of candidates) {
    if (start + phrase.words.length > tokens.length) continue;
    let matches = true;
    for (let offset = 1; offset < phrase.words.length && matches; offset++) {
      matches = tokens[start + offset] === phrase.words[offset];
    }
    if (matches) return { score: phrase.score, length: phrase.words.length };
  }
  return null;
}

/**
 * Emoji and emoticons, the same in every language: the Emoji Sentiment Ranking (Kralj Novak et
 * al., 2015, as the npm `sentiment` package ships it) and VADER's emoticons, both on VADER's
 * scale, plus the common emoji newer than that ranking.
 *
 * @module
 */
import emojiRanking from "sentiment/build/emoji.json" with { type: "json" };
import { lexicon as vaderLexicon } from "vader-sentiment/src/vader_lexicon.js";
import { AFINN_TO_VADER } from "./english.ts";
import { lexiconMap, type Valence } from "./profile.ts";

/**
 * Emoji the 2015 ranking does not rate (most came with Unicode 8 or later, or were too rare in
 * its tweets), valued by their Unicode names and common use: faces of disgust, rage and
 * mockery are negative, hearts and star-struck faces positive; the thinking face and the eyes
 * are neutral.
 */
const NEWER_EMOJI: ReadonlyMap<string, Valence> = new Map([
  ["🔥", 1.6],
  ["💯", 1.6],
  ["🤩", 2.4],
  ["🥰", 2.4],
  ["🙂", 0.8],
  ["🤮", -2.4],
  ["🤢", -2],
  ["🤬", -2.4],
  ["🙄", -1.6],
  ["😢", -1.6],
  ["🤡", -1.6],
  ["🥲", 0],
  ["🥺", 0],
  ["🤣", 0.8], // as the ranking rates 😂
  ["🤔", 0],
  ["👀", 0],
  // In the table without a source row in the ranking's CSV that ships beside it; a parcel.
  ["📦", 0],
]);

const table = lexiconMap(emojiRanking as Record<string, number>, AFINN_TO_VADER);
for (const [emoji, valence] of NEWER_EMOJI) table.set(emoji, valence);

/** Valence of each emoji (without the U+FE0F presentation selector). */
export const EMOJI: ReadonlyMap<string, Valence> = table;

/** VADER's emoticons (":)", ":-(", "<3", ":d" in lower case). */
export const EMOTICONS: ReadonlyMap<string, Valence> = lexiconMap(
  vaderLexicon as Record<string, number>,
  1,
  (entry) => !/^[\p{L}\p{N}' -]+$/u.test(entry),
);

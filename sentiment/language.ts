/**
 * Which language a comment is in: the n-gram detector of npm `eld` (Nito-ELD), checked against
 * the words themselves. Short texts are where n-gram detectors go wrong ("buyer beware" reads
 * as Dutch, "ok" as Polish), so when the detector names a language whose words the text does
 * not contain while a scored language's words (its lexicon and its stop words, from npm
 * `stopword`) explain most of the text, that language wins.
 *
 * @module
 */
import { eld } from "eld/small";
import { deu, eng, fra, ita, por, spa, tur } from "stopword";
import type { LanguageProfile } from "./profile.ts";
import { type Token, TokenKind, unstretched } from "./tokenize.ts";

/** The code for "could not tell" (ISO 639-2's "undetermined"). */
export const UNDETERMINED = "und";

/** Below this many words the detector's verdict needs the words' support. */
const SHORT_TEXT_WORDS = 6;

const STOP_WORDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["en", new Set(eng)],
  ["es", new Set(spa)],
  ["de", new Set(deu)],
  ["fr", new Set(fra)],
  ["pt", new Set(por)],
  ["tr", new Set(tur)],
  ["it", new Set(ita)],
]);

/** How many of the words a profile knows (opinion, function or stop words). */
function evidence(words: readonly Token[], profile: LanguageProfile): number {
  const stop = STOP_WORDS.get(profile.code);
  let known = 0;
  for (const word of words) {
    const text = word.text;
    if (
      stop?.has(text) || profile.words.has(text) || profile.negators.has(text) ||
      profile.boosters.has(text) || profile.contrast.has(text) ||
      (word.elongated && profile.words.has(unstretched(text)))
    ) known++;
  }
  return known;
}

/**
 * The ISO 639-1 code of the text's language, or {@link UNDETERMINED} for text without words
 * (emoji, numbers) or too little to tell.
 */
export function detectLanguage(
  folded: string,
  tokens: readonly Token[],
  profiles: ReadonlyMap<string, LanguageProfile>,
): string {
  const words = tokens.filter((token) =>
    token.kind === TokenKind.WORD && /\p{L}/u.test(token.text)
  );
  if (words.length === 0) return UNDETERMINED;
  const result = eld.detect(folded);
  const detected = result.language;
  const latin = words.some((word) => /\p{Script=Latin}/u.test(word.text));
  if (detected !== "" && !latin) return detected;
  const detectedProfile = profiles.get(detected);
  const isShort = words.length < SHORT_TEXT_WORDS || !result.isReliable();
  if (detected === "en" || (detectedProfile && !isShort)) return detected;

  // The detector is unsure, the text is short, or it named a language we do not score:
  // let the scored languages' words speak.
  let best: string | undefined;
  let bestEvidence = 0;
  for (const profile of profiles.values()) {
    const known = evidence(words, profile);
    // Ties go to the detector's choice, then to English, the comments' usual language.
    const better = known > bestEvidence ||
      (known === bestEvidence && known > 0 && (profile.code === detected ||
        (profile.code === "en" && best !== detected)));
    if (better) {
      best = profile.code;
      bestEvidence = known;
    }
  }
  if (detectedProfile) {
    // A short text in a scored language: switch only when another explains it better.
    return best !== undefined && bestEvidence > evidence(words, detectedProfile) ? best : detected;
  }
  // An unscored or no verdict: a scored language must explain at least half the words, or a
  // third when the detector itself ranks it as the next likeliest.
  if (best !== undefined && bestEvidence * 2 >= words.length) return best;
  const runnerUp = Object.entries(result.getScores())
    .sort((a, b) => b[1] - a[1])
    .find(([code]) => profiles.has(code))?.[0];
  const runnerUpProfile = runnerUp === undefined ? undefined : profiles.get(runnerUp);
  if (runnerUpProfile && evidence(words, runnerUpProfile) * 3 >= words.length) return runnerUp!;
  return detected === "" ? UNDETERMINED : detected;
}

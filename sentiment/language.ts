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

/** Characters the detector reads. */
const DETECTION_SAMPLE = 600;

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

/** Whether a profile knows a word (as an opinion, function or stop word). */
function knows(profile: LanguageProfile, word: Token): boolean {
  const text = word.text;
  return STOP_WORDS.get(profile.code)?.has(text) === true || profile.words.has(text) ||
    profile.negators.has(text) || profile.boosters.has(text) || profile.contrast.has(text) ||
    (word.elongated && profile.words.has(unstretched(text)));
}

/**
 * How much of the text each scored language explains: a word known to several languages is
 * shared among them ("no", "super" and "man" tell little), a word known to one counts whole.
 */
function evidenceByLanguage(
  words: readonly Token[],
  profiles: ReadonlyMap<string, LanguageProfile>,
): Map<string, number> {
  const evidence = new Map<string, number>();
  for (const code of profiles.keys()) evidence.set(code, 0);
  const knowing: string[] = [];
  for (const word of words) {
    knowing.length = 0;
    for (const profile of profiles.values()) if (knows(profile, word)) knowing.push(profile.code);
    for (const code of knowing) evidence.set(code, evidence.get(code)! + 1 / knowing.length);
  }
  return evidence;
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
  // A comment keeps its language: the opening is enough, and long texts stay cheap.
  const result = eld.detect(
    folded.length > DETECTION_SAMPLE ? folded.slice(0, DETECTION_SAMPLE) : folded,
  );
  const detected = result.language;
  const latin = words.some((word) => /\p{Script=Latin}/u.test(word.text));
  if (detected !== "" && !latin) return detected;
  if (detected === "en") return detected;
  const detectedProfile = profiles.get(detected);
  // eld's reliability check costs as much as a detection: asked only when it can decide.
  if (detectedProfile && words.length >= SHORT_TEXT_WORDS && result.isReliable()) {
    return detected;
  }

  // The detector is unsure, the text is short, or it named a language we do not score:
  // let the scored languages' words speak.
  const evidence = evidenceByLanguage(words, profiles);
  let best: string | undefined;
  let bestEvidence = 0;
  for (const [code, known] of evidence) {
    // Ties go to the detector's choice, then to English, the comments' usual language.
    const better = known > bestEvidence ||
      (known === bestEvidence && known > 0 &&
        (code === detected || (code === "en" && best !== detected)));
    if (better) {
      best = code;
      bestEvidence = known;
    }
  }
  if (detectedProfile) {
    // A short text in a scored language: switch only when another explains it better.
    return best !== undefined && bestEvidence > evidence.get(detected)! ? best : detected;
  }
  // An unscored or no verdict: a scored language must explain at least half the words, or a
  // third when the detector itself ranks it as the next likeliest.
  if (best !== undefined && bestEvidence * 2 >= words.length) return best;
  const runnerUp = Object.entries(result.getScores())
    .sort((a, b) => b[1] - a[1])
    .find(([code]) => profiles.has(code))?.[0];
  if (runnerUp !== undefined && evidence.get(runnerUp)! * 3 >= words.length) return runnerUp;
  return detected === "" ? UNDETERMINED : detected;
}

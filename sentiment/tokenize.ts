/**
 * Splits a comment into the units the scorer reads: words (lowercased, with the shouting and
 * stretching the writer put in), emoji, emoticons and clause breaks. Links and @mentions are
 * kept apart so that they never score, and a hashtag's word counts as a word ("#fail").
 *
 * @module
 */

/** What a token is. */
export const TokenKind = {
  WORD: 0,
  EMOJI: 1,
  EMOTICON: 2,
  /** A run of sentence or clause punctuation: `.`, `!`, `?`, `;`, `,`, `:`. */
  BREAK: 3,
  /** A link or an @mention: read by the off-topic rules, never scored. */
  OTHER: 4,
} as const;
/** One of {@link TokenKind}'s values. */
export type TokenKind = typeof TokenKind[keyof typeof TokenKind];

/** One unit of a comment. */
export interface Token {
  /** Lowercased text; for an elongated word, with the stretch reduced to two letters. */
  text: string;
  kind: TokenKind;
  /** Written in capitals (two letters or more), as shouting: "GREAT". */
  shouted: boolean;
  /** A letter was repeated three times or more ("goood"): emphasis. */
  elongated: boolean;
}

/**
 * Folds the look-alikes a keyboard or phone produces onto the forms the lexicons hold:
 * full-width letters (NFKC), curly apostrophes, the emoji presentation selector, Turkish "İ".
 */
export function foldText(text: string): string {
  // Most comments are plain ASCII, where only the backtick needs folding.
  if (!NON_ASCII.test(text)) return text.includes("`") ? text.replaceAll("`", "'") : text;
  // "İ" lowercases to "i" plus a combining dot, which no lexicon holds.
  return text.normalize("NFKC").replace(/[\u2018\u2019\u02bc`´]/g, "'").replace(/\uFE0F/g, "")
    .replace(/İ/g, "I");
}

const NON_ASCII = /[^\u0020-\u007e\t\n\v\f\r]/;

// Emoticons as the common western set writes them, and the heart; matched on a whole
// whitespace-separated chunk first (VADER's way), then inside chunks at their edges.
const EMOTICON =
  /^(?:[<>]?[:;=8][-'^o*]?[()[\]dpDP/\\|*@3$<>{}]{1,3}|<\/?3+|[xX]-?[dDpP]|\^[_.]?\^|[oO0][._][oO0]|[dD][:;=]|>[._]<|\\o\/)$/u;
const CHUNK_PARTS = new RegExp(
  [
    String.raw`(?<url>(?:https?:\/\/|www\.)\S+)`,
    String.raw`(?<mention>@[\p{L}\p{N}_]+)`,
    String
      .raw`(?<emoticon>(?<![\p{L}\p{N}])(?:[:;=][-'^o]?[()[\]dpDP/\\|*@3]|<\/?3)(?![\p{L}\p{N}]))`,
    String.raw`(?<emoji>\p{Extended_Pictographic}|\p{Regional_Indicator}{2})`,
    // Words keep inner apostrophes ("don't", "l'app") so each language can split them its way.
    String.raw`(?<word>[\p{L}\p{M}\p{N}]+(?:'[\p{L}\p{M}]+)*'?)`,
    String.raw`(?<brk>[.!?;,:…]+)`,
  ].join("|"),
  "gu",
);
const STRETCH = /(\p{L})\1{2,}/u;
const STRETCH_ALL = /(\p{L})\1{2,}/gu;
const HAS_LOWER = /\p{Ll}/u;
const UPPER_LETTERS = /\p{Lu}/gu;

/** Tokenizes a folded text (see {@link foldText}). */
export function tokenize(folded: string): Token[] {
  const tokens: Token[] = [];
  for (const chunk of folded.split(/\s+/)) {
    if (chunk === "") continue;
    if (chunk.length >= 2 && chunk.length <= 5 && EMOTICON.test(chunk)) {
      tokens.push({
        text: chunk.toLowerCase(),
        kind: TokenKind.EMOTICON,
        shouted: false,
        elongated: false,
      });
      continue;
    }
    if (plainChunk(chunk, tokens)) continue;
    for (const match of chunk.matchAll(CHUNK_PARTS)) {
      const groups = match.groups!;
      if (groups.word !== undefined) tokens.push(wordToken(groups.word));
      else if (groups.brk !== undefined) {
        tokens.push(plain(groups.brk.replace(/…/g, "."), TokenKind.BREAK));
      } else if (groups.emoji !== undefined) tokens.push(plain(groups.emoji, TokenKind.EMOJI));
      else if (groups.emoticon !== undefined) {
        tokens.push(plain(groups.emoticon.toLowerCase(), TokenKind.EMOTICON));
      } else tokens.push(plain(match[0].toLowerCase(), TokenKind.OTHER));
    }
  }
  return tokens;
}

const Char = {
  APOSTROPHE: 0x27,
  DIGIT_0: 0x30,
  DIGIT_9: 0x39,
  UPPER_A: 0x41,
  UPPER_Z: 0x5a,
  LOWER_A: 0x61,
  LOWER_Z: 0x7a,
  /** Setting this bit lowercases an ASCII letter. */
  CASE_BIT: 0x20,
} as const;

function isAsciiLetter(code: number): boolean {
  return (code >= Char.LOWER_A && code <= Char.LOWER_Z) ||
    (code >= Char.UPPER_A && code <= Char.UPPER_Z);
}

function isAsciiLetterOrDigit(code: number): boolean {
  return isAsciiLetter(code) || (code >= Char.DIGIT_0 && code <= Char.DIGIT_9);
}

/** Clause punctuation as {@link CHUNK_PARTS} reads it, in ASCII. */
const BREAK_CHARS = new Set([".", "!", "?", ";", ",", ":"]);

/**
 * The common chunk, an ASCII word with its trailing punctuation ("phone,", "don't", "GREAT!!"),
 * tokenized without the general expression: exactly what {@link CHUNK_PARTS} makes of it (no
 * link, mention or emoticon can start inside such a chunk). Returns false for any other chunk.
 */
function plainChunk(chunk: string, tokens: Token[]): boolean {
  let end = 0;
  while (end < chunk.length && isAsciiLetterOrDigit(chunk.charCodeAt(end))) end++;
  if (end === 0) return false;
  // Inner apostrophes join letters only ("don't", "l'app"), as the word pattern says.
  while (
    end + 1 < chunk.length && chunk.charCodeAt(end) === Char.APOSTROPHE &&
    isAsciiLetter(chunk.charCodeAt(end + 1))
  ) {
    end++;
    while (end < chunk.length && isAsciiLetter(chunk.charCodeAt(end))) end++;
  }
  let wordEnd = end;
  if (end < chunk.length && chunk.charCodeAt(end) === Char.APOSTROPHE) wordEnd = ++end;
  for (let index = end; index < chunk.length; index++) {
    if (!BREAK_CHARS.has(chunk[index])) return false;
  }
  tokens.push(asciiWordToken(chunk.slice(0, wordEnd)));
  if (end < chunk.length) tokens.push(plain(chunk.slice(end), TokenKind.BREAK));
  return true;
}

/** {@link wordToken} for an ASCII word, by character codes. */
function asciiWordToken(raw: string): Token {
  const word = raw.endsWith("'") ? raw.slice(0, -1) : raw;
  let upper = 0;
  let lower = false;
  let run = 0;
  let previous = -1;
  let elongated = false;
  for (let index = 0; index < word.length; index++) {
    const code = word.charCodeAt(index);
    if (code >= Char.UPPER_A && code <= Char.UPPER_Z) upper++;
    else if (code >= Char.LOWER_A && code <= Char.LOWER_Z) lower = true;
    // A letter three times running, in either case ("goOod"), as the lowercased word shows.
    const letter = isAsciiLetter(code) ? code | Char.CASE_BIT : -1;
    run = letter !== -1 && letter === previous ? run + 1 : 1;
    if (run >= 3) elongated = true;
    previous = letter;
  }
  const text = word.toLowerCase();
  return {
    text: elongated ? text.replace(STRETCH_ALL, "$1$1") : text,
    kind: TokenKind.WORD,
    shouted: !lower && upper >= 2,
    elongated,
  };
}

function plain(text: string, kind: TokenKind): Token {
  return { text, kind, shouted: false, elongated: false };
}

function wordToken(raw: string): Token {
  const word = raw.endsWith("'") ? raw.slice(0, -1) : raw;
  const shouted = !HAS_LOWER.test(word) && (word.match(UPPER_LETTERS)?.length ?? 0) >= 2;
  const lower = word.toLowerCase();
  const elongated = STRETCH.test(lower);
  return {
    text: elongated ? lower.replace(STRETCH_ALL, "$1$1") : lower,
    kind: TokenKind.WORD,
    shouted,
    elongated,
  };
}

/** The other reading of an elongated word: every stretched letter once ("soo" → "so"). */
export function unstretched(word: string): string {
  return word.replace(/(\p{L})\1+/gu, "$1");
}

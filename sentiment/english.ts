/**
 * The English profile: VADER's lexicon (npm `vader-sentiment`, human-rated valences for 7 500
 * words, slang and emoticons), AFINN-165 (npm `sentiment`) for the words VADER lacks, VADER's
 * negators and degree words, and a short list of idioms whose meaning is not the sum of their
 * words.
 *
 * @module
 */
import afinn from "sentiment/languages/en/labels.json" with { type: "json" };
import { lexicon as vaderLexicon } from "vader-sentiment/src/vader_lexicon.js";
import { indexPhrases, type LanguageProfile, lexiconMap, type Valence } from "./profile.ts";

/** AFINN rates -5 … +5, VADER -4 … +4: one scale for both. */
export const AFINN_TO_VADER = 0.8;
/** VADER's empirically derived step for a degree word ("very", "slightly"). */
export const BOOSTER_STEP = 0.293;

// Numbers and single letters are not opinions in ordinary text: VADER's slang entries such as
// "187" or "86" would turn prices and model numbers into sentiment, and its "l" (for "laugh")
// sizes, initials and the "L" that now means a loss.
const notANumberOrLetter = (word: string) => !/^\d+$/.test(word) && word.length > 1;
const vader = lexiconMap(vaderLexicon as Record<string, number>, 1, notANumberOrLetter);
const words = new Map<string, Valence>(vader);
for (const [word, valence] of lexiconMap(afinn as Record<string, number>, AFINN_TO_VADER)) {
  if (!words.has(word)) words.set(word, valence);
}

/**
 * Opinion words neither VADER nor AFINN holds, common in comments about things people use and
 * unambiguous in general English. They fill gaps only: no library value is overridden.
 */
export const ENGLISH_GAP_WORDS: ReadonlyMap<string, Valence> = new Map([
  ["junk", -2],
  ["trash", -2],
  ["rubbish", -2],
  ["flimsy", -1.6],
  ["shoddy", -2],
  ["subpar", -1.6],
  ["mediocre", -1.2],
  ["unusable", -2.4],
  ["overpriced", -1.6],
  ["overrated", -1.2],
  ["underrated", 1.2],
  ["buggy", -1.6],
  ["glitchy", -1.6],
  ["laggy", -1.2],
  ["unhelpful", -1.6],
  ["ripoff", -2.4],
  ["scammed", -2.4],
  ["overheats", -1.6],
  ["overheating", -1.6],
  ["stale", -1.2],
  ["soggy", -1.2],
  ["grainy", -1.2],
  ["cringe", -1.6],
  ["clickbait", -1.6],
  ["nightmare", -2],
  // "Issue" in comments is a problem ("the only issue is the lens cap", "no issues so far").
  ["issue", -1.2],
  ["issues", -1.2],
  ["beware", -1.2],
  ["sturdy", 1.6],
  ["intuitive", 1.6],
  ["comfy", 1.6],
  ["tasty", 2],
  ["speedy", 1.2],
  ["legit", 1.2],
  ["gamechanger", 2],
]);
for (const [word, valence] of ENGLISH_GAP_WORDS) if (!words.has(word)) words.set(word, valence);

/**
 * Words that state no opinion, but whose negation is a complaint: "it doesn't work", "never
 * worked", "would not buy"; the value is the negated reading.
 */
export const ENGLISH_NEGATED_ONLY: ReadonlyMap<string, Valence> = new Map([
  ["work", -1.5],
  ["works", -1.5],
  ["worked", -1.5],
  ["working", -1.5],
  ["function", -1.5],
  ["functions", -1.5],
  ["buy", -1.5],
  ["buying", -1.5],
  ["purchase", -1.5],
  ["purchasing", -1.5],
  ["order", -1.2],
  ["ordering", -1.2],
]);

/**
 * Idioms: their meaning is not the sum of their words ("never been better" is praise, "don't
 * bother" a warning; "doesn't work" is a complaint though "work" carries no opinion). VADER's own
 * special cases come first.
 */
export const ENGLISH_IDIOMS: ReadonlyMap<string, Valence> = new Map<string, Valence>([
  ["the shit", 3],
  ["the bomb", 3],
  ["bad ass", 1.5],
  ["yeah right", -2],
  ["cut the mustard", 2],
  ["kiss of death", -1.5],
  ["hand to mouth", -2],
  // Set phrases that state no opinion, though a word in them would ("kind" in "kind of", the
  // negator in "can't believe how good", "not only … but also", a request for help).
  ["kind of", 0],
  ["sort of", 0],
  ["can't believe", 0],
  ["cannot believe", 0],
  ["not only", 0],
  ["not just", 0],
  // Names of a service, not praise of one ("customer support never replied").
  ["customer support", 0],
  ["tech support", 0],
  ["technical support", 0],
  ["product support", 0],
  ["support team", 0],
  ["support ticket", 0],
  ["please help", 0],
  ["need help", 0],
  ["help me", 0],
  ["any help", 0],
  ["never been better", 2.5],
  ["never felt better", 2.5],
  ["couldn't be better", 2.8],
  ["could not be better", 2.8],
  ["couldn't be happier", 3],
  ["could not be happier", 3],
  ["could be better", -1.2],
  ["could have been better", -1.2],
  ["don't bother", -1.8],
  ["do not bother", -1.8],
  ["don't even bother", -1.8],
  ["wouldn't bother", -1.8],
  ["not worth it", -1.8],
  ["not worth the", -1.8],
  ["can't complain", 1.5],
  ["cannot complain", 1.5],
  ["no complaints", 1.5],
  ["can't wait", 1.8],
  ["cannot wait", 1.8],
  ["can't go wrong", 2],
  ["never buy from", -2],
  ["never buying from", -2],
  ["never ordering from", -2],
  ["buy again", 1.5],
  ["buying again", 1.5],
  ["order again", 1.5],
  ["stay away", -1.8],
  ["never again", -1.8],
  ["stopped working", -2],
  ["stops working", -2],
  ["quit working", -2],
  ["cheaply made", -1.6],
  ["fell apart", -2],
  ["falls apart", -2],
  ["falling apart", -2],
  ["rip off", -2.5],
  ["ripped off", -2.5],
  ["thumbs up", 2],
  ["thumbs down", -2],
  ["what a joke", -2],
  ["made my day", 2.5],
  ["let down", -2],
  ["worth every penny", 2.5],
  ["exceeded my expectations", 2.5],
  ["exceeded expectations", 2.5],
  ["blew me away", 2.5],
  ["game changer", 2],
  ["want my money back", -2.5],
  ["save your money", -2],
  ["thanks for nothing", -2],
  // The writer's own return, reported ("returned it"), not advice or policy ("you can return it").
  ["returned it", -1.5],
  ["returning it", -1.5],
  ["sent it back", -1.5],
  ["sending it back", -1.5],
  ["sent mine back", -1.5],
  ["still waiting", -1.5],
  ["five stars", 2.5],
  ["5 stars", 2.5],
  ["one star", -2.5],
  ["1 star", -2.5],
  ["zero stars", -3],
  ["0 stars", -3],
]);

// Each idiom with "n't" is also written without the apostrophe ("dont bother"), and a modal
// with "have" also contracted ("could've been better", "couldve been better").
const idiomEntries: [string, Valence][] = [];
for (const [text, valence] of ENGLISH_IDIOMS) {
  const spellings = [text];
  if (text.includes("n't")) spellings.push(text.replaceAll("n't", "nt"));
  const modal = /\b(could|would|should|might) have\b/;
  if (modal.test(text)) {
    spellings.push(text.replace(modal, "$1've"), text.replace(modal, "$1ve"));
  }
  for (const spelling of spellings) idiomEntries.push([spelling, valence]);
}
// VADER's own multi-word entries ("can't stand", "fed up") are phrases too.
for (const [text, valence] of words) if (text.includes(" ")) idiomEntries.push([text, valence]);

/** VADER's negators (its "despite" is read as concessive here, which is what it is). */
const NEGATORS = new Set([
  "aint",
  "arent",
  "cannot",
  "cant",
  "couldnt",
  "darent",
  "didnt",
  "doesnt",
  "dont",
  "hadnt",
  "hasnt",
  "havent",
  "isnt",
  "mightnt",
  "mustnt",
  "neither",
  "neednt",
  "never",
  "none",
  "nope",
  "nor",
  "not",
  "nothing",
  "nowhere",
  "oughtnt",
  "shant",
  "shouldnt",
  "uhuh",
  "wasnt",
  "werent",
  "without",
  "wont",
  "wouldnt",
  "rarely",
  "seldom",
  // Approximate negators (Huddleston & Pullum 2002): "hardly a masterpiece" is no masterpiece,
  // and they pass the tests of negation ("hardly ever", "it barely works, does it?").
  "hardly",
  "barely",
  "scarcely",
  "nobody",
  "neednt",
  "aren't",
  "can't",
  "couldn't",
  "didn't",
  "doesn't",
  "don't",
  "hadn't",
  "hasn't",
  "haven't",
  "isn't",
  "mightn't",
  "mustn't",
  "needn't",
  "oughtn't",
  "shan't",
  "shouldn't",
  "wasn't",
  "weren't",
  "won't",
  "wouldn't",
  "ain't",
  "no",
]);

/** VADER's degree adverbs (Wiktionary's English degree adverbs). */
const INTENSIFIERS = [
  "absolutely",
  "amazingly",
  "awfully",
  "completely",
  "considerably",
  "decidedly",
  "deeply",
  "effing",
  "enormously",
  "entirely",
  "especially",
  "exceptionally",
  "extremely",
  "fabulously",
  "flipping",
  "flippin",
  "fricking",
  "frickin",
  "frigging",
  "friggin",
  "fully",
  "fucking",
  "greatly",
  "hella",
  "highly",
  "hugely",
  "incredibly",
  "intensely",
  "majorly",
  "more",
  "most",
  "particularly",
  "purely",
  "quite",
  "really",
  "remarkably",
  "so",
  "substantially",
  "thoroughly",
  "totally",
  "tremendously",
  "uber",
  "unbelievably",
  "unusually",
  "utterly",
  "very",
  // Opinion words of their own that are degree words before another opinion word: "super
  // laggy", "pretty bad", "truly awful" (the scorer decides by the next word).
  "super",
  "pretty",
  "truly",
  "real",
];
const DAMPENERS = [
  "kind of",
  "sort of",
  "almost",
  "kinda",
  "kindof",
  "less",
  "little",
  "marginally",
  "occasionally",
  "partly",
  "slightly",
  "somewhat",
  "sorta",
  "sortof",
];
const boosters = new Map<string, number>();
for (const word of INTENSIFIERS) boosters.set(word, BOOSTER_STEP);
for (const word of DAMPENERS) boosters.set(word, -BOOSTER_STEP);

/** The English profile. */
export const ENGLISH: LanguageProfile = {
  code: "en",
  words,
  phrases: indexPhrases(idiomEntries),
  negators: NEGATORS,
  boosters,
  contrast: new Set(["but", "however", "nevertheless", "nonetheless"]),
  concessive: new Set(["although", "though", "despite", "albeit"]),
  irrealis: new Set([
    "if",
    "unless",
    "wish",
    "wished",
    "wishes",
    "wishing",
    "hope",
    "hoped",
    "hopes",
    "hoping",
    "hopefully",
    "expected",
    "supposed",
  ]),
  irrealisPairs: new Map([["case", "in"]]),
  comparisons: { markers: new Set(["expected", "hoped"]), after: new Set(["than", "as"]) },
  greetings: indexPhrases(
    ["good morning", "good afternoon", "good evening", "good night"].map((text) => [text, 0]),
  ),
  disjuncts: new Set(["honestly", "truthfully"]),
  discourseMarkers: new Set(["ok", "okay"]),
  hyperbole: {
    negators: new Set(["can't", "cant", "cannot", "couldn't", "couldnt"]),
    closer: "enough",
  },
  counterfactualModals: new Set([
    "would",
    "could",
    "should",
    "might",
    "must",
    "would've",
    "could've",
    "should've",
    "might've",
    "wouldve",
    "couldve",
    "shouldve",
  ]),
  negatedOnly: ENGLISH_NEGATED_ONLY,
  polarQuestionStarts: new Set([
    "is",
    "are",
    "am",
    "was",
    "were",
    "do",
    "does",
    "did",
    "can",
    "could",
    "will",
    "would",
    "should",
    "shall",
    "may",
    "might",
    "has",
    "have",
    "had",
    "isn't",
    "aren't",
    "doesn't",
    "don't",
    "didn't",
    "anyone",
    "anybody",
  ]),
  negatesByForm: (word) => word.endsWith("n't"),
};

/** VADER's own table, for tests and the evaluation's comparison. */
export const VADER_WORDS: ReadonlyMap<string, Valence> = vader;

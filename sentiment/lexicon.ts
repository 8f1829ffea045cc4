/**
 * The word lists behind the classifier: AFINN-165 and its emoji table from the npm `sentiment`
 * package, corrected and extended for comments about products and posts, plus the negators,
 * intensifiers and off-topic patterns the scorer applies.
 *
 * @module
 */
import Sentiment from "sentiment";

/**
 * Domain words and corrections. AFINN rates words in general English; in product comments
 * "help", "please" or "kind" carry no opinion, "broke" is an outage rather than poverty, and
 * "fire" is praise.
 */
export const DOMAIN_WORDS: Readonly<Record<string, number>> = {
  // neutral in this domain though AFINN scores them
  please: 0,
  help: 0,
  helps: 0,
  want: 0,
  wants: 0,
  free: 0,
  kind: 0,
  yes: 0,
  no: 0,
  support: 0,
  care: 0,
  share: 0,
  gift: 0,
  clear: 0,
  easy: 1,
  super: 0,
  pretty: 0,
  like: 0,
  likes: 0,
  crazy: 0,
  insane: 0,
  sick: 0,
  damn: 0,
  hell: -1,
  lol: 1,
  haha: 1,
  funny: 1,
  win: 1,
  charged: -1,
  stuck: -2,
  // praise
  fire: 2,
  goat: 2,
  flawless: 4,
  solid: 2,
  sturdy: 2,
  reliable: 3,
  gorgeous: 3,
  stunning: 3,
  beautiful: 3,
  awesome: 4,
  fantastic: 4,
  brilliant: 4,
  outstanding: 4,
  superb: 4,
  love: 3,
  loved: 3,
  loving: 3,
  loves: 3,
  lovely: 3,
  obsessed: 3,
  recommend: 2,
  recommended: 2,
  impressed: 3,
  impressive: 3,
  smooth: 2,
  seamless: 3,
  intuitive: 2,
  affordable: 2,
  fast: 1,
  quick: 1,
  quickly: 1,
  speedy: 2,
  comfy: 2,
  comfortable: 2,
  delicious: 3,
  tasty: 3,
  helpful: 2,
  friendly: 2,
  polite: 2,
  responsive: 2,
  durable: 2,
  crisp: 2,
  vibrant: 2,
  gamechanger: 3,
  lifesaver: 3,
  underrated: 2,
  worth: 2,
  legit: 2,
  thank: 2,
  thanks: 2,
  thx: 2,
  ty: 1,
  // complaints
  broke: -3,
  broken: -3,
  breaks: -3,
  waste: -3,
  wasted: -3,
  overpriced: -3,
  overrated: -2,
  defective: -3,
  faulty: -3,
  flimsy: -2,
  cheaply: -2,
  laggy: -2,
  lag: -2,
  lags: -2,
  buggy: -3,
  bugs: -2,
  bug: -2,
  glitchy: -3,
  glitch: -2,
  glitches: -2,
  crash: -2,
  crashes: -3,
  crashed: -3,
  crashing: -3,
  freezes: -2,
  froze: -2,
  unusable: -4,
  useless: -3,
  garbage: -3,
  trash: -3,
  junk: -3,
  rubbish: -3,
  meh: -1,
  mediocre: -2,
  rude: -3,
  unhelpful: -3,
  ignored: -2,
  ignoring: -2,
  late: -1,
  delayed: -2,
  missing: -2,
  damaged: -3,
  scratched: -2,
  leaking: -2,
  leaks: -2,
  refund: -1,
  ripoff: -4,
  scam: -3,
  scammed: -4,
  disappointing: -3,
  disappointed: -3,
  disappointment: -3,
  regret: -3,
  terrible: -3,
  horrible: -3,
  awful: -3,
  worst: -3,
  annoying: -2,
  frustrating: -3,
  frustrated: -2,
  noisy: -2,
  overheats: -3,
  overheating: -3,
  drains: -2,
  stale: -2,
  soggy: -2,
  cold: 0,
  hot: 0,
  issue: -1,
  issues: -1,
  problem: -2,
  problems: -2,
  lacking: -2,
  blurry: -2,
  grainy: -2,
  boring: -2,
  cringe: -2,
  clickbait: -3,
  nightmare: -3,
  quality: 0,
  fit: 0,
};

/** Multi-word expressions scored as one unit, matched on word boundaries before single words. */
export const DOMAIN_PHRASES: Readonly<Record<string, number>> = {
  "waste of money": -4,
  "waste of time": -4,
  "rip off": -4,
  "never again": -3,
  "never buying": -3,
  "never ordering": -3,
  "stopped working": -3,
  "fell apart": -3,
  "falls apart": -3,
  "doesn't work": -3,
  "does not work": -3,
  "didn't work": -3,
  "did not work": -3,
  "won't turn on": -3,
  "want my money back": -4,
  "money back": -2,
  "still waiting": -2,
  "still no": -2,
  "no response": -2,
  "no reply": -2,
  "one star": -3,
  "1 star": -3,
  "zero stars": -4,
  "0 stars": -4,
  "five stars": 3,
  "5 stars": 3,
  "worth every penny": 4,
  "highly recommend": 3,
  "game changer": 3,
  "blew me away": 3,
  "exceeded my expectations": 4,
  "exceeded expectations": 4,
  "works like a charm": 3,
  "works perfectly": 3,
  "works great": 3,
  "can't complain": 2,
  "cannot complain": 2,
  "no complaints": 2,
  "no issues": 2,
  "no problems": 2,
  "not bad": 2,
  "i like": 2,
  "we like": 2,
  "really like": 2,
  "like it": 2,
  "like this": 2,
  "like the": 1,
  "like how": 2,
  "don't like": -2,
  "do not like": -2,
  "didn't like": -2,
  "thumbs up": 2,
  "thumbs down": -2,
  "love it": 3,
  "made my day": 3,
  "hands down": 1,
  "let down": -3,
  "letdown": -3,
  "customer service": 0,
  "kind of": 0,
  "can't believe": 0,
  "cannot believe": 0,
  "can't wait": 2,
  "cannot wait": 2,
  "couldn't be happier": 4,
  "could not be happier": 4,
  "can't stand": -3,
  "cannot stand": -3,
  "would buy again": 3,
  "buy again": 2,
  "10 10": 3,
  "what a joke": -3,
  "best friend": 0,
  "best friends": 0,
  "not worth": -3,
  "pretty much": 0,
};

/**
 * Emoticons and emoji beyond the library's emoji table (from the Emoji Sentiment Ranking), and
 * corrections where it rates an emoji against its use in comments.
 */
export const EMOJI: Readonly<Record<string, number>> = {
  "😂": 0, // laughing at or laughing with; tone decides elsewhere
  "😭": 0, // "so good 😭" is as common as grief
  "🔥": 3,
  "💯": 2,
  "🤩": 3,
  "🥰": 3,
  "🙂": 1,
  "😀": 2,
  "🤮": -4,
  "🤢": -3,
  "😤": -2,
  "🤬": -4,
  "😠": -3,
  "😡": -3,
  "👎": -3,
  "💩": -3,
  "🙄": -2,
  "😞": -2,
  "😢": -2,
  "😕": -1,
  "😫": -2,
  "🤡": -2,
  "🗑": -3,
  "📦": 0,
  "👀": 0,
  "🤔": 0,
  "⌛": 0,
  ":)": 2,
  ":-)": 2,
  ":d": 3,
  ":-d": 3,
  ";)": 1,
  "<3": 3,
  ":(": -2,
  ":-(": -2,
  ":/": -1,
  ":'(": -2,
  "xd": 1,
};

// The library keeps its AFINN table private, so single tokens are scored through its public
// `analyze`, which for one token is exactly the table lookup. (Importing the table's JSON from
// the npm package works at run time but drags Node's globals into type checking.)
const library = new Sentiment();
const afinnCache = new Map<string, number>();
const AFINN_CACHE_LIMIT = 50_000;

/** AFINN-165's score of one lowercased word or emoji (0 when it has none). */
export function afinnScore(token: string): number {
  const cached = afinnCache.get(token);
  if (cached !== undefined) return cached;
  // The library's tokenizer splits on spaces and punctuation; a token that contains them
  // (an emoticon like ":)") is not an AFINN word.
  const score: number = /[\s.,/#!?$%^&*;:{}=_`"~()]/.test(token)
    ? 0
    : Number(library.analyze(token).score ?? 0);
  // Comments bring unbounded vocabulary; a full cache starts over rather than grow.
  if (afinnCache.size >= AFINN_CACHE_LIMIT) afinnCache.clear();
  afinnCache.set(token, score);
  return score;
}

/** The score of a word or emoji: the domain table first, then AFINN and its emoji table. */
export function wordScore(token: string): number {
  return DOMAIN_WORDS[token] ?? EMOJI[token] ?? afinnScore(token);
}

/** True when the token is a word (not an emoji or emoticon), so negation applies to it. */
export function isWord(token: string): boolean {
  return /^[\p{L}\p{N}]/u.test(token);
}

/** Words that flip the opinion of the next few words ("not good", "never worked"). */
export const NEGATORS: ReadonlySet<string> = new Set([
  "not",
  "no",
  "never",
  "nothing",
  "nobody",
  "none",
  "neither",
  "nor",
  "without",
  "hardly",
  "barely",
  "cant",
  "can't",
  "cannot",
  "dont",
  "don't",
  "doesnt",
  "doesn't",
  "didnt",
  "didn't",
  "isnt",
  "isn't",
  "wasnt",
  "wasn't",
  "arent",
  "aren't",
  "werent",
  "weren't",
  "wont",
  "won't",
  "wouldnt",
  "wouldn't",
  "shouldnt",
  "shouldn't",
  "couldnt",
  "couldn't",
  "aint",
  "ain't",
  "havent",
  "haven't",
  "hasnt",
  "hasn't",
]);

/** Degree words and the factor they apply to the next opinion word. */
export const INTENSIFIERS: ReadonlyMap<string, number> = new Map([
  ["very", 1.5],
  ["really", 1.4],
  ["so", 1.4],
  ["soo", 1.5],
  ["sooo", 1.6],
  ["extremely", 1.8],
  ["super", 1.5],
  ["absolutely", 1.7],
  ["totally", 1.5],
  ["completely", 1.5],
  ["utterly", 1.8],
  ["incredibly", 1.8],
  ["insanely", 1.7],
  ["ridiculously", 1.6],
  ["seriously", 1.4],
  ["truly", 1.4],
  ["highly", 1.5],
  ["most", 1.3],
  ["too", 1.3],
  ["pretty", 1.1],
  ["quite", 1.1],
  ["slightly", 0.5],
  ["somewhat", 0.6],
  ["kinda", 0.6],
  ["bit", 0.6],
  ["little", 0.7],
]);

/** Words after which the rest of the sentence outweighs what came before ("ok but broke"). */
export const CONTRAST_WORDS: ReadonlySet<string> = new Set([
  "but",
  "however",
  "although",
  "though",
]);

/** A family of off-topic text and how it is recognised. */
export interface OffTopicRule {
  readonly topic: string;
  readonly pattern: RegExp;
  /**
   * Spam decides even when the text also talks about the product ("love it! use my code"); a
   * practical question (parking, wifi, hours) only when it is not also about the product.
   */
  readonly spam: boolean;
}

/** Off-topic families, matched on the lowercased text. */
export const OFF_TOPIC_RULES: readonly OffTopicRule[] = [
  {
    topic: "opening hours",
    spam: false,
    pattern:
      /\b(opening|business|store|shop|office) hours\b|\bwhat time (do|does|are|is)\b[^.?!]{0,40}\b(open|close)|\b(are|is) (you|it|the \w+|they) (still )?open\b|\bopen (on|this|today|tomorrow|late|sundays?|saturdays?|weekends?|holidays?|christmas|new year)|\bclos(e|es|ing) (early|time|at)\b|\bholiday hours\b|\bhours (today|tomorrow|on)\b|\bwhen do (you|they) (open|close)\b/u,
  },
  {
    topic: "parking",
    spam: false,
    pattern:
      /\bparking\b|\bpark (my|the|our) car\b|\bwhere (can|do|should) (i|we) park\b|\bvalet\b/u,
  },
  {
    topic: "wifi",
    spam: false,
    pattern: /\bwi-?fi\b|\b(internet|network) password\b|\bhotspot\b/u,
  },
  {
    topic: "promotion",
    spam: true,
    pattern:
      /\b(promo|discount|coupon|referral|voucher) ?codes?\b|\buse (my )?code\b|\bgiveaway\b|\b\d{1,3} ?% off\b|\blink in (my |the )?bio\b|\bdm (me )?(for|to)\b|\bclick (the|my|this) link\b|\blimited[- ]time (offer|deal)\b|\bflash sale\b|\bshop now\b|\bfree (iphone|gift ?cards?|followers|samples?)\b|\bhttps?:\/\/|\bwww\./u,
  },
  {
    topic: "crypto",
    spam: true,
    pattern:
      /\b(bitcoin|btc|eth|crypto|cryptocurrency|ethereum|usdt|airdrop|nfts?|forex|binance|blockchain|memecoin|altcoin|dogecoin|solana)\b|\bpassive income\b|\btrading (signals|bot)\b|\bdouble your (money|investment|crypto)\b|\b(invest|invested|investing) (\$|€|£)?\d|\bto the moon\b|\b100x\b|\bwallet address\b|\bturned (\$|€|£)?\d+k? into (\$|€|£)?\d/u,
  },
  {
    topic: "follow for follow",
    spam: true,
    pattern:
      /\bf4f\b|\bl4l\b|\bs4s\b|\bsub ?4 ?sub\b|\bfollow (for|4) follow\b|\blike (for|4) like\b|\bfollow ?back\b|\bfollow me\b|\bfollow my (page|account|channel)\b|\bcheck out my (page|channel|profile|account|music|videos?)\b|\bsubscribe to my\b|\bgain followers\b/u,
  },
];

/** Words that show a text is about the product, order or post rather than something beside it. */
export const PRODUCT_TOPIC =
  /\b(product|item|order|ordered|delivery|delivered|shipping|shipped|package|parcel|quality|price|app|battery|screen|camera|phone|laptop|headphones|earbuds|charger|device|purchase|purchased|bought|refund|return|warranty|size|fit|material|feature|features|version|video|content|tutorial|episode|brand|staff|service|support|food|coffee|meal|room|stay|flight|subscription|firmware|software|design)\b/u;

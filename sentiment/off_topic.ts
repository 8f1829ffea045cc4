/**
 * Text that is not a comment on the product or post: promotion and spam, and practical
 * questions about something beside it (opening hours, parking, wifi). A link, a hashtag or a
 * question alone is none of these: "Great product, full review at https://…" is an opinion.
 *
 * @module
 */

/** A family of off-topic text and how it is recognised (on the lowercased text). */
export interface OffTopicRule {
  readonly topic: string;
  readonly pattern: RegExp;
}

/**
 * Spam that decides even when the text also praises something ("love it! use my code"): the
 * comment exists to sell, recruit or scam, whatever tone it takes.
 */
export const SPAM_RULES: readonly OffTopicRule[] = [
  {
    topic: "promotion",
    pattern:
      /\b(promo|discount|coupon|referral|voucher) ?codes?\b|\buse (my )?code\b|\bgiveaway\b|\blink in (my |the )?bio\b|\bdm (me )?(for|to)\b|\bclick (the|my|this) link\b|\bfree (iphone|gift ?cards?|followers|samples?)\b|#(ad|sponsored|promo)\b/u,
  },
  {
    topic: "crypto scheme",
    pattern:
      /\bairdrop\b|\bpassive income\b|\btrading (signals|bot)\b|\bdouble your (money|investment|crypto)\b|\binvest(ed|ing)? [$€£]?\d[\d,.]*k?\b[^.!?]{0,30}\b(earn|make|profit)|\bto the moon\b|\bwallet address\b|\bturned (\$|€|£)?\d+k? into (\$|€|£)?\d/u,
  },
  {
    topic: "follow for follow",
    pattern:
      /\bf4f\b|\bl4l\b|\bs4s\b|\bsub ?4 ?sub\b|\bfollow (for|4) follow\b|\blike (for|4) like\b|\bfollow ?back\b|\bfollow me\b|\bfollow my (page|account|channel)\b|\bcheck out my (page|channel|profile|account|music|videos?)\b|\bsubscribe to my\b|\bgain followers\b/u,
  },
];

/**
 * Off-topic only when the text states no opinion: a sale announcement, a coin's name, a
 * question about parking. "Parking there is a nightmare" is an opinion and is scored.
 */
export const ASIDE_RULES: readonly OffTopicRule[] = [
  {
    topic: "promotion",
    pattern:
      /\b\d{1,3} ?% off\b|\blimited[- ]time (offer|deal)\b|\bflash sale\b|\bshop now\b|\bdm me\b/u,
  },
  {
    topic: "crypto",
    pattern:
      /\b(bitcoin|btc|eth|crypto|cryptocurrency|ethereum|usdt|nfts?|forex|binance|memecoin|altcoin|dogecoin|solana)\b/u,
  },
  {
    topic: "opening hours",
    pattern:
      /\b(opening|business|store|shop|office) hours\b|\bwhat time (do|does|are|is)\b[^.?!]{0,40}\b(open|close)|\b(are|is) (you|it|the \w+|they) (still )?open\b|\bopen (on|this|today|tomorrow|late|sundays?|saturdays?|weekends?|holidays?|christmas|new year)|\bclos(e|es|ing) (early|time|at)\b|\bholiday hours\b|\bhours (today|tomorrow|on)\b|\bwhen do (you|they) (open|close)\b/u,
  },
  {
    topic: "parking",
    pattern:
      /\bparking\b|\bpark (my|the|our) car\b|\bwhere (can|do|should) (i|we) park\b|\bvalet\b/u,
  },
  {
    topic: "wifi",
    pattern: /\bwi-?fi\b|\b(internet|network) password\b|\bhotspot\b/u,
  },
];

/** Words that show a text is about the product, order or post rather than something beside it. */
export const PRODUCT_TOPIC =
  /\b(product|item|order|ordered|delivery|delivered|shipping|shipped|package|parcel|quality|price|app|battery|screen|camera|phone|laptop|headphones|earbuds|charger|device|purchase|purchased|bought|refund|return|warranty|size|fit|material|feature|features|version|video|content|tutorial|episode|brand|staff|service|support|food|coffee|meal|room|stay|flight|subscription|firmware|software|design)\b/u;

/** The spam family the text belongs to, if any. */
export function spamTopic(lowercased: string): string | undefined {
  return SPAM_RULES.find((rule) => rule.pattern.test(lowercased))?.topic;
}

/** The off-topic family of a text without opinion, if it is about something beside the post. */
export function asideTopic(lowercased: string): string | undefined {
  const rule = ASIDE_RULES.find((candidate) => candidate.pattern.test(lowercased));
  if (!rule) return undefined;
  // A sale or a coin is off-topic wherever it appears; a question about parking only when it
  // is not also about the product ("is the parking sensor included with the order?").
  if (rule.topic !== "promotion" && rule.topic !== "crypto" && PRODUCT_TOPIC.test(lowercased)) {
    return undefined;
  }
  return rule.topic;
}

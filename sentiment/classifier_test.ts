import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Tag } from "@sentiment/contracts/messages";
import { classify, explain } from "./classifier.ts";

/** Hand-written cases, not produced by the generator: the classifier's independent check. */
const TABLE: [Tag, string][] = [
  // plain opinions
  ["POSITIVE", "I love this phone, the camera is amazing"],
  ["POSITIVE", "Great quality, fast shipping, would buy again."],
  ["NEGATIVE", "Terrible product, broke after two days."],
  ["NEGATIVE", "The app keeps crashing since the update. Useless."],
  // negation
  ["NEGATIVE", "This is not good at all."],
  ["NEGATIVE", "Not worth the money."],
  ["POSITIVE", "Not bad at all, I'm impressed."],
  ["NEGATIVE", "I don't like the new design."],
  ["NEGATIVE", "It doesn't work and support never answered."],
  ["POSITIVE", "No complaints, it does exactly what it says."],
  ["NEGATIVE", "Never buying from this brand again"],
  ["POSITIVE", "I can't believe how good the sound is!"],
  ["NEGATIVE", "isn't great, honestly kind of disappointing"],
  // intensifiers and shouting
  ["POSITIVE", "absolutely incredible, super comfy"],
  ["NEGATIVE", "extremely disappointed with the delivery"],
  ["POSITIVE", "This is AMAZING"],
  ["NEGATIVE", "WORST. PURCHASE. EVER."],
  // emoji and emoticons
  ["POSITIVE", "😍😍😍"],
  ["POSITIVE", "new headphones just arrived 🔥🔥"],
  ["NEGATIVE", "my order arrived broken 😡"],
  ["NEGATIVE", "👎👎 would not recommend"],
  ["POSITIVE", "Works like a charm :)"],
  ["NEGATIVE", "battery died again :("],
  ["POSITIVE", "❤️ this so much"],
  // mixed: the clause after "but" decides
  ["NEGATIVE", "The design is nice but the battery is awful."],
  ["POSITIVE", "Shipping was slow but the product is excellent."],
  ["POSITIVE", "A bit pricey, but honestly worth every penny."],
  ["NEGATIVE", "Looks great in photos, however it fell apart within a week."],
  // neutral
  ["NEUTRAL", "Does this come in blue?"],
  ["NEUTRAL", "Ordered on Monday, tracking says Thursday."],
  ["NEUTRAL", "How do I pair it with my laptop?"],
  ["NEUTRAL", "Which model is this?"],
  ["NEUTRAL", "It is a phone."],
  ["NEUTRAL", "🤔"],
  ["NEUTRAL", "Please help, how do I reset it?"],
  // off-topic: the topic decides, not the tone
  ["UNRELATED", "What are your opening hours on Sunday?"],
  ["UNRELATED", "Are you open on Christmas Eve?"],
  ["UNRELATED", "Is there parking near the store?"],
  // an opinion about something beside the post is still an opinion (issue 13)
  ["NEGATIVE", "Parking there is an absolute nightmare"],
  ["UNRELATED", "What's the wifi password?"],
  ["POSITIVE", "Love the free wifi in your café!"],
  ["UNRELATED", "Use my promo code SAVE20 for 20% off"],
  ["UNRELATED", "Amazing giveaway!!! Follow and tag 3 friends"],
  ["UNRELATED", "I made $3000 in a week trading bitcoin, DM me"],
  ["UNRELATED", "Crypto airdrop live now, claim at www.example.com 🚀"],
  ["UNRELATED", "follow for follow? I always follow back"],
  ["UNRELATED", "f4f 🙏"],
  ["UNRELATED", "sub4sub anyone"],
  ["UNRELATED", "Great video! Check out my channel too"],
  // unicode: full-width letters, curly apostrophes, accents, other scripts
  ["POSITIVE", "ＧＲＥＡＴ product"],
  ["NEGATIVE", "It doesn’t work"],
  ["POSITIVE", "Café crème maker is perfect"],
  ["NEUTRAL", "这是什么型号？"],
  ["NEUTRAL", "Привет из Москвы"],
  // very long text: opinion still found, no crash
  ["POSITIVE", `${"The box contains the device and a cable. ".repeat(120)}I love it.`],
  ["NEGATIVE", `Awful. ${"word ".repeat(999)}`],
];

Deno.test("the classifier tags the hand-written table as written", () => {
  const wrong = TABLE
    .map(([expected, text]) => ({ expected, text, got: explain(text) }))
    .filter(({ expected, got }) => got.tag !== expected)
    .map(({ expected, text, got }) =>
      `${expected} expected, ${got.tag} (score ${got.score.toFixed(2)}): ${text.slice(0, 80)}`
    );
  assertEquals(wrong, []);
});

Deno.test("classification is deterministic and ignores case and surrounding space", () => {
  for (const [, text] of TABLE) {
    assertEquals(classify(text), classify(text));
  }
  assertEquals(classify("  i LOVE it  "), classify("I love it"));
});

Deno.test("text with no words at all is neutral, not an error", () => {
  for (const text of ["", "   ", "...", "1234", "\u0000\u0001", "🙃".repeat(5_000)]) {
    assertEquals(typeof classify(text), "string");
  }
  assertEquals(classify("..."), "NEUTRAL");
});

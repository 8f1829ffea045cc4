import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { explain } from "./classifier.ts";

Deno.test("a link, a hashtag, a mention or a question alone never makes an opinion UNRELATED", () => {
  for (
    const [text, tag] of [
      ["Great product, full review at https://example.com/review", "POSITIVE"],
      ["Terrible, see www.example.com for the photos", "NEGATIVE"],
      ["#love this phone", "POSITIVE"],
      ["@maple_support this is the worst service ever", "NEGATIVE"],
      ["Why is it so slow to charge? Awful.", "NEGATIVE"],
      ["https://example.com/product/123", "NEUTRAL"],
      ["Does this come in blue?", "NEUTRAL"],
    ]
  ) assertEquals(explain(text).tag, tag, text);
});

Deno.test("promotion, scams and follow-for-follow are UNRELATED whatever their tone", () => {
  for (
    const [text, topic] of [
      ["Love it! Use my code SAVE20 for 20% off", "promotion"],
      ["Amazing giveaway!!! Follow and tag 3 friends", "promotion"],
      ["Flash sale, link in bio 🔥", "promotion"],
      ["I turned $500 into $5000 with BTC signals, DM me", "crypto scheme"],
      ["Invest $100 and earn $2000 in a week", "crypto scheme"],
      ["follow for follow? I always follow back", "follow for follow"],
      ["Great video! Check out my channel too", "follow for follow"],
    ]
  ) {
    const answer = explain(text);
    assertEquals([answer.tag, answer.reasons], ["UNRELATED", [topic]], text);
  }
});

Deno.test("questions about something beside the post are UNRELATED only without an opinion", () => {
  assertEquals(explain("What are your opening hours on Sunday?").tag, "UNRELATED");
  assertEquals(explain("Is there parking near the store?").tag, "UNRELATED");
  assertEquals(explain("What's the wifi password?").tag, "UNRELATED");
  assertEquals(explain("20% off everything this weekend").tag, "UNRELATED");
  assertEquals(explain("Parking there is an absolute nightmare").tag, "NEGATIVE");
  // About the product after all: a product word keeps it a comment.
  assertEquals(explain("Is the parking sensor included in the order?").tag, "NEUTRAL");
  // A review that mentions investing money in headphones is no scam.
  assertEquals(
    explain("invest 30 dollars in a nice pair and the sound quality goes up").tag,
    "POSITIVE",
  );
});

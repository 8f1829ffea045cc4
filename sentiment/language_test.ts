import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { detectLanguage, detectWithEld, readsAsEnglish, wordsOf } from "./language.ts";
import { PROFILES } from "./languages/mod.ts";
import { foldText, tokenize } from "./tokenize.ts";

async function column(file: string, index: number): Promise<string[]> {
  const content = await Deno.readTextFile(new URL(`./testdata/${file}`, import.meta.url));
  return content.trim().split("\n").slice(1).map((line) => line.split("\t")[index]);
}

function words(text: string) {
  return wordsOf(tokenize(foldText(text)));
}

Deno.test("the English shortcut agrees with the full detection on every committed comment", async () => {
  const texts = [
    ...await column("amazon_review_snippets_sample.tsv", 2),
    ...await column("social_comments.tsv", 2),
    ...await column("multilingual_comments.tsv", 2),
  ];
  let decided = 0;
  const disagreements: string[] = [];
  for (const text of texts) {
    const folded = foldText(text);
    const found = wordsOf(tokenize(folded));
    if (found.length === 0 || !readsAsEnglish(found, PROFILES)) continue;
    decided++;
    const full = detectWithEld(folded, found, PROFILES);
    if (full !== "en") disagreements.push(`${full}: ${text}`);
  }
  assertEquals(disagreements, []);
  // It is worth having only if it decides most English comments.
  ok(decided >= texts.length * 0.75, `${decided} of ${texts.length} decided by the shortcut`);
});

Deno.test("the shortcut never takes an ASCII comment in an unscored language for English", async () => {
  const claimed = (await column("unscored_ascii_comments.tsv", 1))
    .filter((text) => readsAsEnglish(words(text), PROFILES));
  assertEquals(claimed, []);
});

Deno.test("the shortcut needs two English words, a third of the text, and no other language's", () => {
  assertEquals(readsAsEnglish(words("great"), PROFILES), false);
  assertEquals(readsAsEnglish(words("the phone is great"), PROFILES), true);
  // Unknown words ("zorgon", "blix") count against English, and so does one Spanish-only word.
  assertEquals(readsAsEnglish(words("the zorgon blix wump frab"), PROFILES), false);
  assertEquals(readsAsEnglish(words("the phone is muy great"), PROFILES), false);
  // Letters outside ASCII leave the decision to eld.
  assertEquals(readsAsEnglish(words("the café is great"), PROFILES), false);
  // Where eld misreads plain English, the shortcut reads it right.
  assertEquals(detectLanguage("cool toy yep.", tokenize("cool toy yep."), PROFILES), "en");
});

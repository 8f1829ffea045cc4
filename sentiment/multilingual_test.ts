import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { explain } from "./classifier.ts";

interface Labelled {
  language: string;
  expected: string;
  text: string;
}

async function readSet(): Promise<Labelled[]> {
  const content = await Deno.readTextFile(
    new URL("./testdata/multilingual_comments.tsv", import.meta.url),
  );
  return content.trim().split("\n").slice(1).map((line) => {
    const [language, expected, text] = line.split("\t");
    return { language, expected, text };
  });
}

Deno.test("the multilingual set has at least 20 comments per language, each class present", async () => {
  const set = await readSet();
  for (const language of ["es", "de", "fr", "pt", "tr", "it"]) {
    const own = set.filter((item) => item.language === language);
    ok(own.length >= 20, `${language}: ${own.length}`);
    for (const tag of ["POSITIVE", "NEGATIVE", "NEUTRAL"]) {
      ok(own.some((item) => item.expected === tag), `${language} has no ${tag}`);
    }
  }
});

Deno.test("comments in the six languages: language found, polarity and tags above their floors", async () => {
  const set = await readSet();
  const answers = set.map((item) => ({ ...item, got: explain(item.text) }));
  const wrongLanguage = answers.filter((item) => item.got.language !== item.language)
    .map((item) => `${item.language} as ${item.got.language}: ${item.text}`);
  const polar = answers.filter((item) => item.expected !== "NEUTRAL");
  const polarRight = polar.filter((item) => item.got.tag === item.expected).length;
  const right = answers.filter((item) => item.got.tag === item.expected).length;
  const wrong = answers.filter((item) => item.got.tag !== item.expected)
    .map((item) => `${item.expected} expected, ${item.got.tag}: ${item.text}`).join("\n");
  ok(wrongLanguage.length <= set.length * 0.05, wrongLanguage.join("\n"));
  ok(polarRight / polar.length >= 0.9, `polarity ${polarRight}/${polar.length}\n${wrong}`);
  ok(right / set.length >= 0.9, `accuracy ${right}/${set.length}\n${wrong}`);
});

Deno.test("a language without tables is NEUTRAL with its language named, never a guessed polarity", () => {
  for (
    const [text, language] of [
      ["Привет из Москвы, всё отлично", "ru"],
      ["Это ужасно, никогда больше не куплю", "ru"],
      ["这是什么型号？非常好", "zh"],
      ["Dit is echt een geweldig product, ik ben er blij mee", "nl"],
      ["To jest naprawdę okropny produkt, nie polecam", "pl"],
    ]
  ) {
    const got = explain(text);
    assertEquals([got.tag, got.language, got.score], ["NEUTRAL", language, 0], text);
  }
});

Deno.test("short English comments are not taken for another language", () => {
  const texts = [
    "ok",
    "meh",
    "sucks.",
    "buyer beware.",
    "nice",
    "Great!",
    "love it",
    "hooray!",
    "awful, awful, awful.",
    "the fm radio is cool.",
    "Don't even bother.",
    "Never been better!",
    "sooo goood",
    "Works like a charm :)",
    "Not worth the money.",
    "WORST. PURCHASE. EVER.",
  ];
  const wrong = texts.map((text) => [text, explain(text).language])
    .filter(([, language]) => language !== "en");
  assertEquals(wrong, []);
});

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { foldText, type Token, tokenize, TokenKind } from "./tokenize.ts";

const word = (text: string, shouted = false, elongated = false): Token => ({
  text,
  kind: TokenKind.WORD,
  shouted,
  elongated,
});
const brk = (text: string): Token => ({
  text,
  kind: TokenKind.BREAK,
  shouted: false,
  elongated: false,
});
const other = (text: string, kind: TokenKind): Token => ({
  text,
  kind,
  shouted: false,
  elongated: false,
});

Deno.test("words keep inner apostrophes, lose a trailing one, and split from punctuation", () => {
  assertEquals(tokenize("don't,"), [word("don't"), brk(",")]);
  assertEquals(tokenize("dogs' toys"), [word("dogs"), word("toys")]);
  assertEquals(tokenize("rock'n'roll!!"), [word("rock'n'roll"), brk("!!")]);
  assertEquals(tokenize("abc'123"), [word("abc"), word("123")]);
  assertEquals(tokenize("save20 for 20%"), [word("save20"), word("for"), word("20")]);
  assertEquals(tokenize("com. http:"), [word("com"), brk("."), word("http"), brk(":")]);
});

Deno.test("capitals and stretched letters are remembered, in ASCII and beyond", () => {
  assertEquals(tokenize("GREAT!!"), [word("great", true), brk("!!")]);
  assertEquals(tokenize("I"), [word("i")]);
  assertEquals(tokenize("goOod"), [word("good", false, true)]);
  assertEquals(tokenize("sooo goood."), [
    word("soo", false, true),
    word("good", false, true),
    brk("."),
  ]);
  assertEquals(tokenize("GRAAAND"), [word("graand", true, true)]);
  assertEquals(tokenize("héééé"), [word("hee", false, true)].map((t) => ({ ...t, text: "héé" })));
  assertEquals(tokenize("1000"), [word("1000")]);
});

Deno.test("links, mentions, emoticons and emoji are their own tokens", () => {
  assertEquals(tokenize("@mike thanks https://x.io/a?b=1 :) xD 😍"), [
    other("@mike", TokenKind.OTHER),
    word("thanks"),
    other("https://x.io/a?b=1", TokenKind.OTHER),
    other(":)", TokenKind.EMOTICON),
    other("xd", TokenKind.EMOTICON),
    other("😍", TokenKind.EMOJI),
  ]);
  // An emoticon glued to a word is not read as one (the regex looks behind for a letter).
  assertEquals(tokenize("nice:)"), [word("nice"), brk(":")]);
  assertEquals(tokenize("#fail"), [word("fail")]);
});

Deno.test("folding maps keyboard look-alikes and leaves plain ASCII as it is", () => {
  assertEquals(foldText("it`s ＧＲＥＡＴ, it’s"), "it's GREAT, it's");
  const plain = "Plain ASCII, nothing to fold!";
  assertEquals(foldText(plain), plain);
});

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { textHash } from "./text_hash.ts";

Deno.test("textHash is SHA-256 hex of the lowercased, trimmed text", async () => {
  const expected = Array.from(
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode("great café ☕")),
    ),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
  assertEquals(textHash("  Great CAFÉ ☕\n"), expected);
  assertEquals(textHash("great café ☕"), expected);
});

Deno.test("textHash of a known value", () => {
  // sha256("abc")
  assertEquals(
    textHash(" ABC "),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  ok(/^[0-9a-f]{64}$/.test(textHash("x")));
  ok(textHash("good") !== textHash("not good"));
});

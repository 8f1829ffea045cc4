import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseProcessedMessage } from "./processed_consumer.ts";
import { comment } from "./test_fakes.ts";

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

Deno.test("a valid processed comment parses; bad ones say why and never throw", () => {
  assertEquals(parseProcessedMessage(encode(comment(3))), { ok: true, comment: comment(3) });
  const bad: unknown[] = [
    "{nope",
    { ...comment(3), seq: 0 },
    { ...comment(3), seq: undefined },
    { ...comment(3), tag: "HAPPY" },
    { ...comment(3), source: "" },
    [],
  ];
  for (const value of bad) {
    const parsed = parseProcessedMessage(encode(value));
    assertEquals(parsed.ok, false, JSON.stringify(value));
  }
  assertEquals(parseProcessedMessage(null).ok, false);
  assertEquals(parseProcessedMessage(new Uint8Array([0xff])).ok, false);
});

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createLogger, parseLogLevel } from "./log.ts";

Deno.test("log lines are JSON with level, service, message and ids, filtered by level", () => {
  const lines: string[] = [];
  const log = createLogger("consumer", "info", (line) => lines.push(line)).child({
    instance: "c1",
  });
  log.debug("hidden");
  log.info("Saved to database", { commentId: "abc" });
  log.error("boom", { error: new TypeError("bad") });
  const records = lines.map((line) => JSON.parse(line));
  assertEquals(records.length, 2);
  assertEquals(
    [
      records[0].level,
      records[0].service,
      records[0].message,
      records[0].commentId,
      records[0].instance,
    ],
    ["info", "consumer", "Saved to database", "abc", "c1"],
  );
  assertEquals(records[1].error, "TypeError: bad");
  assertEquals(log.debugEnabled, false);
});

Deno.test("log levels parse case-insensitively and reject unknown words", () => {
  assertEquals(parseLogLevel(" DEBUG "), "debug");
  assertEquals(parseLogLevel("verbose"), undefined);
});

Deno.test("whatever was thrown, the error field is one string and the line is still written", () => {
  const lines: string[] = [];
  const log = createLogger("api", "info", (line) => lines.push(line));
  log.warn("failed", { error: 10n }); // JSON.stringify throws on a BigInt
  log.warn("failed", { error: "plain text" });
  log.warn("failed", { error: { code: "ECONNREFUSED" } });
  assertEquals(lines.map((line) => JSON.parse(line).error), [
    "10",
    "plain text",
    '{"code":"ECONNREFUSED"}',
  ]);
});

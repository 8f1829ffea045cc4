import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { BadParameter } from "./http.ts";
import { isoDateTime, parseValue, sqlText } from "./params.ts";

Deno.test("text for SQL refuses NUL and unpaired surrogates, nothing else", () => {
  const schema = sqlText();
  for (const text of ["", "plain", "ünïcödé 😀", "\u0001\t\n", "\uffff", "%00"]) {
    assertEquals(parseValue(schema, text, "q"), text);
  }
  for (const text of ["a\u0000b", "\ud800", "x\udc00y", "\ud83d"]) {
    throws(() => parseValue(schema, text, "q"), (error) => error instanceof BadParameter, text);
  }
});

Deno.test("date-times are ISO 8601 with an offset, within years 0001-9999 UTC", () => {
  const schema = isoDateTime();
  for (
    const text of [
      "2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00.123456+05:30",
      "0001-01-01T00:00:00Z",
      "9999-12-31T23:59:59.999Z",
    ]
  ) assertEquals(parseValue(schema, text, "from"), text);
  for (
    const text of [
      "2026-01-01",
      "2026-01-01T00:00:00",
      "0000-01-01T00:00:00Z",
      "0001-01-01T00:00:00+00:01",
      "9999-12-31T23:59:59-00:01",
      "2026-02-30T00:00:00Z",
    ]
  ) {
    throws(() => parseValue(schema, text, "from"), (error) => error instanceof BadParameter, text);
  }
});

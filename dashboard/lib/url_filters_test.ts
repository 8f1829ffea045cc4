import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { historyStep, NO_FILTER, readFilter, sameFilter, writeFilter } from "./url_filters.ts";

Deno.test("filters are read from the query string; nonsense is ignored", () => {
  assertEquals(readFilter(""), NO_FILTER);
  assertEquals(readFilter("?tag=negative&source=Trustpilot&language=de&q=late+delivery"), {
    tag: "NEGATIVE",
    source: "trustpilot",
    language: "de",
    search: "late delivery",
  });
  assertEquals(readFilter("?tag=FURIOUS&language=german&source=" + "x".repeat(65)), NO_FILTER);
  assertEquals(readFilter("?language=und").language, "und");
  assertEquals(readFilter(`?q=${"a".repeat(500)}`).search.length, 200);
});

Deno.test("filters are written to the query string, keeping parameters the feed does not own", () => {
  const filter = {
    tag: "POSITIVE" as const,
    source: "reddit",
    language: "",
    search: "50% off & more",
  };
  const search = writeFilter(filter, "?debug&tag=negative");
  assertEquals(search, "?debug=&tag=positive&source=reddit&q=50%25+off+%26+more");
  assertEquals(readFilter(search), filter);
  assertEquals(writeFilter(NO_FILTER, search), "?debug=");
  assertEquals(writeFilter(NO_FILTER, ""), "");
  // A search of spaces only filters nothing, so it is not written.
  assertEquals(writeFilter({ ...NO_FILTER, search: "   " }, ""), "");
  assertEquals(sameFilter(readFilter(search), filter), true);
  assertEquals(sameFilter(NO_FILTER, filter), false);
});

Deno.test("each choice is a history step; a run of search edits is one", () => {
  assertEquals(historyStep("choice", null), "push");
  assertEquals(historyStep("choice", "choice"), "push");
  assertEquals(historyStep("search", "choice"), "push");
  assertEquals(historyStep("search", "search"), "replace");
  assertEquals(historyStep("choice", "search"), "push");
});

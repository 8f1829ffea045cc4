import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { createSnapshotParser } from "./snapshot_parser.ts";
import { fakeComment } from "./test_fixtures.ts";

const item = (seq: number) => ({ versionKey: `v${seq}`, data: fakeComment(seq) });

Deno.test("a snapshot is written as JSON would write it, across writes that share items", () => {
  const parser = createSnapshotParser();
  const a = item(1), b = item(2), c = item(3);
  const first = { "s:a": a, "s:b": b };
  strictEqual(parser.stringify(first), JSON.stringify(first));
  // The next write drops one item, keeps one (text reused) and adds one.
  const second = { "s:b": b, "s:c": c };
  strictEqual(parser.stringify(second), JSON.stringify(second));
  // An item replaced by a new object under the same key is written anew.
  const bAgain = { versionKey: "v2-new", data: fakeComment(2, { text: "edited" }) };
  const third = { "s:b": bAgain, "s:c": c };
  strictEqual(parser.stringify(third), JSON.stringify(third));
  strictEqual(parser.stringify({}), "{}");
});

Deno.test("rows and other values are plain JSON", () => {
  const parser = createSnapshotParser();
  const row = fakeComment(5);
  strictEqual(parser.stringify(row), JSON.stringify(row));
  assertEquals(parser.parse(JSON.stringify(row)), row);
  strictEqual(parser.stringify([1, "x"]), '[1,"x"]');
  strictEqual(parser.stringify(null), "null");
});

Deno.test("reading back the text last written or read gives its value; other text is parsed", () => {
  const parser = createSnapshotParser();
  const snapshot = { "s:a": item(1) };
  const text = parser.stringify(snapshot);
  strictEqual(parser.parse(text), snapshot);
  // An equal copy (as getItem returns) is recognised too.
  strictEqual(parser.parse(text.split("").join("")), snapshot);
  // Another tab's write is parsed, and is then the text remembered.
  const other = JSON.stringify({ "s:b": item(2) });
  const parsed = parser.parse(other);
  assertEquals(parsed, { "s:b": item(2) });
  strictEqual(parser.parse(other), parsed);
  assertEquals(parser.parse(text), snapshot);
});

Deno.test("invalid text throws as JSON.parse does", () => {
  const parser = createSnapshotParser();
  let error: unknown;
  try {
    parser.parse("{not json");
  } catch (caught) {
    error = caught;
  }
  strictEqual(error instanceof SyntaxError, true);
});

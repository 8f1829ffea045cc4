import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  decodeEntry,
  describeBytes,
  formatAge,
  formatTable,
  selectEntries,
  sortEntries,
} from "./dead_letters.ts";
import { parseLetterRef } from "./dlq_args.ts";
import { latestReplays } from "./replays.ts";

const encode = (text: string) => new TextEncoder().encode(text);

const letter = {
  schemaVersion: 1,
  reason: "text_empty",
  detail: "text is empty",
  attempts: 0,
  commentId: "c-1",
  originalTopic: "raw-comments",
  originalPartition: 0,
  originalOffset: "9",
  originalValueBase64: btoa("{}"),
  originalKeyBase64: null,
  failedAt: "2026-01-01T00:00:00.000Z",
  consumerId: "x",
};

Deno.test("a record that is not a dead letter is kept with the reason why", () => {
  const good = decodeEntry({
    partition: 1,
    offset: "4",
    key: null,
    value: encode(JSON.stringify(letter)),
  });
  assertEquals(good.position, "1:4");
  assertEquals(good.letter?.commentId, "c-1");
  const notJson = decodeEntry({ partition: 0, offset: "0", key: null, value: encode("{") });
  ok(notJson.problem?.startsWith("not JSON"));
  const wrongShape = decodeEntry({
    partition: 0,
    offset: "1",
    key: null,
    value: encode(JSON.stringify({ ...letter, attempts: "two" })),
  });
  ok(wrongShape.problem?.startsWith("not a dead letter"));
  // A tolerant reader: a reason added by a newer consumer, and fields it does not know.
  const newer = decodeEntry({
    partition: 0,
    offset: "3",
    key: null,
    value: encode(JSON.stringify({ ...letter, reason: "some_new_reason", extra: { a: 1 } })),
  });
  assertEquals([newer.problem, newer.letter?.reason], [undefined, "some_new_reason"]);
  const empty = decodeEntry({ partition: 0, offset: "2", key: null, value: null });
  assertEquals(empty.letter, null);
});

Deno.test("selection by reason and by reference; topic order by partition then offset", () => {
  const entries = sortEntries([
    decodeEntry({ partition: 1, offset: "10", key: null, value: encode(JSON.stringify(letter)) }),
    decodeEntry({ partition: 1, offset: "9", key: null, value: encode("x") }),
    decodeEntry({
      partition: 0,
      offset: "100",
      key: null,
      value: encode(JSON.stringify({ ...letter, reason: "invalid_json", commentId: "c-2" })),
    }),
  ]);
  assertEquals(entries.map((e) => e.position), ["0:100", "1:9", "1:10"]);
  assertEquals(
    selectEntries(entries, { kind: "reason", reason: "text_empty" }).map((e) => e.position),
    ["1:10"],
  );
  assertEquals(
    selectEntries(entries, { kind: "ref", ref: { kind: "commentId", commentId: "c-2" } })
      .map((e) => e.position),
    ["0:100"],
  );
  assertEquals(
    selectEntries(entries, { kind: "ref", ref: { kind: "position", partition: 1, offset: "9" } })
      .map((e) => e.position),
    ["1:9"],
  );
});

Deno.test("a reference finds letters by any kind of id, also ids that look like positions", () => {
  const at = (offset: string, commentId: string | null) =>
    decodeEntry({
      partition: 0,
      offset,
      key: null,
      value: encode(JSON.stringify({ ...letter, commentId })),
    });
  const entries = [
    at("1", "5D1F8D4E-6A53-4A3F-9A62-1F2B8F0C9B11"),
    at("2", "1864123456789012345"),
    at("3", "12:34"),
    at("4", "UgzDE2tasfmrYLyNkGt4AaABAg"),
  ];
  const found = (text: string) =>
    selectEntries(entries, { kind: "ref", ref: parseLetterRef(text) }).map((e) => e.position);
  // A letter written with the id in capitals, found by either spelling of the UUID.
  assertEquals(found("5d1f8d4e-6a53-4a3f-9a62-1f2b8f0c9b11"), ["0:1"]);
  assertEquals(found("5D1F8D4E-6A53-4A3F-9A62-1F2B8F0C9B11"), ["0:1"]);
  assertEquals(found("1864123456789012345"), ["0:2"]);
  assertEquals(found("12:34"), ["0:3"]);
  assertEquals(found("0:4"), ["0:4"]);
  // Platform ids are case-sensitive.
  assertEquals(found("ugzde2tasfmrylynkgt4aaabag"), []);
});

Deno.test("ages, bytes and tables read well", () => {
  const now = Date.parse("2026-01-03T05:00:00Z");
  assertEquals(formatAge("2026-01-03T04:59:15Z", now), "45s");
  assertEquals(formatAge("2026-01-03T04:47:57Z", now), "12m 3s");
  assertEquals(formatAge("2026-01-03T00:00:00Z", now), "5h 0m");
  assertEquals(formatAge("2025-12-30T01:00:00Z", now), "4d 4h");
  assertEquals(describeBytes(encode("héllo")), { text: "héllo", utf8: true });
  assertEquals(describeBytes(new Uint8Array([0xff, 0x00])), { text: "/wA=", utf8: false });
  assertEquals(formatTable(["A", "BB"], [["xxx", "y"]]), "A    BB\nxxx  y");
});

Deno.test("the latest replay record per position wins; a tombstone forgets it", () => {
  const record = (position: string, replayedAt: string) =>
    encode(JSON.stringify({
      deadLetterTopic: "dlq",
      position,
      commentId: null,
      reason: "invalid_json",
      rawTopic: "raw",
      replayedAt,
    }));
  const replays = latestReplays([
    { partition: 0, offset: "1", key: encode("0:1"), value: record("0:1", "later") },
    { partition: 0, offset: "0", key: encode("0:1"), value: record("0:1", "earlier") },
    { partition: 0, offset: "2", key: encode("0:2"), value: record("0:2", "t") },
    { partition: 0, offset: "3", key: encode("0:2"), value: null },
    { partition: 0, offset: "4", key: encode("0:3"), value: encode("junk") },
  ]);
  assertEquals([...replays.keys()], ["0:1"]);
  assertEquals(replays.get("0:1")?.replayedAt, "later");
});

import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseDlqArgs, parseLetterRef, UsageError } from "./dlq_args.ts";

Deno.test("a partition:offset is a position, anything else a comment id", () => {
  assertEquals(parseLetterRef("3:0017"), {
    kind: "position",
    partition: 3,
    offset: "17",
    asCommentId: "3:0017",
  });
  assertEquals(parseLetterRef("abc"), { kind: "commentId", commentId: "abc" });
  assertEquals(parseLetterRef("3:x"), { kind: "commentId", commentId: "3:x" });
  // Ids as the consumer spells them: UUIDs lowercased, platform ids as typed.
  assertEquals(parseLetterRef("5D1F8D4E-6A53-4A3F-9A62-1F2B8F0C9B11"), {
    kind: "commentId",
    commentId: "5d1f8d4e-6a53-4a3f-9a62-1f2b8f0c9b11",
  });
  assertEquals(parseLetterRef("UgzDE2tasfmrYLyNkGt4AaABAg"), {
    kind: "commentId",
    commentId: "UgzDE2tasfmrYLyNkGt4AaABAg",
  });
});

Deno.test("commands parse with their options in either spelling", () => {
  assertEquals(parseDlqArgs(["list"]), { command: "list", reason: undefined, json: false });
  assertEquals(parseDlqArgs(["list", "--reason=text_empty", "--json"]), {
    command: "list",
    reason: "text_empty",
    json: true,
  });
  assertEquals(parseDlqArgs(["show", "1:2"]), {
    command: "show",
    ref: { kind: "position", partition: 1, offset: "2", asCommentId: "1:2" },
    json: false,
  });
  assertEquals(parseDlqArgs(["replay", "--reason", "invalid_json", "--dry-run"]), {
    command: "replay",
    selection: { kind: "reason", reason: "invalid_json" },
    dryRun: true,
    force: false,
  });
  assertEquals(parseDlqArgs(["replay", "--id", "x", "--force"]), {
    command: "replay",
    selection: { kind: "ref", ref: { kind: "commentId", commentId: "x" } },
    dryRun: false,
    force: true,
  });
  assertEquals(parseDlqArgs(["replay", "--all"]).command, "replay");
  // A reason this version does not write (a newer consumer's) still selects its letters.
  assertEquals(parseDlqArgs(["list", "--reason", "some_new_reason"]), {
    command: "list",
    reason: "some_new_reason",
    json: false,
  });
  assertEquals(parseDlqArgs(["--help"]), { command: "help" });
});

Deno.test("mistakes are usage errors that say what was wrong", () => {
  const cases: [string[], RegExp][] = [
    [[], /no command/],
    [["drop"], /unknown command "drop"/],
    [["list", "--reason", "Bogus Reason"], /"Bogus Reason" is not a reason/],
    [["list", "--reason"], /--reason needs a value/],
    [["list", "--json=yes"], /--json takes no value/],
    [["list", "--all"], /list does not take --all/],
    [["show"], /exactly one/],
    [["show", "a", "b"], /exactly one/],
    [["replay"], /exactly one of --all, --reason or --id/],
    [["replay", "--all", "--reason", "text_empty"], /exactly one/],
    [["replay", "abc"], /use --id/],
    [["list", "--json", "--json"], /given twice/],
  ];
  for (const [args, message] of cases) {
    throws(() => parseDlqArgs(args), (error: unknown) => {
      return error instanceof UsageError && message.test(error.message);
    }, args.join(" "));
  }
});

import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseDlqArgs, parseLetterRef, UsageError } from "./dlq_args.ts";

Deno.test("a partition:offset is a position, anything else a comment id", () => {
  assertEquals(parseLetterRef("3:0017"), { kind: "position", partition: 3, offset: "17" });
  assertEquals(parseLetterRef("abc"), { kind: "commentId", commentId: "abc" });
  assertEquals(parseLetterRef("3:x"), { kind: "commentId", commentId: "3:x" });
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
    ref: { kind: "position", partition: 1, offset: "2" },
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
  assertEquals(parseDlqArgs(["--help"]), { command: "help" });
});

Deno.test("mistakes are usage errors that say what was wrong", () => {
  const cases: [string[], RegExp][] = [
    [[], /no command/],
    [["drop"], /unknown command "drop"/],
    [["list", "--reason", "bogus"], /unknown reason "bogus"/],
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

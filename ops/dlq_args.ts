/**
 * The command line of `deno task dlq`, parsed into one of three commands. Every mistake is a
 * {@link UsageError} whose message says what was wrong; the caller prints it with the usage and
 * exits 2.
 *
 * @module
 */
import { DEAD_LETTER_REASONS, normalizeCommentId } from "@sentiment/contracts/messages";

export const USAGE = [
  "usage: deno task dlq list [--reason REASON] [--json]",
  "       deno task dlq show <commentId | partition:offset> [--json]",
  "       deno task dlq replay (--all | --reason REASON | --id <commentId | partition:offset>)" +
  " [--dry-run] [--force]",
  `reasons: ${DEAD_LETTER_REASONS.join(", ")} (and any a newer consumer wrote)`,
].join("\n");

/**
 * A dead letter named on the command line: by its comment id or its place in the topic. Comment
 * ids may hold colons, so a position also names the letters whose comment id is `asCommentId`,
 * the text as typed.
 */
export type LetterRef =
  | { kind: "position"; partition: number; offset: string; asCommentId?: string }
  | { kind: "commentId"; commentId: string };

/**
 * Letters chosen by reason are chosen by any reason, not only those this version writes: the
 * tools read dead letters of newer consumers too.
 */
export type Selection =
  | { kind: "all" }
  | { kind: "reason"; reason: string }
  | { kind: "ref"; ref: LetterRef };

export type DlqCommand =
  | { command: "help" }
  | { command: "list"; reason?: string; json: boolean }
  | { command: "show"; ref: LetterRef; json: boolean }
  | {
    command: "replay";
    selection: Selection;
    dryRun: boolean;
    force: boolean;
  };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * `3:1207` is a position (and, as ids may hold colons, possibly a comment id); anything else is
 * taken as a comment id, spelt as the consumer spells it (a UUID in lowercase).
 */
export function parseLetterRef(text: string): LetterRef {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (match) {
    return {
      kind: "position",
      partition: Number(match[1]),
      offset: String(BigInt(match[2])),
      asCommentId: text,
    };
  }
  if (text.trim() === "") throw new UsageError("an empty comment id");
  return { kind: "commentId", commentId: normalizeCommentId(text) };
}

/** A reason: a known one, or any that looks like one (a newer consumer's). */
function parseReason(text: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(text)) {
    throw new UsageError(`"${text}" is not a reason (${DEAD_LETTER_REASONS.join(", ")}, ...)`);
  }
  return text;
}

interface Parsed {
  positional: string[];
  options: Map<string, string | true>;
}

const VALUE_OPTIONS = new Set(["reason", "id"]);
const FLAG_OPTIONS = new Set(["json", "all", "dry-run", "force", "help"]);

function split(args: string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h") {
      options.set("help", true);
      continue;
    }
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (options.has(name)) throw new UsageError(`--${name} given twice`);
    if (VALUE_OPTIONS.has(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "") {
        throw new UsageError(`--${name} needs a value`);
      }
      options.set(name, value);
    } else if (FLAG_OPTIONS.has(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      options.set(name, true);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { positional, options };
}

function allowOnly(parsed: Parsed, command: string, allowed: string[]): void {
  for (const name of parsed.options.keys()) {
    if (!allowed.includes(name)) {
      throw new UsageError(`${command} does not take --${name}`);
    }
  }
}

/** Parses `Deno.args`; throws UsageError. */
export function parseDlqArgs(args: string[]): DlqCommand {
  const parsed = split(args);
  const [command, ...rest] = parsed.positional;
  if (parsed.options.has("help") || command === "help") {
    return { command: "help" };
  }
  const text = (name: string) => parsed.options.get(name) as string | undefined;
  switch (command) {
    case undefined:
      throw new UsageError("no command given");
    case "list": {
      allowOnly(parsed, "list", ["reason", "json"]);
      if (rest.length > 0) {
        throw new UsageError(`list takes no argument (got "${rest[0]}")`);
      }
      const reason = text("reason");
      return {
        command: "list",
        reason: reason === undefined ? undefined : parseReason(reason),
        json: parsed.options.has("json"),
      };
    }
    case "show": {
      allowOnly(parsed, "show", ["json"]);
      if (rest.length !== 1) {
        throw new UsageError(
          "show takes exactly one commentId or partition:offset",
        );
      }
      return {
        command: "show",
        ref: parseLetterRef(rest[0]),
        json: parsed.options.has("json"),
      };
    }
    case "replay": {
      allowOnly(parsed, "replay", ["all", "reason", "id", "dry-run", "force"]);
      if (rest.length > 0) {
        throw new UsageError(
          `replay takes no argument (got "${rest[0]}"); use --id`,
        );
      }
      const selectors = ["all", "reason", "id"].filter((name) => parsed.options.has(name));
      if (selectors.length !== 1) {
        throw new UsageError(
          "replay needs exactly one of --all, --reason or --id",
        );
      }
      const reason = text("reason");
      const id = text("id");
      const selection: Selection = reason !== undefined
        ? { kind: "reason", reason: parseReason(reason) }
        : id !== undefined
        ? { kind: "ref", ref: parseLetterRef(id) }
        : { kind: "all" };
      return {
        command: "replay",
        selection,
        dryRun: parsed.options.has("dry-run"),
        force: parsed.options.has("force"),
      };
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

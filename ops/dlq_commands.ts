/**
 * What `deno task dlq list | show | replay` do, given a Kafka client and a place to print.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Kafka } from "kafkajs";
import type { DlqCommand, Selection } from "./dlq_args.ts";
import type { DlqConfig } from "./config.ts";
import {
  decodeBase64,
  decodeEntry,
  describeBytes,
  type DlqEntry,
  formatAge,
  formatTable,
  matchesRef,
  selectEntries,
  sortEntries,
} from "./dead_letters.ts";
import { ensureReplaysTopic, readReplays, type ReplayRecord } from "./replays.ts";
import { readTopicToEnd } from "./topic_reader.ts";

/** A failure to report in one line (exit 1), as opposed to a bug. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandError";
  }
}

export interface Context {
  kafka: Kafka;
  config: DlqConfig;
  out: (line: string) => void;
  now?: () => number;
}

/** Header that marks a replayed message on raw-comments with where it came from. */
export const REPLAY_HEADER = "dlq-replay-of";

async function readEntries(ctx: Context): Promise<DlqEntry[]> {
  const records = await readTopicToEnd(
    ctx.kafka,
    ctx.config.deadLetterTopic,
    ctx.config.readTimeoutMs,
  );
  if (records === undefined) {
    throw new CommandError(
      `the dead-letter topic ${ctx.config.deadLetterTopic} does not exist`,
    );
  }
  return sortEntries(records.map(decodeEntry));
}

export async function runCommand(
  ctx: Context,
  command: DlqCommand,
): Promise<void> {
  switch (command.command) {
    case "help":
      return;
    case "list":
      return await list(ctx, command.reason, command.json);
    case "show":
      return await show(ctx, command.ref, command.json);
    case "replay":
      return await replay(
        ctx,
        command.selection,
        command.dryRun,
        command.force,
      );
  }
}

async function list(
  ctx: Context,
  reason: string | undefined,
  json: boolean,
): Promise<void> {
  const [all, replays] = await Promise.all([
    readEntries(ctx),
    readReplays(ctx.kafka, ctx.config.replaysTopic, ctx.config.readTimeoutMs),
  ]);
  const entries = reason === undefined ? all : all.filter((e) => e.letter?.reason === reason);
  const now = ctx.now?.() ?? Date.now();
  if (json) {
    for (const entry of entries) {
      ctx.out(JSON.stringify({
        position: entry.position,
        partition: entry.partition,
        offset: entry.offset,
        reason: entry.letter?.reason ?? null,
        attempts: entry.letter?.attempts ?? null,
        commentId: entry.letter?.commentId ?? null,
        failedAt: entry.letter?.failedAt ?? null,
        ageSeconds: entry.letter
          ? Math.max(
            0,
            Math.floor((now - Date.parse(entry.letter.failedAt)) / 1000),
          )
          : null,
        replayedAt: replays.get(entry.position)?.replayedAt ?? null,
        problem: entry.problem ?? null,
      }));
    }
    return;
  }
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const key = entry.letter?.reason ?? "unreadable";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const summary = [...counts].map(([key, n]) => `${key} ${n}`).join(", ");
  ctx.out(
    `${ctx.config.deadLetterTopic}: ${entries.length} dead letter${
      entries.length === 1 ? "" : "s"
    }${reason ? ` with reason ${reason}` : ""}${summary ? ` (${summary})` : ""}`,
  );
  if (entries.length === 0) return;
  ctx.out(formatTable(
    ["POSITION", "REASON", "ATTEMPTS", "COMMENT ID", "AGE", "REPLAYED"],
    entries.map((entry) =>
      entry.letter
        ? [
          entry.position,
          entry.letter.reason,
          String(entry.letter.attempts),
          entry.letter.commentId ?? "-",
          formatAge(entry.letter.failedAt, now),
          replays.has(entry.position)
            ? formatAge(replays.get(entry.position)!.replayedAt, now) + " ago"
            : "-",
        ]
        : [entry.position, "unreadable", "-", "-", "-", entry.problem]
    ),
  ));
}

function originalOf(
  entry: DlqEntry & { letter: NonNullable<DlqEntry["letter"]> },
) {
  const value = decodeBase64(entry.letter.originalValueBase64);
  const key = entry.letter.originalKeyBase64 === null
    ? null
    : decodeBase64(entry.letter.originalKeyBase64);
  return { value, key };
}

async function show(
  ctx: Context,
  ref: Parameters<typeof matchesRef>[1],
  json: boolean,
) {
  const [entries, replays] = await Promise.all([
    readEntries(ctx),
    readReplays(ctx.kafka, ctx.config.replaysTopic, ctx.config.readTimeoutMs),
  ]);
  const found = entries.filter((entry) => matchesRef(entry, ref));
  if (found.length === 0) {
    const what = ref.kind === "position"
      ? `at ${ref.partition}:${ref.offset}`
      : `for comment ${ref.commentId}`;
    throw new CommandError(
      `no dead letter ${what} in ${ctx.config.deadLetterTopic}`,
    );
  }
  const now = ctx.now?.() ?? Date.now();
  for (const entry of found) {
    const replayed = replays.get(entry.position);
    if (!entry.letter) {
      if (json) {
        ctx.out(
          JSON.stringify({ position: entry.position, problem: entry.problem }),
        );
      } else {ctx.out(
          `dead letter ${entry.position}: unreadable: ${entry.problem}`,
        );}
      continue;
    }
    const { value, key } = originalOf(entry);
    const valueShown = describeBytes(value);
    const keyShown = key === null ? null : describeBytes(key);
    if (json) {
      ctx.out(JSON.stringify({
        position: entry.position,
        ...entry.letter,
        originalValueText: valueShown.utf8 ? valueShown.text : null,
        originalKeyText: keyShown?.utf8 ? keyShown.text : null,
        replayedAt: replayed?.replayedAt ?? null,
      }));
      continue;
    }
    const letter = entry.letter;
    let pretty = valueShown.text;
    if (valueShown.utf8) {
      try {
        pretty = JSON.stringify(JSON.parse(valueShown.text), null, 2);
      } catch {
        // Not JSON (that may be why it is here): show the text as it is.
      }
    }
    ctx.out(
      [
        `dead letter ${entry.position} in ${ctx.config.deadLetterTopic}`,
        `  reason:     ${letter.reason}`,
        `  detail:     ${letter.detail.replaceAll("\n", "\n              ")}`,
        `  attempts:   ${letter.attempts}`,
        `  commentId:  ${letter.commentId ?? "-"}`,
        `  failedAt:   ${letter.failedAt} (${formatAge(letter.failedAt, now)} ago)`,
        `  consumerId: ${letter.consumerId}`,
        `  original:   ${letter.originalTopic} ${letter.originalPartition}:${letter.originalOffset}`,
        `  key:        ${
          keyShown === null ? "(none)" : keyShown.utf8 ? keyShown.text : `base64 ${keyShown.text}`
        }`,
        `  replayed:   ${replayed ? `${replayed.replayedAt} to ${replayed.rawTopic}` : "no"}`,
        `  value (${value.length} bytes${valueShown.utf8 ? "" : ", not UTF-8, base64"}):`,
        ...pretty.split("\n").map((line) => `    ${line}`),
      ].join("\n"),
    );
  }
}

type Outcome =
  | { entry: DlqEntry; action: "replay" }
  | { entry: DlqEntry; action: "skip"; why: string };

async function replay(
  ctx: Context,
  selection: Selection,
  dryRun: boolean,
  force: boolean,
) {
  const { config } = ctx;
  const [entries, replays] = await Promise.all([
    readEntries(ctx),
    readReplays(ctx.kafka, config.replaysTopic, config.readTimeoutMs),
  ]);
  const selected = selectEntries(entries, selection);
  if (selected.length === 0) {
    if (selection.kind === "ref") {
      const ref = selection.ref;
      throw new CommandError(
        `no dead letter ${
          ref.kind === "position"
            ? `at ${ref.partition}:${ref.offset}`
            : `for comment ${ref.commentId}`
        } in ${config.deadLetterTopic}`,
      );
    }
    ctx.out(
      `nothing to replay: no dead letters selected in ${config.deadLetterTopic}`,
    );
    return;
  }
  const outcomes: Outcome[] = selected.map((entry) => {
    if (!entry.letter) {
      return { entry, action: "skip", why: `unreadable: ${entry.problem}` };
    }
    const { letter } = entry;
    if (letter.originalValueTruncated || letter.originalKeyTruncated) {
      // Replaying the first bytes would only make a broken message; the original is still in
      // its topic (until retention) and its hash identifies it there.
      return {
        entry,
        action: "skip",
        why:
          `only part of the original was kept (${
            letter.originalValueBytes ?? "?"
          } bytes); it is in ${letter.originalTopic} at ${letter.originalPartition}:${letter.originalOffset}` +
          (letter.originalValueSha256 ? `, sha256 ${letter.originalValueSha256}` : ""),
      };
    }
    const earlier = replays.get(entry.position);
    if (earlier && !force) {
      return {
        entry,
        action: "skip",
        why: `already replayed at ${earlier.replayedAt} (--force replays it again)`,
      };
    }
    return { entry, action: "replay" };
  });
  const toReplay = outcomes.filter((o) => o.action === "replay").map((o) => o.entry);
  const label = (entry: DlqEntry) =>
    `${entry.position} comment ${entry.letter?.commentId ?? "-"} (${
      entry.letter?.reason ?? "unreadable"
    })`;

  if (!dryRun && toReplay.length > 0) {
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(config.rawTopic)) {
        throw new CommandError(
          `the raw topic ${config.rawTopic} does not exist`,
        );
      }
      // Before anything is sent, so that a replay is never left without its record for lack
      // of a topic.
      await ensureReplaysTopic(admin, config.replaysTopic);
    } finally {
      await admin.disconnect();
    }
    const producer = ctx.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      // The original key and value, byte for byte, so the message takes the normal path.
      await producer.send({
        topic: config.rawTopic,
        acks: -1,
        messages: toReplay.map((entry) => {
          const { key, value } = originalOf(
            entry as DlqEntry & { letter: NonNullable<DlqEntry["letter"]> },
          );
          return {
            key: key === null ? null : Buffer.from(key),
            // A tombstone stays a tombstone: null, not an empty value.
            value: entry.letter?.originalValueNull ? null : Buffer.from(value),
            headers: {
              [REPLAY_HEADER]: `${config.deadLetterTopic}:${entry.position}`,
            },
          };
        }),
      });
      const replayedAt = new Date(ctx.now?.() ?? Date.now()).toISOString();
      await producer.send({
        topic: config.replaysTopic,
        acks: -1,
        messages: toReplay.map((entry) => {
          const record: ReplayRecord = {
            deadLetterTopic: config.deadLetterTopic,
            position: entry.position,
            commentId: entry.letter?.commentId ?? null,
            reason: entry.letter?.reason ?? "unknown",
            rawTopic: config.rawTopic,
            replayedAt,
          };
          return { key: entry.position, value: JSON.stringify(record) };
        }),
      });
    } finally {
      await producer.disconnect();
    }
  }

  const verb = dryRun ? "would replay" : "replayed";
  for (const outcome of outcomes) {
    ctx.out(
      outcome.action === "replay"
        ? `${verb} ${label(outcome.entry)}`
        : `skipped ${label(outcome.entry)}: ${outcome.why}`,
    );
  }
  const skipped = outcomes.length - toReplay.length;
  ctx.out(
    `${verb} ${toReplay.length}, skipped ${skipped}` +
      (toReplay.length > 0 ? ` → ${config.rawTopic}` : "") +
      (dryRun ? " (dry run: nothing sent)" : ""),
  );
}

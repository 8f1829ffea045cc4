/**
 * Dead letters as read back from their topic: decoded and checked against the shared
 * DeadLetterSchema, selected by reason, comment id or position, and printed for people.
 *
 * @module
 */
import {
  type DeadLetter,
  DeadLetterSchema,
  normalizeCommentId,
} from "@sentiment/contracts/messages";
import type { LetterRef, Selection } from "./dlq_args.ts";

/** One Kafka record of a topic, as the topic reader returns it. */
export interface TopicRecord {
  partition: number;
  /** Decimal string, as Kafka offsets exceed 2^53 in principle. */
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

/** A record of the dead-letter topic: a readable dead letter, or why it is not one. */
export type DlqEntry =
  & { partition: number; offset: string; position: string }
  & ({ letter: DeadLetter; problem?: undefined } | {
    letter: null;
    problem: string;
  });

export function positionOf(partition: number, offset: string): string {
  return `${partition}:${offset}`;
}

/** Decodes a dead-letter record; never throws (a record that is not a dead letter says why). */
export function decodeEntry(record: TopicRecord): DlqEntry {
  const base = {
    partition: record.partition,
    offset: record.offset,
    position: positionOf(record.partition, record.offset),
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(record.value ?? new Uint8Array()),
    );
  } catch (error) {
    return {
      ...base,
      letter: null,
      problem: `not JSON: ${(error as Error).message}`,
    };
  }
  const result = DeadLetterSchema.safeParse(parsed);
  if (!result.success) {
    return {
      ...base,
      letter: null,
      problem: `not a dead letter: ${result.error.issues.map((i) => i.message).join("; ")}`,
    };
  }
  return { ...base, letter: result.data };
}

/**
 * Whether `entry` is the letter `ref` names. Ids are compared as the consumer spells them, so a
 * letter written before UUIDs were lowercased in dead letters matches too.
 */
export function matchesRef(entry: DlqEntry, ref: LetterRef): boolean {
  const id = entry.letter?.commentId;
  const idIs = (wanted: string) =>
    id !== undefined && id !== null && normalizeCommentId(id) === wanted;
  return ref.kind === "position"
    ? (entry.partition === ref.partition && entry.offset === ref.offset) ||
      (ref.asCommentId !== undefined && idIs(ref.asCommentId))
    : idIs(ref.commentId);
}

export function selectEntries(
  entries: DlqEntry[],
  selection: Selection,
): DlqEntry[] {
  switch (selection.kind) {
    case "all":
      return entries;
    case "reason":
      return entries.filter((entry) => entry.letter?.reason === selection.reason);
    case "ref":
      return entries.filter((entry) => matchesRef(entry, selection.ref));
  }
}

/** Topic order: by partition, then offset. */
export function sortEntries<T extends { partition: number; offset: string }>(
  entries: T[],
): T[] {
  return [...entries].sort((a, b) =>
    a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1)
  );
}

export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** `45s`, `12m 3s`, `5h 2m`, `3d 4h`: how long ago `iso` was. */
export function formatAge(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** The original bytes shown for people: the text when it is UTF-8, otherwise base64. */
export function describeBytes(
  bytes: Uint8Array,
): { text: string; utf8: boolean } {
  try {
    return {
      text: new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      utf8: true,
    };
  } catch {
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return { text: btoa(binary), utf8: false };
  }
}

/** A fixed-width table with a header row. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i])).join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

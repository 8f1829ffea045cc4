/**
 * Builds the dead-letter record of a message the consumer gives up on: why, how many sentiment
 * attempts were made, and the original key and value, so it can be inspected and replayed.
 *
 * A dead letter must always fit the broker's message size limit, or the produce request that
 * carries it is refused and the pass can never finish (one oversized message upstream would stop
 * the pipeline). So the value and the key are kept byte for byte only up to a bound; beyond it
 * the letter holds their first bytes, the full length and the SHA-256 of the value, and the
 * original stays findable in its topic at `originalPartition:originalOffset`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type DeadLetter,
  type DeadLetterReason,
  SCHEMA_VERSION,
} from "@sentiment/contracts/messages";
import { encodeBase64 } from "./base64.ts";
import type { Delivery } from "./work_item.ts";

/** Bounds on what one dead letter carries; the defaults fit Kafka's 1 MiB default limit. */
export interface DeadLetterBounds {
  /** Most value bytes kept (base64 makes them 4/3 as large in the letter). */
  maxValueBytes: number;
  /** Most key bytes kept. */
  maxKeyBytes: number;
  /** Most characters of the detail text. */
  maxDetailChars: number;
}

export const DEFAULT_DEAD_LETTER_BOUNDS: DeadLetterBounds = {
  maxValueBytes: 64 * 1024,
  maxKeyBytes: 1024,
  maxDetailChars: 4096,
};

/** The dead letter for `item`; `attempts` is 0 for invalid input. */
export function deadLetterOf(
  item: Delivery,
  reason: DeadLetterReason,
  detail: string,
  attempts: number,
  consumerId: string,
  commentId: string | null,
  failedAt: Date = new Date(),
  bounds: DeadLetterBounds = DEFAULT_DEAD_LETTER_BOUNDS,
): DeadLetter {
  const value = item.value ?? new Uint8Array();
  const keptValue = value.byteLength > bounds.maxValueBytes
    ? value.subarray(0, bounds.maxValueBytes)
    : value;
  const keptKey = item.key !== null && item.key.byteLength > bounds.maxKeyBytes
    ? item.key.subarray(0, bounds.maxKeyBytes)
    : item.key;
  const letter: DeadLetter = {
    schemaVersion: SCHEMA_VERSION,
    reason,
    detail: truncateText(detail, bounds.maxDetailChars),
    attempts,
    commentId,
    originalTopic: item.topic,
    originalPartition: item.partition,
    originalOffset: item.offset,
    originalValueBase64: encodeBase64(keptValue),
    originalKeyBase64: keptKey === null ? null : encodeBase64(keptKey),
    originalValueBytes: value.byteLength,
    originalValueSha256: sha256Hex(value),
    failedAt: failedAt.toISOString(),
    consumerId,
  };
  if (keptValue !== value) letter.originalValueTruncated = true;
  if (keptKey !== item.key) letter.originalKeyTruncated = true;
  if (item.value === null) letter.originalValueNull = true;
  return letter;
}

/**
 * The same letter without the original bytes, for when Kafka refused even the bounded one (a
 * broker configured with a very small message size): the letter still says what failed, where the
 * original is, and its hash and length.
 */
export function withoutPayload(letter: DeadLetter): DeadLetter {
  return {
    ...letter,
    detail: truncateText(letter.detail, 512),
    originalValueBase64: "",
    originalKeyBase64: null,
    originalValueTruncated: (letter.originalValueBytes ?? 1) > 0,
    originalKeyTruncated: letter.originalKeyBase64 !== null,
  };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ` … (${text.length - max} more characters)`;
  // Never cut a surrogate pair in half: the letter is JSON and must stay well-formed text.
  let end = Math.max(0, max - marker.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + marker;
}

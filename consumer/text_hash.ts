/**
 * The text hash that keys the tag cache and travels with every processed comment.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * SHA-256, as 64 lowercase hex digits, of the text lowercased and trimmed, so texts that differ
 * only in case or surrounding whitespace share one hash (and one sentiment answer).
 * Synchronous on purpose: Web Crypto's digest costs a promise per text on the hot path.
 */
export function textHash(text: string): string {
  return createHash("sha256").update(text.toLowerCase().trim(), "utf8").digest("hex");
}

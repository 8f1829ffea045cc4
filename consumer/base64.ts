/**
 * Base64 of raw bytes, for dead letters (JSR's @std/encoding is not reachable here).
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** Standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Tells an outage (PostgreSQL cannot be reached or refuses connections) from a bug, so the
 * router answers 503 with Retry-After for the first and 500 only for the second.
 *
 * @module
 */

/** postgres.js's own codes for a connection it could not open or lost. */
const CLIENT_CODES = new Set([
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "ETIMEDOUT",
]);

/**
 * True for errors that mean the database is unavailable: connection failures, and the server's
 * SQLSTATE classes 08 (connection exception), 53 (insufficient resources, e.g. too many
 * connections) and 57P (shutting down, starting up).
 */
export function isDatabaseOutage(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return false;
  return CLIENT_CODES.has(code) || code.startsWith("08") || code.startsWith("53") ||
    code.startsWith("57P");
}

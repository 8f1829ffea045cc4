/**
 * The optional bearer token (`API_TOKEN`). When it is set every route but the health checks
 * requires `Authorization: Bearer <token>`; anything else gets one fixed 401 that says nothing
 * about what was wrong (missing, malformed and wrong tokens look alike).
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { apiError } from "./http.ts";

/** Paths answered without a token, so orchestrators can probe the process. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz"]);

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Returns a check that answers 401 for a request without the token, or null when the request
 * may go on. Without a token configured every request may go on.
 */
export function bearerAuth(
  token: string | null,
): (request: Request, path: string) => Response | null {
  if (token === null) return () => null;
  // Both sides are hashed first, so the comparison takes the same time whatever the length
  // or the content of the presented token.
  const expected = digest(token);
  return (request, path) => {
    if (OPEN_PATHS.has(path) || request.method === "OPTIONS") return null;
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1]), expected)) return null;
    const response = apiError(401, "unauthorized");
    response.headers.set("www-authenticate", 'Bearer realm="api"');
    return response;
  };
}

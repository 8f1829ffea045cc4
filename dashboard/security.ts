/**
 * The security headers of the dashboard's answers. The page loads only its own script, styles,
 * worker and api (same origin, through the proxy), so its policy allows nothing else: a comment
 * that somehow became markup could not load or send anything.
 *
 * @module
 */

/**
 * The page's Content-Security-Policy. `style-src-attr 'unsafe-inline'` is for the `style`
 * attributes of the server-rendered markup (bar widths, row positions); it allows no style
 * sheets and no script.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every answer: no type sniffing, no referrer, not loadable by other sites. */
export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};

/** Headers of HTML answers: the policy, and never inside a frame (clickjacking). */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  ...COMMON_SECURITY_HEADERS,
  "content-security-policy": PAGE_CSP,
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

/** Sets each of `security` on `headers` that the answer does not carry already. */
export function withSecurityHeaders(
  headers: Headers,
  security: Readonly<Record<string, string>> = COMMON_SECURITY_HEADERS,
): Headers {
  for (const [name, value] of Object.entries(security)) {
    if (!headers.has(name)) headers.set(name, value);
  }
  return headers;
}

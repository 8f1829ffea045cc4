/**
 * Small helpers every handler shares: JSON answers, the proto ApiError body, security headers
 * and CORS for the configured dashboard origins.
 *
 * @module
 */
import type { ApiError } from "@sentiment/contracts/api";

/** A JSON response with no caching; `init.headers` are added. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const response = new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
  return response;
}

/** A 4xx/5xx answer with the proto ApiError body. */
export function apiError(status: number, error: string, parameter?: string): Response {
  const body: ApiError = parameter === undefined ? { error } : { error, parameter };
  return json(body, status);
}

/** A failed validation of one request parameter; handlers throw it, the router answers 400. */
export class BadParameter extends Error {
  constructor(readonly parameter: string, problem: string) {
    super(problem);
    this.name = "BadParameter";
  }
}

const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "cross-origin-resource-policy": "same-site",
};

/**
 * Adds the security headers and, when the request's Origin is one of `allowedOrigins`, the CORS
 * headers. Other origins get no CORS headers, so browsers refuse them the body.
 */
export function finishResponse(
  request: Request,
  response: Response,
  allowedOrigins: ReadonlySet<string>,
): Response {
  const headers = response.headers;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!headers.has(name)) headers.set(name, value);
  }
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  const origin = request.headers.get("origin");
  if (origin !== null && allowedOrigins.has(origin)) {
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-expose-headers", "content-type");
  }
  headers.append("vary", "Origin");
  return response;
}

/** Answer to a CORS preflight: allowed origins may GET with the headers EventSource sends. */
export function preflight(request: Request, allowedOrigins: ReadonlySet<string>): Response {
  const origin = request.headers.get("origin");
  if (origin === null || !allowedOrigins.has(origin)) return new Response(null, { status: 204 });
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-methods": "GET, OPTIONS",
      "access-control-allow-headers": "last-event-id, content-type, cache-control",
      "access-control-max-age": "600",
    },
  });
}

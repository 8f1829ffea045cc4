/**
 * Same-origin access to the api: `/api/*` is forwarded to API_URL so the browser needs no
 * CORS, and the api token (if any) never reaches the browser. The api's status is passed on as
 * it is (a 401 tells the page that the token does not match, not that the api is away), and so
 * are its security headers.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { withSecurityHeaders } from "./security.ts";

/** Options of {@link createApiProxy}. */
export interface ApiProxyOptions {
  apiUrl: string;
  apiToken: string | null;
  logger: Logger;
  /** Limit for ordinary requests; the event stream has none. */
  timeoutMs?: number;
  /**
   * Aborted when the server stops: open event streams are cut (the browser reconnects to
   * whichever server answers next), where a graceful shutdown would wait for them forever.
   */
  signal?: AbortSignal;
}

const FORWARDED_REQUEST_HEADERS = ["accept", "last-event-id", "if-none-match", "cache-control"];
const FORWARDED_RESPONSE_HEADERS = [
  "content-type",
  "etag",
  "last-modified",
  "retry-after",
  "www-authenticate",
  // The api's own security headers: an answer through the proxy is as protected as a direct one.
  "content-security-policy",
  "x-content-type-options",
  "x-frame-options",
  "referrer-policy",
  "cross-origin-resource-policy",
  "strict-transport-security",
];

/** Builds the proxy handler for `/api/*` requests. */
export function createApiProxy(
  options: ApiProxyOptions,
): (request: Request, clientAddress?: string) => Promise<Response> {
  const { apiUrl, apiToken, logger, timeoutMs = 10_000, signal: stopping } = options;
  return async (request, clientAddress) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return json(405, { error: `${request.method} is not allowed here` }, { allow: "GET, HEAD" });
    }
    const url = new URL(request.url);
    const target = `${apiUrl}${url.pathname}${url.search}`;
    const headers = new Headers();
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    if (apiToken) headers.set("authorization", `Bearer ${apiToken}`);
    // Every browser reaches the api through this one address: name the browser, so the api's
    // per-address stream limit counts browsers, not the dashboard (it trusts loopback proxies).
    if (clientAddress) headers.set("x-forwarded-for", clientAddress);
    const isStream = url.pathname === "/api/stream" ||
      (request.headers.get("accept") ?? "").includes("text/event-stream");
    // A stream ends with the browser (Deno cancels the body we pass on, which closes the
    // upstream connection) or with this server. Ordinary requests get a time limit.
    const signal = isStream ? undefined : AbortSignal.timeout(timeoutMs);
    let upstream: Response;
    try {
      upstream = await fetch(target, {
        method: request.method,
        headers,
        signal,
        redirect: "manual",
      });
    } catch (error) {
      const timedOut = (error as Error).name === "TimeoutError";
      logger.debug("api request failed", { path: url.pathname, error: error as Error });
      return json(timedOut ? 504 : 502, {
        error: timedOut ? "the api did not answer in time" : "the api is unreachable",
      });
    }
    const responseHeaders = new Headers();
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) responseHeaders.set(name, value);
    }
    const contentType = upstream.headers.get("content-type") ?? "";
    let body: ReadableStream<Uint8Array> | null = upstream.body;
    if (contentType.startsWith("text/event-stream")) {
      // no-transform keeps Deno.serve from compressing (and so buffering) the stream.
      responseHeaders.set("cache-control", "no-cache, no-transform");
      responseHeaders.set("x-accel-buffering", "no");
      if (body && stopping) body = cutWhenAborted(body, stopping);
    } else {
      responseHeaders.set("cache-control", upstream.headers.get("cache-control") ?? "no-store");
    }
    withSecurityHeaders(responseHeaders);
    return new Response(body, { status: upstream.status, headers: responseHeaders });
  };
}

/**
 * The same bytes, ending when `signal` aborts, so that a shutdown need not wait for the browser
 * (which reconnects to whichever server answers next). Aborting the upstream fetch is not
 * enough: a body passed on as it is keeps flowing.
 */
export function cutWhenAborted(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const cut = () => {
        try {
          controller.close();
        } catch { /* ended already */ }
        reader.cancel().catch(() => undefined);
      };
      if (signal.aborted) cut();
      else signal.addEventListener("abort", cut, { once: true });
    },
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        // Cut (the stream is closed already) or the api went away: either way it ends here.
        try {
          controller.error(error);
        } catch { /* closed already */ }
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: withSecurityHeaders(
      new Headers({ "content-type": "application/json; charset=utf-8", ...headers }),
    ),
  });
}

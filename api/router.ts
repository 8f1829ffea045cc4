/**
 * A tiny router over URLPattern: handlers are plain functions from Request to Response, so each
 * can be tested by calling it. The router adds what every answer needs: 404/405 JSON, 400 for
 * {@link BadParameter}, 503 when PostgreSQL is unavailable, 500 (without a stack trace) for
 * anything else, security and CORS headers.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import type { ClientInfo } from "./http_server.ts";
import { apiError, BadParameter, finishResponse, preflight } from "./http.ts";
import { isDatabaseOutage } from "./outage.ts";

/** What a handler gets besides the request: path parameters, the parsed URL, the client. */
export interface RouteContext {
  params: Record<string, string | undefined>;
  url: URL;
  client: ClientInfo;
}

/** The entry point the HTTP server calls; `info` is absent when a test calls it directly. */
export type AppHandler = (request: Request, info?: ClientInfo) => Promise<Response>;

const UNKNOWN_CLIENT: ClientInfo = { remoteAddress: "unknown" };

export type Handler = (request: Request, context: RouteContext) => Response | Promise<Response>;

export interface Route {
  method: "GET";
  /** A URLPattern pathname, e.g. `/api/comments/:commentId`. */
  path: string;
  handler: Handler;
}

export interface RouterOptions {
  corsOrigins: readonly string[];
  log: Logger;
  /** Answers a refused request (e.g. 401), or null to let it through; checked before routing. */
  authorize?: (request: Request, path: string) => Response | null;
}

/** Builds the `fetch`-style entry point for `Deno.serve`. */
export function createRouter(
  routes: readonly Route[],
  { corsOrigins, log, authorize = () => null }: RouterOptions,
): AppHandler {
  const compiled = routes.map((route) => ({
    ...route,
    pattern: new URLPattern({ pathname: route.path }),
  }));
  const origins = new Set(corsOrigins);
  return async (request, info = UNKNOWN_CLIENT) => {
    const url = new URL(request.url);
    let response: Response;
    try {
      response = await dispatch(request, url, info);
    } catch (error) {
      if (error instanceof BadParameter) {
        response = apiError(400, error.message, error.parameter);
      } else if (isDatabaseOutage(error)) {
        log.debug("request failed: the database is unavailable", {
          method: request.method,
          path: url.pathname,
          error: error instanceof Error ? error.message : String(error),
        });
        response = apiError(503, "the database is unavailable; retry shortly");
        response.headers.set("retry-after", "2");
      } else {
        log.error("request failed", {
          method: request.method,
          path: url.pathname,
          error: error instanceof Error ? error : String(error),
        });
        response = apiError(500, "internal error");
      }
    }
    return finishResponse(request, response, origins);
  };

  async function dispatch(request: Request, url: URL, client: ClientInfo): Promise<Response> {
    // Before matching, so an unauthorised caller cannot tell which paths exist.
    const refused = authorize(request, url.pathname);
    if (refused) return refused;
    const matching = compiled.filter((route) => route.pattern.test({ pathname: url.pathname }));
    if (matching.length === 0) return apiError(404, `no route for ${url.pathname}`);
    if (request.method === "OPTIONS") return preflight(request, origins);
    const method = request.method === "HEAD" ? "GET" : request.method;
    const route = matching.find((candidate) => candidate.method === method);
    if (!route) {
      const response = apiError(405, `method ${request.method} is not allowed here`);
      response.headers.set("allow", "GET, HEAD, OPTIONS");
      return response;
    }
    const match = route.pattern.exec({ pathname: url.pathname });
    return await route.handler(request, {
      params: match?.pathname.groups ?? {},
      url,
      client,
    });
  }
}

/**
 * The routing table: which handler answers which path. Dependencies come in as plain objects,
 * so tests build the app over fakes.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { bearerAuth } from "./auth.ts";
import { clientAddress, normalizeAddress } from "./client_address.ts";
import { commentByIdHandler, type CommentsReader, listCommentsHandler } from "./comments_query.ts";
import { healthHandler, type Probe, readyHandler } from "./health.ts";
import { type AppHandler, createRouter, type Route } from "./router.ts";
import { type ReadStatistics, statisticsHandler } from "./statistics.ts";
import { type NewestStoredSeq, type StreamConnector, streamHandler } from "./stream_handler.ts";

export interface AppDeps {
  comments: CommentsReader;
  statistics: ReadStatistics;
  stream: StreamConnector;
  /** Resolves true once the stream can accept clients (false after a wait). */
  streamStarted: () => Promise<boolean>;
  /** The highest stored seq, to tell a Last-Event-ID ahead of every comment. */
  newestStored: NewestStoredSeq;
  /** Peers whose X-Forwarded-For names the client (API_TRUSTED_PROXIES). */
  trustedProxies?: readonly string[];
  probes: Record<string, Probe>;
  corsOrigins: readonly string[];
  log: Logger;
  /** `/metrics` (Prometheus text); the route is absent when omitted. */
  metrics?: (request: Request) => Promise<Response>;
  /** API_TOKEN: when set, every route but /healthz and /readyz requires it. */
  apiToken?: string | null;
  /** Called for each request refused for a missing or wrong token. */
  onUnauthorized?: () => void;
}

/** The api's request handler; the HTTP server passes the peer's address as `info`. */
export function createApp(deps: AppDeps): AppHandler {
  const stream = streamHandler({
    hub: deps.stream,
    whenStarted: deps.streamStarted,
    newestStored: deps.newestStored,
  });
  const routes: Route[] = [
    { method: "GET", path: "/api/stream", handler: stream },
    { method: "GET", path: "/api/sse/comments", handler: stream },
    { method: "GET", path: "/api/statistics", handler: statisticsHandler(deps.statistics) },
    { method: "GET", path: "/api/comments", handler: listCommentsHandler(deps.comments) },
    { method: "GET", path: "/api/comments/:commentId", handler: commentByIdHandler(deps.comments) },
    { method: "GET", path: "/healthz", handler: healthHandler() },
    { method: "GET", path: "/readyz", handler: readyHandler(deps.probes) },
  ];
  if (deps.metrics) routes.push({ method: "GET", path: "/metrics", handler: deps.metrics });
  const check = bearerAuth(deps.apiToken ?? null);
  const authorize = (request: Request, path: string) => {
    const refused = check(request, path);
    if (refused) deps.onUnauthorized?.();
    return refused;
  };
  const router = createRouter(routes, { corsOrigins: deps.corsOrigins, log: deps.log, authorize });
  const trusted = new Set((deps.trustedProxies ?? []).map(normalizeAddress));
  return (request, info) => {
    if (!info) return router(request);
    const remoteAddress = clientAddress(
      normalizeAddress(info.remoteAddress),
      request.headers.get("x-forwarded-for"),
      trusted,
    );
    return router(request, { remoteAddress });
  };
}

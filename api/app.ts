/**
 * The routing table: which handler answers which path. Dependencies come in as plain objects,
 * so tests build the app over fakes.
 *
 * @module
 */
import type { Logger } from "@sentiment/proto/log";
import { bearerAuth } from "./auth.ts";
import { commentByIdHandler, type CommentsReader, listCommentsHandler } from "./comments_query.ts";
import { healthHandler, type Probe, readyHandler } from "./health.ts";
import { createRouter, type Route } from "./router.ts";
import { type ReadStatistics, statisticsHandler } from "./statistics.ts";
import { type StreamConnector, streamHandler } from "./stream_handler.ts";

export interface AppDeps {
  comments: CommentsReader;
  statistics: ReadStatistics;
  stream: StreamConnector;
  /** Resolves true once the stream can accept clients (false after a wait). */
  streamStarted: () => Promise<boolean>;
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

export function createApp(deps: AppDeps): (request: Request) => Promise<Response> {
  const stream = streamHandler(deps.stream, deps.streamStarted);
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
  return createRouter(routes, { corsOrigins: deps.corsOrigins, log: deps.log, authorize });
}

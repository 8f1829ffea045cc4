/**
 * The dashboard's HTTP handler: the server-rendered page, the service worker, static files (the
 * island bundle among them), `/healthz`, `/metrics`, and `/api/*` proxied to the api. Only
 * requests that name a host the dashboard serves are answered (see hosts.ts).
 *
 * @module
 */
import { extname, join, normalize } from "node:path";
import type { Logger } from "@sentiment/kit/log";
import { metricsResponse } from "@sentiment/kit/metrics";
import { createDashboardMetrics, type DashboardMetrics } from "./metrics.ts";
import type { DashboardConfig } from "./config.ts";
import { allowedHostnames, isAllowedHost } from "./hosts.ts";
import { createApiProxy } from "./proxy.ts";
import { PAGE_SECURITY_HEADERS, withSecurityHeaders } from "./security.ts";
import { buildShell, BUNDLE_PATH, type Shell, STATIC_DIR } from "./shell.tsx";

export { BUNDLE_PATH, STATIC_DIR };

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Options of {@link createHandler}. */
export interface HandlerOptions {
  config:
    & Pick<DashboardConfig, "apiUrl" | "apiToken" | "maxComments">
    & Partial<Pick<DashboardConfig, "host" | "allowedHosts">>;
  logger: Logger;
  staticDir?: string;
  /** Counters behind `/metrics`; a private set when omitted. */
  metrics?: DashboardMetrics;
  /** Aborted when the server stops, which ends the event streams it proxies. */
  signal?: AbortSignal;
}

/** Builds the request handler. */
export function createHandler(
  options: HandlerOptions,
): (request: Request, info?: Deno.ServeHandlerInfo) => Promise<Response> {
  const { config, logger, staticDir = STATIC_DIR } = options;
  const metrics = options.metrics ?? createDashboardMetrics();
  const proxy = createApiProxy({
    apiUrl: config.apiUrl,
    apiToken: config.apiToken,
    logger,
    signal: options.signal,
  });
  const hosts = allowedHostnames(config.host ?? "127.0.0.1", config.allowedHosts ?? []);
  let shell: Promise<Shell> | null = null;
  let warnedMissing = false;

  /** The shell, built once; null (and built again next time) while a bundle is missing. */
  async function currentShell(): Promise<Shell | null> {
    shell ??= buildShell(staticDir, config);
    try {
      return await shell;
    } catch (error) {
      shell = null;
      if (!warnedMissing) {
        warnedMissing = true;
        logger.error("the browser bundles are missing; build them with dashboard/build.ts", {
          dir: join(staticDir, "build"),
          error: error as Error,
        });
      }
      return null;
    }
  }

  return async (request, info) => {
    if (!isAllowedHost(request, hosts)) {
      metrics.request("refused");
      logger.debug("request for another host refused", { host: request.headers.get("host") });
      return text(
        421,
        "this server answers only for its own host names (see DASHBOARD_ALLOWED_HOSTS)\n",
      );
    }
    const url = new URL(request.url);
    const path = decodedPath(url.pathname);
    if (path === null) {
      metrics.request("refused");
      return text(400, "the path is not valid percent-encoded UTF-8\n");
    }
    if (path.startsWith("/api/")) {
      metrics.request("api");
      const peer = info?.remoteAddr.transport === "tcp" ? info.remoteAddr.hostname : undefined;
      const response = await proxy(request, peer);
      metrics.apiResponse(response.status);
      return response;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "method not allowed\n", { allow: "GET, HEAD" });
    }
    if (path === "/metrics") {
      metrics.request("metrics");
      const response = await metricsResponse(metrics.registry, request.method);
      withSecurityHeaders(response.headers);
      return response;
    }
    if (path === "/healthz") {
      metrics.request("healthz");
      const current = await currentShell();
      return new Response(
        JSON.stringify({
          status: "ok",
          service: "dashboard",
          bundle: current !== null,
          version: current?.version ?? null,
        }),
        { headers: withSecurityHeaders(new Headers({ "content-type": "application/json" })) },
      );
    }
    if (path === "/" || path === "/index.html") {
      metrics.request("page");
      const current = await currentShell();
      if (!current) {
        return text(503, "the dashboard is not built yet: run dashboard/build.ts\n");
      }
      const headers = new Headers({
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
      });
      return new Response(current.html, {
        headers: withSecurityHeaders(headers, PAGE_SECURITY_HEADERS),
      });
    }
    if (path === "/sw.js") {
      metrics.request("static");
      const current = await currentShell();
      if (!current) return text(404, "not found\n");
      const headers = new Headers({
        "content-type": "text/javascript; charset=utf-8",
        // The browser compares this script on every update check: never a stored copy.
        "cache-control": "no-cache",
      });
      return new Response(current.serviceWorker, { headers: withSecurityHeaders(headers) });
    }
    metrics.request("static");
    return await serveStatic(staticDir, path);
  };
}

/**
 * The path with percent-escapes decoded, or null when they are not UTF-8 (`/%E0%A4%A`, `/%`):
 * a bad request from the client, not an error of the server.
 */
export function decodedPath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  const headers = new Headers({ "content-type": "text/plain; charset=utf-8", ...extra });
  return new Response(body, { status, headers: withSecurityHeaders(headers) });
}

async function serveStatic(root: string, path: string): Promise<Response> {
  const relative = normalize(path).replace(/^\/+/, "");
  if (relative.startsWith("..") || relative.includes("\0")) return text(404, "not found\n");
  try {
    const file = await Deno.open(join(root, relative), { read: true });
    const info = await file.stat();
    if (!info.isFile) {
      file.close();
      return text(404, "not found\n");
    }
    const headers = new Headers({
      "content-type": CONTENT_TYPES[extname(relative)] ?? "application/octet-stream",
      "content-length": String(info.size),
      // The page links the bundle and styles with a content hash, so that URL never changes
      // meaning; `no-cache` still has the browser check the rest (favicon) each time.
      "cache-control": "no-cache",
    });
    return new Response(file.readable, { headers: withSecurityHeaders(headers) });
  } catch {
    return text(404, "not found\n");
  }
}

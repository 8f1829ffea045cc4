/**
 * The dashboard's HTTP handler: the server-rendered page, static files (the island bundle
 * among them), `/healthz`, and `/api/*` proxied to the api.
 *
 * @module
 */
import { extname, join, normalize } from "node:path";
import type { Logger } from "@sentiment/proto/log";
import { metricsResponse } from "@sentiment/proto/metrics";
import { createDashboardMetrics, type DashboardMetrics } from "./metrics.ts";
import type { DashboardConfig } from "./config.ts";
import { createApiProxy } from "./proxy.ts";
import { renderDocument } from "./render.tsx";
import Home from "./routes/index.tsx";

/** The folder served at `/`; the bundle is built into its `build/` folder. */
export const STATIC_DIR = join(import.meta.dirname!, "static");
/** The bundle's path inside {@link STATIC_DIR}. */
export const BUNDLE_PATH = "build/client.js";

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
  config: Pick<DashboardConfig, "apiUrl" | "apiToken" | "maxComments">;
  logger: Logger;
  staticDir?: string;
  /** Counters behind `/metrics`; a private set when omitted. */
  metrics?: DashboardMetrics;
}

/** Builds the request handler. */
export function createHandler(options: HandlerOptions): (request: Request) => Promise<Response> {
  const { config, logger, staticDir = STATIC_DIR } = options;
  const metrics = options.metrics ?? createDashboardMetrics();
  const proxy = createApiProxy({ apiUrl: config.apiUrl, apiToken: config.apiToken, logger });
  let bundleVersion: string | null = null;
  let warnedMissing = false;

  async function bundleUrl(): Promise<string | null> {
    if (bundleVersion === null) {
      try {
        const bytes = await Deno.readFile(join(staticDir, BUNDLE_PATH));
        const digest = await crypto.subtle.digest("SHA-256", bytes);
        bundleVersion = [...new Uint8Array(digest).slice(0, 6)]
          .map((byte) => byte.toString(16).padStart(2, "0")).join("");
      } catch {
        if (!warnedMissing) {
          warnedMissing = true;
          logger.error("the island bundle is missing; build it with dashboard/build.ts", {
            path: join(staticDir, BUNDLE_PATH),
          });
        }
        return null;
      }
    }
    return `/${BUNDLE_PATH}?v=${bundleVersion}`;
  }

  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path.startsWith("/api/")) {
      metrics.request("api");
      const response = await proxy(request);
      metrics.apiResponse(response.status);
      return response;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    if (path === "/metrics") {
      metrics.request("metrics");
      return await metricsResponse(metrics.registry, request.method);
    }
    if (path === "/healthz") {
      metrics.request("healthz");
      const bundle = (await bundleUrl()) !== null;
      return Response.json({ status: "ok", service: "dashboard", bundle });
    }
    if (path === "/" || path === "/index.html") {
      metrics.request("page");
      const html = renderDocument(
        "Comment sentiment dashboard",
        { script: await bundleUrl(), styles: "/styles.css" },
        { "max-comments": String(config.maxComments) },
        <Home maxComments={config.maxComments} />,
      );
      return new Response(html, {
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
      });
    }
    metrics.request("static");
    return serveStatic(staticDir, path);
  };
}

async function serveStatic(root: string, path: string): Promise<Response> {
  const relative = normalize(decodeURIComponent(path)).replace(/^\/+/, "");
  if (relative.startsWith("..") || relative.includes("\0")) {
    return new Response("not found\n", { status: 404 });
  }
  try {
    const file = await Deno.open(join(root, relative), { read: true });
    const info = await file.stat();
    if (!info.isFile) {
      file.close();
      return new Response("not found\n", { status: 404 });
    }
    return new Response(file.readable, {
      headers: {
        "content-type": CONTENT_TYPES[extname(relative)] ?? "application/octet-stream",
        "content-length": String(info.size),
        // The page links the bundle with a content hash, so that URL never changes meaning.
        "cache-control": "no-cache",
      },
    });
  } catch {
    return new Response("not found\n", { status: 404 });
  }
}

/**
 * What the service worker caches and how it answers each request: plain functions shared by
 * the server (which writes the manifest into the worker script) and the worker, so the rules
 * are tested without a browser.
 *
 * @module
 */

/** The shell of one version, as the server writes it at the top of `/sw.js`. */
export interface ShellManifest {
  /** Content hash of the shell; the cache is named after it. */
  version: string;
  /** The URL whose cached answer opens the page offline (`/`). */
  shell: string;
  /** Every URL cached at install, the shell among them, with their version queries. */
  assets: string[];
}

/** Every cache of the shell is named with this prefix and the version. */
export const CACHE_PREFIX = "sentiment-dashboard-shell-";

/** The cache that holds one version of the shell. */
export function cacheName(version: string): string {
  return `${CACHE_PREFIX}${version}`;
}

/** The caches a newly active version deletes: earlier versions of the shell, nothing else. */
export function staleCaches(names: readonly string[], version: string): string[] {
  return names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== cacheName(version));
}

/**
 * How the worker answers a request:
 * - `network`: not at all; the browser fetches as if there were no worker. The api and its
 *   event stream are always live data, so they are never answered from the cache.
 * - `shell`: a page load: from the network while the server answers (so a new version is seen
 *   at once), else the cached shell, whatever the query string (the filters live there).
 * - `asset`: a file of this version: from the cache (its URL names its content), else fetched.
 */
export type Route = "network" | "shell" | "asset";

/** The parts of a request the route depends on. */
export interface RequestInfo {
  method: string;
  url: string;
  /** `navigate` for page loads. */
  mode: string;
  accept: string;
}

/** Paths that are always fetched: live data, the worker itself, and the server's own checks. */
const LIVE_PATHS = ["/sw.js", "/healthz", "/metrics"];

/** Decides how the worker at `origin` answers `request` (see {@link Route}). */
export function routeOf(request: RequestInfo, origin: string, manifest: ShellManifest): Route {
  if (request.method !== "GET") return "network";
  const url = new URL(request.url);
  if (url.origin !== origin) return "network";
  if (url.pathname === "/api" || url.pathname.startsWith("/api/")) return "network";
  if (request.accept.includes("text/event-stream")) return "network";
  if (LIVE_PATHS.includes(url.pathname)) return "network";
  if (request.mode === "navigate") {
    return url.pathname === "/" || url.pathname === "/index.html" ? "shell" : "network";
  }
  return manifest.assets.includes(url.pathname + url.search) ? "asset" : "network";
}

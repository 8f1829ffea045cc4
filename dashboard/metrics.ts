/**
 * The dashboard server's `/metrics`: requests by route and the answers the api gave through
 * the `/api/*` proxy (including its own 502/504 when the api is away).
 *
 * @module
 */
import { Counter, createRegistry, type Registry } from "@sentiment/kit/metrics";

/**
 * The routes the server distinguishes in its metrics; `refused`: a request for a host it does
 * not serve, or with a path that cannot be decoded.
 */
export type DashboardRoute = "page" | "static" | "api" | "healthz" | "metrics" | "refused";

/** The registry and the per-request hooks of the handler. */
export interface DashboardMetrics {
  registry: Registry;
  request(route: DashboardRoute): void;
  apiResponse(status: number): void;
}

const ROUTES: DashboardRoute[] = ["page", "static", "api", "healthz", "metrics", "refused"];
const CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const;

/** Creates the registry; label children are resolved once, so a request costs one addition. */
export function createDashboardMetrics(): DashboardMetrics {
  const registry = createRegistry("dashboard");
  const requests = new Counter({
    name: "dashboard_http_requests_total",
    help: "Requests served, by route.",
    labelNames: ["route"],
    registers: [registry],
  });
  const responses = new Counter({
    name: "dashboard_api_responses_total",
    help:
      "Answers of proxied /api/* requests by status class (502/504: the api unreachable or slow).",
    labelNames: ["class"],
    registers: [registry],
  });
  const byRoute = Object.fromEntries(ROUTES.map((route) => [route, requests.labels(route)]));
  const byClass = CLASSES.map((name) => responses.labels(name));
  for (const child of [...Object.values(byRoute), ...byClass]) child.inc(0);
  return {
    registry,
    request: (route) => byRoute[route].inc(),
    apiResponse: (status) => byClass[Math.min(Math.max(Math.floor(status / 100) - 2, 0), 3)].inc(),
  };
}

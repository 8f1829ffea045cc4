/**
 * Prometheus metrics shared by every service: one registry per process, counters that read the
 * totals a service already keeps (so nothing is counted twice and the hot path stays a plain
 * `n++`), and a small HTTP endpoint for services whose main port is not HTTP. The metric
 * classes are prom-client's API, implemented in ./metrics_core.ts (see there for why).
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "./metrics_core.ts";
import type { Logger } from "./log.ts";

export { Counter, Gauge, Histogram, Registry };

/** Content type of the text exposition format, version 0.0.4. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Buckets (seconds) for request and statement latencies: 0.5 ms to 10 s. */
export const LATENCY_BUCKETS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Buckets for batch sizes (items per batch). */
export const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** A registry for one process; `service` becomes a default label of every series. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  return registry;
}

/**
 * A counter whose value is read from a total the service keeps anyway, at scrape time.
 * `read` must be monotonic (a process-lifetime total).
 */
export function counterFrom(
  registry: Registry,
  name: string,
  help: string,
  read: () => number,
): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(Math.max(0, read()));
    },
  });
}

/** Like {@link counterFrom} with one label: `read` returns label value → total. */
export function labeledCounterFrom(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: () => Record<string, number> | Map<string, number>,
): Counter<string> {
  return new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      const values = read();
      const entries = values instanceof Map ? values.entries() : Object.entries(values);
      for (const [key, value] of entries) this.inc({ [label]: key }, Math.max(0, value));
    },
  });
}

/** A gauge read at scrape time. */
export function gaugeFrom(
  registry: Registry,
  name: string,
  help: string,
  read: () => number,
): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** The `/metrics` answer for a registry. */
export async function metricsResponse(registry: Registry, method = "GET"): Promise<Response> {
  const body = await registry.metrics();
  return new Response(method === "HEAD" ? null : body, {
    headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
  });
}

/** Options of {@link serveOpsEndpoint}. */
export interface OpsEndpointOptions {
  hostname: string;
  port: number;
  registry: Registry;
  /** The `/healthz` body; `ok: false` answers 503. */
  health: () => { ok: boolean; [field: string]: unknown };
  logger: Logger;
  /** The variable naming the port, for the message when it is taken. */
  portVariable: string;
}

/**
 * Serves `/healthz` and `/metrics` for a service whose main interface is not HTTP (producer,
 * sentiment). A port that cannot be bound is logged, not fatal: the service's real work goes
 * on, and a second instance started on the same machine without its own port still runs.
 * Returns the server, or undefined when it could not listen.
 */
export function serveOpsEndpoint(options: OpsEndpointOptions): Deno.HttpServer | undefined {
  const { registry, logger } = options;
  const handler = async (request: Request): Promise<Response> => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const { pathname } = new URL(request.url);
    if (pathname === "/metrics") return await metricsResponse(registry, request.method);
    if (pathname === "/healthz") {
      const { ok, ...fields } = options.health();
      return Response.json({ status: ok ? "ok" : "stopping", ...fields }, {
        status: ok ? 200 : 503,
      });
    }
    return new Response("not found\n", { status: 404 });
  };
  try {
    return Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: ({ hostname, port }) =>
        logger.info("Health and metrics endpoint listening", {
          url: `http://${hostname}:${port}`,
        }),
    }, handler);
  } catch (error) {
    logger.error("Health and metrics endpoint not started; the service runs without it", {
      hostname: options.hostname,
      port: options.port,
      variable: options.portVariable,
      error: error instanceof Error ? error : String(error),
    });
    return undefined;
  }
}

/**
 * The health endpoint: `/healthz` is liveness (200 while the process lives, with its counters
 * and what it finds wrong), `/readyz` is readiness: 200 only while the consumer is in its group,
 * not stopping, every dependency answers and no stored statement is being refused; otherwise
 * 503 with the state and the reasons, so `deno task status` and an orchestrator can tell a
 * paused or degraded consumer from a working one.
 *
 * @module
 */

/** What the endpoint reports; produced fresh for every request. */
export interface HealthState {
  ready: boolean;
  stopping: boolean;
  down: { dependency: string; since: string; error: string }[];
  /** Trouble that does not pause intake but keeps work from finishing (newest first). */
  troubles?: string[];
  [field: string]: unknown;
}

/** The consumer's readiness in one word, most serious first. */
export type Readiness = "stopping" | "starting" | "paused" | "degraded" | "ready";

/** The readiness of `state` and the reasons for it (empty when ready). */
export function readinessOf(state: HealthState): { status: Readiness; reasons: string[] } {
  if (state.stopping) return { status: "stopping", reasons: ["shutting down"] };
  if (!state.ready) {
    return { status: "starting", reasons: ["not yet assigned partitions by the consumer group"] };
  }
  if (state.down.length > 0) {
    return {
      status: "paused",
      reasons: state.down.map(({ dependency, since, error }) =>
        `${dependency} unavailable since ${since}: ${error}`
      ),
    };
  }
  const troubles = state.troubles ?? [];
  if (troubles.length > 0) return { status: "degraded", reasons: troubles };
  return { status: "ready", reasons: [] };
}

/** A web-standard handler for the health routes. */
export function healthHandler(state: () => HealthState): (request: Request) => Response {
  return (request) => {
    const { pathname } = new URL(request.url);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405 });
    }
    if (pathname === "/healthz") {
      const current = state();
      const { status, reasons } = readinessOf(current);
      return Response.json({
        status: status === "ready" ? "ok" : status,
        reasons,
        ...current,
      });
    }
    if (pathname === "/readyz") {
      const current = state();
      const { status, reasons } = readinessOf(current);
      return Response.json(
        {
          status,
          reasons,
          ready: status === "ready",
          stopping: current.stopping,
          down: current.down,
        },
        { status: status === "ready" ? 200 : 503 },
      );
    }
    return new Response("not found\n", { status: 404 });
  };
}

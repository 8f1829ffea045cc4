/**
 * The health endpoint: `/healthz` answers while the process lives (with its counters and the
 * dependencies it finds down), `/readyz` only while it is in the group, not stopping and every
 * dependency answers.
 *
 * @module
 */

/** What the endpoint reports; produced fresh for every request. */
export interface HealthState {
  ready: boolean;
  stopping: boolean;
  down: { dependency: string; since: string; error: string }[];
  [field: string]: unknown;
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
      return Response.json({
        status: current.down.length > 0 ? "degraded" : "ok",
        ...current,
      });
    }
    if (pathname === "/readyz") {
      const current = state();
      const ready = current.ready && !current.stopping && current.down.length === 0;
      return Response.json(
        { ready, stopping: current.stopping, down: current.down },
        { status: ready ? 200 : 503 },
      );
    }
    return new Response("not found\n", { status: 404 });
  };
}

/**
 * `GET /healthz` (the process answers) and `GET /readyz` (Kafka and PostgreSQL reachable, and
 * the processed-comments stream running). `/readyz` says why it is not ready: `checks` maps
 * each probe to "ok" or "down", and `reasons` lists, for each probe that is down, what it found
 * (`"<probe>: <why>"`, the shape `deno task status` prints).
 *
 * @module
 */
import { json } from "./http.ts";
import type { Handler } from "./router.ts";

/**
 * A named readiness probe: resolves true when the dependency answers, or with why it does not
 * (a string; false means "down" with no more to say). A probe that throws is down with the
 * error's message; one that does not answer within the timeout is down for that.
 */
export type Probe = () => Promise<boolean | string>;

/** The body of `/readyz`. */
export interface Readiness {
  status: "ready" | "not ready";
  checks: Record<string, "ok" | "down">;
  /** Present when not ready: `"<probe>: <why>"` for each probe that is down. */
  reasons?: string[];
}

export function healthHandler(): Handler {
  return () => json({ status: "ok" });
}

export function readyHandler(probes: Record<string, Probe>, timeoutMs = 3_000): Handler {
  return async () => {
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((name) => settle(probes[name], timeoutMs)));
    const body: Readiness = { status: "ready", checks: {} };
    names.forEach((name, i) => {
      const down = results[i];
      body.checks[name] = down === null ? "ok" : "down";
      if (down !== null) (body.reasons ??= []).push(`${name}: ${down}`);
    });
    if (body.reasons) body.status = "not ready";
    return json(body, body.reasons ? 503 : 200);
  };
}

/** Null when the probe is fine, else why it is not. */
async function settle(probe: Probe, timeoutMs: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = await Promise.race([
      probe(),
      new Promise<string>((resolve) =>
        timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)
      ),
    ]);
    if (result === true) return null;
    return result === false ? "down" : result;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz` (the process answers) and `GET /readyz` (Kafka and PostgreSQL reachable, and
 * the stream has started).
 *
 * @module
 */
import { json } from "./http.ts";
import type { Handler } from "./router.ts";

/** A named readiness probe; resolves true when the dependency answers. */
export type Probe = () => Promise<boolean>;

export function healthHandler(): Handler {
  return () => json({ status: "ok" });
}

export function readyHandler(probes: Record<string, Probe>, timeoutMs = 3_000): Handler {
  return async () => {
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((name) => settle(probes[name], timeoutMs)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i] ? "ok" : "down"]));
    const ready = results.every(Boolean);
    return json({ status: ready ? "ready" : "not ready", checks }, ready ? 200 : 503);
  };
}

async function settle(probe: Probe, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      probe(),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), timeoutMs)),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reading a service's `/readyz` into one line for `status`: ready or not, and why.
 *
 * Two body shapes are understood. The newer one, `{status, reasons}` (the api's
 * `{status, checks}` too), is printed as it is. The consumer's first one,
 * `{ready, stopping, down: [{dependency, since, error}]}`, is turned into the same words.
 * Whatever the body, only a 200 with status "ready" (or `ready: true`) counts as ready.
 *
 * @module
 */

export interface Readiness {
  ready: boolean;
  /** e.g. "ready", "paused: postgres down since 12:00:01Z (ECONNREFUSED)". */
  text: string;
}

interface DownDependency {
  dependency?: unknown;
  since?: unknown;
  error?: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function describeDown(down: DownDependency): string {
  const parts = [`${String(down.dependency ?? "a dependency")} down`];
  if (typeof down.since === "string") parts.push(`since ${down.since}`);
  if (typeof down.error === "string" && down.error !== "") parts.push(`(${down.error})`);
  return parts.join(" ");
}

/** Why, from `reasons`, else the api's failing `checks`, else the consumer's `down` list. */
function reasonsOf(body: Record<string, unknown>): string[] {
  if (Array.isArray(body.reasons)) return body.reasons.map(String);
  if (isRecord(body.checks)) {
    return Object.entries(body.checks).filter(([, state]) => state !== "ok").map(([name, state]) =>
      `${name} ${String(state)}`
    );
  }
  if (Array.isArray(body.down)) {
    return body.down.map((entry) => describeDown(isRecord(entry) ? entry : {}));
  }
  return [];
}

/** The readiness an answer of `/readyz` (its HTTP status and parsed body) tells. */
export function describeReadiness(httpStatus: number, body: unknown): Readiness {
  const ok = httpStatus >= 200 && httpStatus < 300;
  if (!isRecord(body)) return { ready: ok, text: ok ? "ready" : `not ready (HTTP ${httpStatus})` };
  const reasons = reasonsOf(body);
  let status: string;
  if (typeof body.status === "string") status = body.status;
  else if (body.stopping === true) status = "stopping";
  else if (body.ready === true && reasons.length === 0) status = "ready";
  else if (reasons.length > 0) status = "degraded";
  // The consumer's first shape says ready only once it has joined its group.
  else status = "starting: not in the consumer group yet";
  const ready = ok && status === "ready";
  if (!ready && status === "ready") status = `not ready (HTTP ${httpStatus})`;
  return { ready, text: reasons.length > 0 ? `${status}: ${reasons.join("; ")}` : status };
}

/** Asks `url` (a `/readyz`) and describes the answer; no answer is "not ready" with the error. */
export async function readReadiness(url: string): Promise<Readiness> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return describeReadiness(response.status, body);
  } catch (error) {
    return { ready: false, text: `no answer from ${url}: ${(error as Error).message}` };
  }
}

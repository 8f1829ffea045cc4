/**
 * Why the stream failed. An EventSource reports every failure the same way (an `error` event,
 * no status), so after one the page asks a plain api endpoint through the same proxy and reads
 * its answer: no answer at all means the dashboard server is out of reach, 502/503/504 that the
 * api behind it is, 401/403 that the api refuses the dashboard's token.
 *
 * @module
 */
import type { OutageCause } from "./status.ts";

/** What a probe found. */
export type ProbeResult =
  | { kind: "refused"; status: number }
  | { kind: "down"; cause: OutageCause; status?: number }
  /** The api answers: the stream itself failed (a blip, a restart); just reconnect. */
  | { kind: "answering" };

/** Asks `url` (the proxied statistics) and classifies the answer. Never throws. */
export async function probeApi(
  url = "/api/statistics",
  fetchFn: typeof fetch = fetch.bind(globalThis),
): Promise<ProbeResult> {
  let response: Response;
  try {
    response = await fetchFn(url, {
      cache: "no-store",
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    return { kind: "down", cause: "server" };
  }
  await response.body?.cancel().catch(() => undefined);
  return classifyStatus(response.status);
}

/** The meaning of an HTTP status of the proxied api for the stream. */
export function classifyStatus(status: number): ProbeResult {
  if (status === 401 || status === 403) return { kind: "refused", status };
  if (status === 502 || status === 503 || status === 504) {
    return { kind: "down", cause: "api", status };
  }
  if (status >= 500) return { kind: "down", cause: "unknown", status };
  return { kind: "answering" };
}

/**
 * `GET /api/stream` and `GET /api/sse/comments`: the live comment stream as Server-Sent Events.
 * Resume position from the `Last-Event-ID` header (what EventSource sends on reconnect) or the
 * `lastEventId` query parameter (for a first connection that knows where it stopped).
 *
 * @module
 */
import { z } from "zod";
import { apiError, BadParameter } from "./http.ts";
import { parseQuery } from "./params.ts";
import type { Handler } from "./router.ts";
import type { SseConnection } from "./sse.ts";

export interface StreamConnector {
  /** Null when the stream is not available (not started, or full). */
  connect(lastEventId: number | null): SseConnection | null;
}

const EventIdSchema = z.string().trim().regex(
  /^\d{1,15}$/,
  "expected a comment seq (a whole number)",
)
  .transform(Number);

const StreamQuerySchema = z.strictObject({ lastEventId: EventIdSchema.optional() });

/** Reads the resume position; the header wins over the query, as EventSource sets the header. */
export function resumePosition(request: Request, url: URL): number | null {
  const query = parseQuery(url, StreamQuerySchema);
  const header = request.headers.get("last-event-id");
  if (header !== null && header.trim() !== "") {
    const parsed = EventIdSchema.safeParse(header);
    if (!parsed.success) {
      throw new BadParameter("Last-Event-ID", `Last-Event-ID: ${parsed.error.issues[0].message}`);
    }
    return parsed.data;
  }
  return query.lastEventId ?? null;
}

export function streamHandler(hub: StreamConnector, whenStarted: () => Promise<boolean>): Handler {
  return async (request, { url }) => {
    const position = resumePosition(request, url);
    if (!(await whenStarted())) return unavailable("the stream is starting; retry shortly");
    const connection = hub.connect(position);
    if (!connection) return unavailable("too many stream clients; retry shortly");
    return new Response(connection.stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  };
}

function unavailable(message: string): Response {
  const response = apiError(503, message);
  response.headers.set("retry-after", "2");
  return response;
}

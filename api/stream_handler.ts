/**
 * `GET /api/stream` and `GET /api/sse/comments`: the live comment stream as Server-Sent Events.
 * Resume position from the `Last-Event-ID` header (what EventSource sends on reconnect) or the
 * `lastEventId` query parameter (for a first connection that knows where it stopped); the
 * header wins.
 *
 * A position the api cannot resume from never stalls a client: when it is ahead of every stored
 * comment (the database was reset, or the client's store belongs to another deployment) or is
 * not a non-negative whole number, the stream starts with `event: reset` (see `StreamReset` in
 * sse.ts) whose id is the seq it continues after, so EventSource's lastEventId is
 * right for the next reconnect.
 *
 * @module
 */
import { z } from "zod";
import type { ClientInfo } from "./http_server.ts";
import { apiError } from "./http.ts";
import { parseQuery } from "./params.ts";
import type { Handler } from "./router.ts";
import type { SseConnection } from "./sse.ts";
import type { ConnectRequest, ConnectResult } from "./stream_hub.ts";

export interface StreamConnector {
  /** H: every comment up to here has been fanned out. */
  readonly watermark: number;
  connect(request: ConnectRequest): ConnectResult;
}

/** The highest seq stored in PostgreSQL (0 when empty); rejects when it cannot be read. */
export type NewestStoredSeq = () => Promise<number>;

/** Longest id taken as a seq: 15 digits stay exact in a double. */
const SEQ_PATTERN = /^\d{1,15}$/;
/** Longest invalid id echoed back in a reset event. */
const ECHO_LIMIT = 64;

/** Where a client asked to resume. */
export type ResumeRequest =
  | { kind: "none" }
  | { kind: "seq"; seq: number }
  | { kind: "invalid"; sent: string };

const StreamQuerySchema = z.strictObject({ lastEventId: z.string().optional() });

/** Reads the resume position; the header wins over the query, as EventSource sets the header. */
export function resumeRequest(request: Request, url: URL): ResumeRequest {
  const query = parseQuery(url, StreamQuerySchema);
  const header = request.headers.get("last-event-id");
  const sent = header !== null && header.trim() !== "" ? header : query.lastEventId;
  if (sent === undefined || sent.trim() === "") return { kind: "none" };
  const trimmed = sent.trim();
  if (SEQ_PATTERN.test(trimmed)) return { kind: "seq", seq: Number(trimmed) };
  return { kind: "invalid", sent: echo(trimmed) };
}

/** Keeps an echoed id short and well-formed (no lone surrogate halves). */
function echo(text: string): string {
  return Array.from(text.slice(0, ECHO_LIMIT)).filter((char) => {
    const code = char.codePointAt(0)!;
    return code < 0xd800 || code > 0xdfff;
  }).join("");
}

/** Decides where a stream starts: resumes, or starts after the newest with a reset notice. */
export async function startingPoint(
  resume: ResumeRequest,
  watermark: number,
  newestStored: NewestStoredSeq,
): Promise<Pick<ConnectRequest, "after" | "reset">> {
  if (resume.kind === "none") return { after: null };
  if (resume.kind === "invalid") {
    return { after: null, reset: { reason: "last_event_id_invalid", lastEventId: resume.sent } };
  }
  // At or below H it is known; above H it may be a comment this instance has not fanned out
  // yet (the client had it from a faster instance), which PostgreSQL already holds.
  if (resume.seq <= watermark) return { after: resume.seq };
  const newest = await newestStored();
  if (resume.seq <= newest) return { after: resume.seq };
  return { after: newest, reset: { reason: "last_event_id_ahead", lastEventId: resume.seq } };
}

export interface StreamHandlerDeps {
  hub: StreamConnector;
  /** Resolves true once the stream can accept clients (false after a wait). */
  whenStarted: () => Promise<boolean>;
  newestStored: NewestStoredSeq;
}

export function streamHandler({ hub, whenStarted, newestStored }: StreamHandlerDeps): Handler {
  return async (request, { url, client }) => {
    const resume = resumeRequest(request, url);
    if (!(await whenStarted())) return unavailable(503, "the stream is starting; retry shortly");
    let start: Pick<ConnectRequest, "after" | "reset">;
    try {
      start = await startingPoint(resume, hub.watermark, newestStored);
    } catch {
      return unavailable(503, "the database is unavailable; retry shortly");
    }
    const result = hub.connect({ ...start, address: client.remoteAddress });
    if ("refused" in result) return refusal(result, client);
    attach(result.connection, request.signal);
    return new Response(result.connection.stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  };
}

/** The request's signal aborts when its socket closes: only then is the slot free. */
function attach(connection: SseConnection, signal: AbortSignal): void {
  if (signal.aborted) connection.end();
  else signal.addEventListener("abort", () => connection.end(), { once: true });
}

function refusal(
  result: Exclude<ConnectResult, { connection: SseConnection }>,
  client: ClientInfo,
) {
  switch (result.refused) {
    case "not_started":
      return unavailable(503, "the stream is starting; retry shortly");
    case "full":
      return unavailable(503, `too many stream clients (limit ${result.limit}); retry shortly`);
    case "address_full":
      return unavailable(
        429,
        `too many streams from ${client.remoteAddress} (limit ${result.limit}); ` +
          "close one and retry",
      );
  }
}

function unavailable(status: 429 | 503, message: string): Response {
  const response = apiError(status, message);
  response.headers.set("retry-after", "2");
  return response;
}

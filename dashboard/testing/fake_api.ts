/**
 * A stand-in for the api with the same HTTP contract (SSE stream with Last-Event-ID resume and
 * `event: reset` when the id cannot be resumed from, /api/comments pages, /api/statistics,
 * bearer auth), for browser tests and the benchmark that need a backend they fully control.
 * The end-to-end test runs against the real api instead.
 *
 * @module
 */
import { SSE_COMMENT_EVENT, type Statistics } from "@sentiment/contracts/api";
import { KNOWN_SOURCES, type ProcessedComment, TAGS } from "@sentiment/contracts/messages";
import { SSE_RESET_EVENT, type StreamReset } from "../lib/stream.ts";

/** Options of {@link FakeApi}. */
export interface FakeApiOptions {
  /** When set, every /api/* request must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
}

/** A fake api server; `stop()` and `start()` simulate the api going away and coming back. */
export class FakeApi {
  comments: ProcessedComment[] = [];
  /** The newest seq ever given; a history reset starts again below it. */
  #lastSeq = 0;
  #token: string | undefined;
  #server: Deno.HttpServer | null = null;
  #streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #encoder = new TextEncoder();
  #port = 0;
  /** Stream connections served, with the resume point each asked for. */
  readonly connections: { lastEventId: string | null; reset?: StreamReset }[] = [];

  constructor(options: FakeApiOptions = {}) {
    this.#token = options.token;
  }

  /** Requires (or, with undefined, stops requiring) a bearer token. */
  requireToken(token: string | undefined): void {
    this.#token = token;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  start(port = this.#port): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: ({ port }) => {
        this.#port = port;
        resolve();
      },
    }, (request) => this.#handle(request));
    return promise;
  }

  async stop(): Promise<void> {
    for (const controller of this.#streams) {
      try {
        controller.close();
      } catch { /* already closed */ }
    }
    this.#streams.clear();
    await this.#server?.shutdown();
    this.#server = null;
  }

  /** Stores comments (assigning seq) and streams them to every open connection. */
  store(comments: Omit<ProcessedComment, "seq">[]): ProcessedComment[] {
    const first = this.#lastSeq + 1;
    const stored = comments.map((comment, index) => ({ ...comment, seq: first + index }));
    this.#lastSeq += stored.length;
    this.comments.push(...stored);
    for (const comment of stored) this.#broadcast(eventText(comment));
    return stored;
  }

  /**
   * What a database reset does to the api: every comment gone, seqs starting at 1 again. Open
   * streams are closed, as a restarted api would.
   */
  resetHistory(): void {
    this.comments = [];
    this.#lastSeq = 0;
    for (const controller of this.#streams) {
      try {
        controller.close();
      } catch { /* already closed */ }
    }
    this.#streams.clear();
  }

  /** Sends a raw `comment` event (e.g. an invalid one) without storing anything. */
  sendRaw(data: string, id?: number): void {
    this.#broadcast(`${id ? `id: ${id}\n` : ""}event: ${SSE_COMMENT_EVENT}\ndata: ${data}\n\n`);
  }

  #broadcast(text: string): void {
    const bytes = this.#encoder.encode(text);
    for (const controller of this.#streams) {
      try {
        controller.enqueue(bytes);
      } catch {
        this.#streams.delete(controller);
      }
    }
  }

  #handle(request: Request): Response {
    const url = new URL(request.url);
    if (
      this.#token !== undefined && url.pathname.startsWith("/api/") &&
      request.headers.get("authorization") !== `Bearer ${this.#token}`
    ) {
      return Response.json({ error: "unauthorized" }, {
        status: 401,
        headers: { "www-authenticate": "Bearer" },
      });
    }
    switch (url.pathname) {
      case "/healthz":
        return Response.json({ status: "ok" });
      case "/api/stream":
        return this.#stream(request, url);
      case "/api/comments":
        return this.#page(url);
      case "/api/statistics":
        return Response.json(this.statistics());
      default:
        return Response.json({ error: "not found" }, { status: 404 });
    }
  }

  #stream(request: Request, url: URL): Response {
    const lastEventId = request.headers.get("last-event-id") ?? url.searchParams.get("lastEventId");
    const newestSeq = this.comments.at(-1)?.seq ?? 0;
    // The api's contract: an id that is no seq, or one ahead of the newest, cannot be resumed
    // from; the stream says so first and goes on from the newest.
    let reset: StreamReset | undefined;
    let after = Number.NaN;
    if (lastEventId !== null) {
      if (!/^\d+$/.test(lastEventId)) {
        reset = {
          reason: "last_event_id_invalid",
          lastEventId: lastEventId.slice(0, 64),
          newestSeq,
        };
      } else if (Number(lastEventId) > newestSeq) {
        reset = { reason: "last_event_id_ahead", lastEventId: Number(lastEventId), newestSeq };
      } else after = Number(lastEventId);
    }
    if (reset) after = newestSeq;
    this.connections.push({ lastEventId, reset });
    const backlog = Number.isFinite(after) ? this.comments.filter((c) => c.seq > after) : [];
    let self: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        self = controller;
        controller.enqueue(this.#encoder.encode(": connected\nretry: 500\n\n"));
        if (reset) {
          const frame = `event: ${SSE_RESET_EVENT}\nid: ${newestSeq}\ndata: ${
            JSON.stringify(reset)
          }\n\n`;
          controller.enqueue(this.#encoder.encode(frame));
        }
        for (const comment of backlog) controller.enqueue(this.#encoder.encode(eventText(comment)));
        this.#streams.add(controller);
      },
      cancel: () => void this.#streams.delete(self),
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  }

  #page(url: URL): Response {
    const limit = Math.min(Number(url.searchParams.get("limit") ?? 100), 1_000);
    const cursor = url.searchParams.get("cursor");
    const before = cursor ? Number(cursor) : Infinity;
    const newestFirst = this.comments.filter((c) => c.seq < before).sort((a, b) => b.seq - a.seq);
    const items = newestFirst.slice(0, limit);
    const nextCursor = newestFirst.length > limit ? String(items.at(-1)!.seq) : null;
    return Response.json({ items, nextCursor });
  }

  statistics(): Statistics {
    const byTag = Object.fromEntries(TAGS.map((tag) => [tag, 0])) as Statistics["byTag"];
    const bySource: Statistics["bySource"] = Object.fromEntries(KNOWN_SOURCES.map((s) => [s, 0]));
    for (const comment of this.comments) {
      byTag[comment.tag]++;
      bySource[comment.source] = (bySource[comment.source] ?? 0) + 1;
    }
    const minuteAgo = Date.now() - 60_000;
    return {
      total: this.comments.length,
      byTag,
      bySource,
      duplicatesDiscarded: 3,
      deadLettered: 1,
      retried: 7,
      lastMinute: this.comments.filter((c) => Date.parse(c.processedAt) > minuteAgo).length,
      asOf: new Date().toISOString(),
    };
  }
}

function eventText(comment: ProcessedComment): string {
  return `id: ${comment.seq}\nevent: ${SSE_COMMENT_EVENT}\ndata: ${JSON.stringify(comment)}\n\n`;
}

const WORDS = [
  "love the new update",
  "this is terrible service",
  "the weather is fine today",
  "great job team",
  "worst purchase ever",
  "meh, it works",
  "anyone watching the game",
  "customer support was helpful",
];

/** A plausible comment created now (seq is assigned by the api). */
export function sampleComment(n: number, overrides: Partial<ProcessedComment> = {}) {
  const now = new Date();
  return {
    schemaVersion: 1 as const,
    commentId: crypto.randomUUID(),
    text: `${WORDS[n % WORDS.length]} #${n}`,
    source: KNOWN_SOURCES[(n * 7) % KNOWN_SOURCES.length] as string,
    createdAt: now.toISOString(),
    textHash: "ab".repeat(32),
    tag: TAGS[(n * 3) % TAGS.length],
    processedAt: now.toISOString(),
    consumerId: "consumer-fake",
    retryCount: n % 5 === 0 ? 1 : 0,
    ...overrides,
  };
}

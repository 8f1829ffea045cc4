/**
 * The EventSource to the api stream (same origin, through the dashboard server's proxy).
 *
 * Resume: every (re)connection opens a new EventSource with `?lastEventId=<highest seq
 * stored>`, which also covers a full page reload. The stream reconnects on its own schedule
 * rather than the browser's, so the page can say when the next attempt is; after each failure
 * it asks the api why (see probe.ts), so that a refused token is not shown as an outage.
 *
 * When the api cannot resume from the stored position (the server's history was reset, so the
 * stored seq is ahead of its newest, or the id is not a seq at all), it sends `event: reset`
 * first: the stored comments are cleared, and the stream goes on from the server's newest.
 *
 * Events are buffered briefly and ingested in batches: one transaction and one localStorage
 * write each.
 *
 * @module
 */
import { z } from "zod";
import { SSE_COMMENT_EVENT } from "@sentiment/contracts/api";
import type { CommentStore } from "./comments.ts";
import { probeApi, type ProbeResult } from "./probe.ts";
import type { StatusStore, SyncStatus } from "./status.ts";

/**
 * SSE event name of a stream reset (the api's contract; the api's sse.ts names it too): sent
 * first, with `id: <newestSeq>`, when the client's Last-Event-ID cannot be resumed from.
 */
export const SSE_RESET_EVENT = "reset";

/** The data of `event: reset`. */
export const StreamResetSchema = z.object({
  reason: z.string(),
  /** The id the client sent: a number when ahead of the server, the text when not a seq. */
  lastEventId: z.union([z.number(), z.string()]),
  newestSeq: z.int().min(0),
});
export type StreamReset = z.infer<typeof StreamResetSchema>;

/** The subset of EventSource used, so tests can drive a fake. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** Options of {@link LiveStream}. */
export interface LiveStreamOptions {
  store: CommentStore;
  status: StatusStore;
  /** Stream URL; defaults to the proxied `/api/stream`. */
  url?: string;
  createEventSource?: (url: string) => EventSourceLike;
  /** Asks why the stream failed (defaults to {@link probeApi}). */
  probe?: () => Promise<ProbeResult>;
  /** How long events are collected before one batch is stored. */
  flushMs?: number;
  /** Delays between reconnection attempts; the last repeats. */
  backoffMs?: readonly number[];
  /** The shortest delay while the api refuses the dashboard (a token is not fixed in a second). */
  refusedRetryMs?: number;
  /** Consecutive failures after which "reconnecting" becomes "offline". */
  offlineAfterFailures?: number;
  /** Called each time the stream (re)opens, e.g. to start a pending backfill. */
  onOpen?: () => void;
  /** Called after a reset cleared the stored comments (e.g. to load the recent ones again). */
  onReset?: (reset: StreamReset, cleared: number) => void;
  isOnline?: () => boolean;
  now?: () => number;
}

const MAX_BATCH = 1_000;

type Settings =
  & Required<Omit<LiveStreamOptions, "onOpen" | "onReset">>
  & Pick<LiveStreamOptions, "onOpen" | "onReset">;

/** Keeps one stream open, reconnecting with back-off, and feeds the comment store. */
export class LiveStream {
  #options: Settings;
  #source: EventSourceLike | null = null;
  #buffer: string[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #everLive = false;
  #stopped = true;
  /** Bumped by every open and stop, so a probe that returns late changes nothing. */
  #attempt = 0;
  /** The seq a reset said the server's history ends at: resume from there at least. */
  #resumeFloor = 0;

  constructor(options: LiveStreamOptions) {
    this.#options = {
      url: "/api/stream",
      createEventSource: (url) => new EventSource(url),
      probe: () => probeApi(),
      flushMs: 100,
      backoffMs: [500, 1_000, 2_000, 4_000, 5_000],
      refusedRetryMs: 10_000,
      offlineAfterFailures: 3,
      isOnline: () => typeof navigator === "undefined" || navigator.onLine !== false,
      now: () => Date.now(),
      ...options,
    };
  }

  /** Opens the stream from the highest seq stored. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
  }

  /** Closes the stream and stores what was buffered. */
  stop(): void {
    this.#stopped = true;
    this.#attempt++;
    clearTimeout(this.#reconnectTimer);
    this.#source?.close();
    this.#source = null;
    this.flush();
  }

  /** Reconnects now (e.g. the browser came back online). */
  reconnectNow(): void {
    if (this.#stopped) return;
    clearTimeout(this.#reconnectTimer);
    this.#source?.close();
    this.#open();
  }

  /** Marks the connection offline (the browser said so); the next attempt is still scheduled. */
  markOffline(): void {
    this.#options.status.update({
      connection: "offline",
      cause: "network",
      downSince: this.#options.status.get().downSince ?? this.#options.now(),
    });
  }

  /** Where a (re)connection resumes: after the newest stored comment, or a reset's newest. */
  resumeSeq(): number {
    return Math.max(this.#options.store.maxSeq(), this.#resumeFloor);
  }

  #open(): void {
    const { url, createEventSource, status } = this.#options;
    const attempt = ++this.#attempt;
    const seq = this.resumeSeq();
    const target = seq > 0 ? `${url}${url.includes("?") ? "&" : "?"}lastEventId=${seq}` : url;
    const source = createEventSource(target);
    this.#source = source;
    if (status.get().reconnectAt !== undefined) status.update({ reconnectAt: undefined });
    source.addEventListener("open", () => {
      if (this.#source !== source) return;
      this.#failures = 0;
      this.#everLive = true;
      status.update({
        connection: "live",
        liveAt: this.#options.now(),
        downSince: undefined,
        cause: undefined,
        httpStatus: undefined,
        reconnectAt: undefined,
      });
      this.#options.onOpen?.();
    });
    source.addEventListener(SSE_COMMENT_EVENT, (event) => {
      if (this.#source !== source) return;
      this.#buffer.push(typeof event.data === "string" ? event.data : String(event.data));
      if (this.#buffer.length >= MAX_BATCH) this.flush();
      else this.#flushTimer ??= setTimeout(() => this.flush(), this.#options.flushMs);
    });
    source.addEventListener(SSE_RESET_EVENT, (event) => {
      if (this.#source === source) this.#reset(event.data);
    });
    source.addEventListener("error", () => {
      if (this.#source !== source) return;
      // The browser would retry by itself, on its own schedule and without telling when; the
      // stream retries instead, after asking why it failed.
      source.close();
      this.#source = null;
      this.flush();
      this.#failures++;
      const now = status.get();
      const at = this.#options.now();
      // Live until this moment: that is when it went down (and what a reload will say).
      const wasLive = now.connection === "live";
      status.update({
        connection: this.#failedState(),
        downSince: now.downSince ?? (wasLive ? at : now.liveAt ?? at),
        ...(wasLive ? { liveAt: at } : {}),
      });
      void this.#options.probe().then((result) => {
        if (attempt === this.#attempt && !this.#stopped) this.#afterFailure(result);
      });
    });
  }

  #afterFailure(result: ProbeResult): void {
    const { status, backoffMs, refusedRetryMs } = this.#options;
    const delay = backoffMs[Math.min(this.#failures - 1, backoffMs.length - 1)] ?? 1_000;
    let patch: Partial<SyncStatus>;
    if (result.kind === "refused") {
      patch = { connection: "refused", httpStatus: result.status, cause: undefined };
    } else if (result.kind === "down") {
      // No answer at all from a browser that knows it has no network: that is why.
      const cause = result.cause === "server" && !this.#options.isOnline()
        ? "network"
        : result.cause;
      patch = { connection: this.#failedState(), cause, httpStatus: result.status };
    } else {
      patch = { connection: this.#failedState(), cause: "unknown", httpStatus: undefined };
    }
    const wait = result.kind === "refused" ? Math.max(delay, refusedRetryMs) : delay;
    status.update({ ...patch, reconnectAt: this.#options.now() + wait });
    this.#reconnectTimer = setTimeout(() => {
      if (!this.#stopped) this.#open();
    }, wait);
  }

  #failedState() {
    const offline = !this.#options.isOnline() || !this.#everLive ||
      this.#failures >= this.#options.offlineAfterFailures;
    return offline ? "offline" as const : "reconnecting" as const;
  }

  /** The server cannot resume from what is stored: clear it, and go on from its newest. */
  #reset(data: unknown): void {
    const { store, status } = this.#options;
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(String(data));
    } catch { /* reported below */ }
    const reset = StreamResetSchema.safeParse(parsed);
    if (!reset.success) {
      status.update({ problem: "the api sent a stream reset that could not be read" });
      return;
    }
    // Anything still buffered belongs to the history that no longer exists.
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#buffer = [];
    this.#resumeFloor = reset.data.newestSeq;
    const cleared = store.clear();
    const what = reset.data.reason === "last_event_id_ahead"
      ? "the server's history was reset"
      : "the server could not resume from the position stored here";
    status.update({
      notice: { text: `${what}; cleared ${cleared} stored comments`, at: this.#options.now() },
    });
    this.#options.onReset?.(reset.data, cleared);
  }

  /** Applies the buffered events as one batch. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    const { store, status } = this.#options;
    try {
      const result = store.ingest(batch);
      const now = status.get();
      const at = this.#options.now();
      status.update({
        received: now.received + batch.length,
        invalid: now.invalid + result.invalid,
        duplicates: now.duplicates + result.duplicates,
        lastInvalidReason: result.lastInvalidReason ?? now.lastInvalidReason,
        lastEventAt: at,
        liveAt: at,
      });
    } catch (error) {
      status.update({ problem: `could not store comments: ${(error as Error).message}` });
    }
  }
}

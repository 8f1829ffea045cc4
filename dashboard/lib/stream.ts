/**
 * The EventSource to the api stream (same origin, through the dashboard server's proxy).
 *
 * Resume: while the EventSource retries by itself it sends `Last-Event-ID`; when it gives up
 * (the proxy answers 502 while the api is down) a new one is opened with
 * `?lastEventId=<highest seq stored>`, which also covers a full page reload. Events are
 * buffered briefly and ingested in batches: one transaction and one localStorage write each.
 *
 * @module
 */
import { SSE_COMMENT_EVENT } from "@sentiment/proto/api";
import type { CommentStore } from "./comments.ts";
import type { StatusStore } from "./status.ts";

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
  /** How long events are collected before one batch is stored. */
  flushMs?: number;
  /** Delays between reconnection attempts after the EventSource gave up; the last repeats. */
  backoffMs?: readonly number[];
  /** Consecutive failures after which "reconnecting" becomes "offline". */
  offlineAfterFailures?: number;
  /** Called each time the stream (re)opens, e.g. to start a pending backfill. */
  onOpen?: () => void;
  isOnline?: () => boolean;
}

const CLOSED = 2;
const MAX_BATCH = 1_000;

/** Keeps one stream open, reconnecting with back-off, and feeds the comment store. */
export class LiveStream {
  #options: Required<Omit<LiveStreamOptions, "onOpen">> & Pick<LiveStreamOptions, "onOpen">;
  #source: EventSourceLike | null = null;
  #buffer: string[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #everLive = false;
  #stopped = true;

  constructor(options: LiveStreamOptions) {
    this.#options = {
      url: "/api/stream",
      createEventSource: (url) => new EventSource(url),
      flushMs: 100,
      backoffMs: [500, 1_000, 2_000, 4_000, 5_000],
      offlineAfterFailures: 3,
      isOnline: () => typeof navigator === "undefined" || navigator.onLine !== false,
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

  /** Marks the connection offline (the browser said so). */
  markOffline(): void {
    this.#options.status.update({ connection: "offline" });
  }

  #open(): void {
    const { store, url, createEventSource } = this.#options;
    const seq = store.maxSeq();
    const target = seq > 0 ? `${url}${url.includes("?") ? "&" : "?"}lastEventId=${seq}` : url;
    const source = createEventSource(target);
    this.#source = source;
    source.addEventListener("open", () => {
      if (this.#source !== source) return;
      this.#failures = 0;
      this.#everLive = true;
      this.#options.status.update({ connection: "live" });
      this.#options.onOpen?.();
    });
    source.addEventListener(SSE_COMMENT_EVENT, (event) => {
      if (this.#source !== source) return;
      this.#buffer.push(typeof event.data === "string" ? event.data : String(event.data));
      if (this.#buffer.length >= MAX_BATCH) this.flush();
      else this.#flushTimer ??= setTimeout(() => this.flush(), this.#options.flushMs);
    });
    source.addEventListener("error", () => {
      if (this.#source !== source) return;
      this.#failures++;
      this.#options.status.update({ connection: this.#failedState() });
      if (source.readyState === CLOSED) {
        // The EventSource gave up (an error status from the proxy); retry with our back-off.
        source.close();
        this.#source = null;
        this.#scheduleReconnect();
      }
    });
  }

  #failedState() {
    const offline = !this.#options.isOnline() || !this.#everLive ||
      this.#failures >= this.#options.offlineAfterFailures;
    return offline ? "offline" as const : "reconnecting" as const;
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const delays = this.#options.backoffMs;
    const delay = delays[Math.min(this.#failures - 1, delays.length - 1)] ?? 1_000;
    this.#reconnectTimer = setTimeout(() => {
      if (!this.#stopped) this.#open();
    }, delay);
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
      status.update({
        received: now.received + batch.length,
        invalid: now.invalid + result.invalid,
        duplicates: now.duplicates + result.duplicates,
        lastInvalidReason: result.lastInvalidReason ?? now.lastInvalidReason,
        lastEventAt: Date.now(),
      });
    } catch (error) {
      status.update({ problem: `could not store comments: ${(error as Error).message}` });
    }
  }
}

/**
 * Server-Sent Events framing and one client's outgoing stream with a bounded buffer.
 *
 * A {@link SseConnection} is a `ReadableStream` with its own byte-counted queue. The HTTP server
 * pulls from it as fast as the socket takes data; when the client reads too slowly the queue
 * grows, and the moment one more chunk would exceed `bufferBytes` the connection drops its queue
 * and fails the stream, which resets the socket. Chunks always hold whole events, so the client
 * has seen only complete events and resumes from the last one with `Last-Event-ID`. Memory per
 * live client is therefore at most `bufferBytes`, the chunk being written included; a client
 * catching up holds at most one backfill page (API_SSE_BACKFILL_PAGE rows), read only when its
 * queue is empty.
 *
 * Outside the process, the kernel holds what the socket has taken but the client has not read:
 * up to the socket's send buffer (Linux grows it to `net.ipv4.tcp_wmem`'s maximum, 4 MiB by
 * default), plus the client's receive buffer on the same host. No process can count those bytes,
 * so they are bounded in time instead: once the socket takes nothing more, queued bytes stop
 * moving, and after the stall timeout the connection is reset, which frees them at once.
 *
 * @module
 */
import { SSE_COMMENT_EVENT } from "@sentiment/contracts/api";
import type { ProcessedComment } from "@sentiment/contracts/messages";

const encoder = new TextEncoder();

/** The frame of one comment: `event: comment`, `id: <seq>`, the comment as JSON. */
export function commentFrame(comment: ProcessedComment): string {
  // JSON.stringify escapes line breaks, so the data fits one `data:` line.
  return `event: ${SSE_COMMENT_EVENT}\nid: ${comment.seq}\ndata: ${JSON.stringify(comment)}\n\n`;
}

/** Many comments as one chunk. */
export function encodeComments(comments: readonly ProcessedComment[]): Uint8Array {
  return encoder.encode(comments.map(commentFrame).join(""));
}

/** A run of comments and their frames as one chunk. */
export interface EncodedSlice {
  comments: ProcessedComment[];
  bytes: Uint8Array;
}

/**
 * Splits comments into runs whose frames take at most `maxBytes` (a single larger event is a run
 * of its own), each encoded once and shared by every client that gets it.
 */
export function encodeCommentSlices(
  comments: readonly ProcessedComment[],
  maxBytes: number,
): EncodedSlice[] {
  const slices: EncodedSlice[] = [];
  let run: ProcessedComment[] = [];
  let frames: Uint8Array[] = [];
  let size = 0;
  for (const comment of comments) {
    const frame = encoder.encode(commentFrame(comment));
    if (size > 0 && size + frame.byteLength > maxBytes) {
      slices.push({ comments: run, bytes: concat(frames) });
      run = [];
      frames = [];
      size = 0;
    }
    run.push(comment);
    frames.push(frame);
    size += frame.byteLength;
  }
  if (run.length > 0) slices.push({ comments: run, bytes: concat(frames) });
  return slices;
}

/** Why a stream starts with `event: reset` instead of resuming where the client asked. */
export type ResetReason = "last_event_id_ahead" | "last_event_id_invalid";

/**
 * The data of `event: reset`: the client's Last-Event-ID could not be resumed from, so the
 * stream continues after `newestSeq` (also the event's id, so EventSource resumes from it).
 * `lastEventId` is the id the client sent: a number when it was ahead of every stored comment
 * (e.g. the database was reset), the text as sent (at most 64 characters) when it was not a
 * non-negative whole number.
 */
export interface StreamReset {
  reason: ResetReason;
  lastEventId: number | string;
  newestSeq: number;
}

/** SSE event name of a {@link StreamReset}. */
export const SSE_RESET_EVENT = "reset";

/** The frame telling a client its id was not resumed from: `event: reset`, `id: newestSeq`. */
export function resetFrame(reset: StreamReset): Uint8Array {
  const data = JSON.stringify({
    reason: reset.reason,
    lastEventId: reset.lastEventId,
    newestSeq: reset.newestSeq,
  });
  return encoder.encode(`event: ${SSE_RESET_EVENT}\nid: ${reset.newestSeq}\ndata: ${data}\n\n`);
}

export const HEARTBEAT_FRAME: Uint8Array = encoder.encode(": heartbeat\n\n");

/** The first bytes of a stream: the reconnection delay hint and a comment that opens it. */
export function openingFrame(retryMs: number): Uint8Array {
  return encoder.encode(`retry: ${retryMs}\n: connected\n\n`);
}

/** Why a connection was closed. */
export type CloseReason = "client" | "overflow" | "stalled" | "shutdown" | "error";

/** The error a stream closed by the server fails with, so the HTTP layer resets the socket. */
export class StreamAborted extends Error {
  constructor(readonly reason: CloseReason) {
    super(`stream closed by the server: ${reason}`);
    this.name = "StreamAborted";
  }
}

/** The most bytes handed to the server in one chunk (one socket write). */
export const MAX_WRITE_BYTES = 64 * 1024;

export interface SseConnectionOptions {
  bufferBytes: number;
  /**
   * Called when the stream wants data and the queue is empty; may `push`. Returns true when it
   * should be called again at once even if it pushed nothing (e.g. a backfill page was empty).
   */
  onPull?: (connection: SseConnection) => Promise<boolean> | boolean;
  /** Called once when the connection is closed (by either side), with the reason. */
  onClose?: (connection: SseConnection, reason: CloseReason) => void;
  /** Called once when the transport is gone (the socket closed): the slot is free. */
  onEnd?: (connection: SseConnection) => void;
  /** Clock for stall detection (tests). */
  now?: () => number;
}

/**
 * One client's SSE body with a bounded, byte-counted queue.
 *
 * Counted as queued: the chunks waiting here, plus the chunk last handed to the server until it
 * asks for the next one. The server asks only once the socket has taken the previous chunk (see
 * http_server.ts), so this is everything the process holds for the client; what the kernel
 * holds is bounded by the socket's send buffer and freed when the connection is reset.
 *
 * Closing is two steps, because a slot must stay taken while its socket is open: `close`
 * decides (and, for overflow, a stall or an error, fails the body so that the server resets the
 * socket at once); `end` is called when the socket is really gone and fires `onEnd`.
 */
export class SseConnection {
  readonly stream: ReadableStream<Uint8Array>;
  readonly bufferBytes: number;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  /** Bytes of the chunk the server is writing; counted until it asks for the next one. */
  #inFlightBytes = 0;
  #peakQueuedBytes = 0;
  #closed: CloseReason | null = null;
  #ended = false;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #wake: (() => void) | null = null;
  #onPull?: SseConnectionOptions["onPull"];
  #onClose?: SseConnectionOptions["onClose"];
  #onEnd?: SseConnectionOptions["onEnd"];
  #now: () => number;
  /** When the server last took a chunk, or the queue was last empty. */
  #progressAt: number;

  constructor({ bufferBytes, onPull, onClose, onEnd, now = Date.now }: SseConnectionOptions) {
    this.bufferBytes = bufferBytes;
    this.#onPull = onPull;
    this.#onClose = onClose;
    this.#onEnd = onEnd;
    this.#now = now;
    this.#progressAt = now();
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: (controller) => this.#pull(controller),
      cancel: () => {
        this.close("client");
        this.end();
      },
    }, { highWaterMark: 0 });
  }

  /** Bytes this process holds for the client: queued plus in the server's current write. */
  get queuedBytes(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  /** The most bytes ever queued at once (what the bound is tested against). */
  get peakQueuedBytes(): number {
    return this.#peakQueuedBytes;
  }

  get closedReason(): CloseReason | null {
    return this.#closed;
  }

  get isClosed(): boolean {
    return this.#closed !== null;
  }

  /** True once the transport is gone (see {@link end}). */
  get isEnded(): boolean {
    return this.#ended;
  }

  /**
   * How long bytes have waited without the server taking any (0 when nothing waits): a reader
   * that stopped reading shows a growing figure, since its socket takes nothing more.
   */
  stalledMs(now = this.#now()): number {
    return this.queuedBytes === 0 ? 0 : Math.max(0, now - this.#progressAt);
  }

  /**
   * Queues a chunk. Returns false (and closes with reason `overflow`) when it does not fit the
   * buffer; a chunk larger than the whole buffer is let through alone into an empty queue so
   * one big event cannot wedge a client. `unbounded` skips the check: for a backfill page,
   * which is only read when the queue is empty and is bounded by its row count.
   */
  push(chunk: Uint8Array, { unbounded = false } = {}): boolean {
    if (this.#closed) return false;
    const queued = this.queuedBytes;
    if (!unbounded && queued > 0 && queued + chunk.byteLength > this.bufferBytes) {
      this.close("overflow");
      return false;
    }
    if (queued === 0) this.#progressAt = this.#now();
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (this.queuedBytes > this.#peakQueuedBytes) this.#peakQueuedBytes = this.queuedBytes;
    this.#wakeUp();
    return true;
  }

  /**
   * Closes the stream; queued bytes are dropped (the client resumes by Last-Event-ID). For
   * `shutdown` the stream ends cleanly at the next read; for overflow, a stall or an error the
   * body fails at once, which makes the server reset the connection.
   */
  close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#inFlightBytes = 0;
    if (reason === "overflow" || reason === "stalled" || reason === "error") {
      try {
        this.#controller.error(new StreamAborted(reason));
      } catch { /* already closed or errored */ }
    }
    this.#wakeUp();
    this.#onClose?.(this, reason);
  }

  /** The transport is gone (socket closed, body cancelled): frees the slot, once. */
  end(): void {
    if (this.#ended) return;
    this.close("client");
    this.#ended = true;
    this.#onEnd?.(this);
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    // The server asks again only after the socket took the previous chunk.
    this.#inFlightBytes = 0;
    this.#progressAt = this.#now();
    while (this.#queue.length === 0 && !this.#closed) {
      let again = false;
      if (this.#onPull) {
        try {
          again = await this.#onPull(this);
        } catch {
          this.close("error");
        }
        if (this.#queue.length > 0 || this.#closed) break;
      }
      if (!again) await new Promise<void>((resolve) => this.#wake = resolve);
    }
    if (this.#closed) {
      if (this.#closed === "shutdown") controller.close();
      return;
    }
    const chunk = this.#take();
    this.#inFlightBytes = chunk.byteLength;
    this.#progressAt = this.#now();
    controller.enqueue(chunk);
  }

  /** Removes whole chunks from the queue, up to MAX_WRITE_BYTES (at least one chunk). */
  #take(): Uint8Array {
    let count = 0;
    let bytes = 0;
    while (
      count < this.#queue.length &&
      (count === 0 || bytes + this.#queue[count].byteLength <= MAX_WRITE_BYTES)
    ) {
      bytes += this.#queue[count].byteLength;
      count++;
    }
    const taken = this.#queue.splice(0, count);
    this.#queuedBytes -= bytes;
    return concat(taken);
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

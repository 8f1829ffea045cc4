/**
 * Server-Sent Events framing and one client's outgoing stream with a bounded buffer.
 *
 * A {@link SseConnection} is a `ReadableStream` with its own byte-counted queue. The HTTP server
 * pulls from it as fast as the socket takes data; when the client reads too slowly the queue
 * grows, and the moment one more chunk would exceed `bufferBytes` the connection drops its queue
 * and ends the stream. Chunks always hold whole events, so the client has seen only complete
 * events and resumes from the last one with `Last-Event-ID`. Memory per live client is therefore
 * at most `bufferBytes` plus the one chunk the server is writing; a client catching up holds at
 * most one backfill page (API_SSE_BACKFILL_PAGE rows), read only when its queue is empty.
 *
 * @module
 */
import { SSE_COMMENT_EVENT } from "@sentiment/proto/api";
import type { ProcessedComment } from "@sentiment/proto/messages";

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

export const HEARTBEAT_FRAME: Uint8Array = encoder.encode(": heartbeat\n\n");

/** The first bytes of a stream: the reconnection delay hint and a comment that opens it. */
export function openingFrame(retryMs: number): Uint8Array {
  return encoder.encode(`retry: ${retryMs}\n: connected\n\n`);
}

/** Why a connection ended. */
export type CloseReason = "client" | "overflow" | "shutdown" | "error";

export interface SseConnectionOptions {
  bufferBytes: number;
  /**
   * Called when the stream wants data and the queue is empty; may `push`. Returns true when it
   * should be called again at once even if it pushed nothing (e.g. a backfill page was empty).
   */
  onPull?: (connection: SseConnection) => Promise<boolean> | boolean;
  /** Called once when the connection ends, whatever the reason. */
  onClose?: (connection: SseConnection, reason: CloseReason) => void;
}

/** One client's SSE body with a bounded, byte-counted queue. */
export class SseConnection {
  readonly stream: ReadableStream<Uint8Array>;
  readonly bufferBytes: number;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #peakQueuedBytes = 0;
  #closed: CloseReason | null = null;
  #wake: (() => void) | null = null;
  #onPull?: SseConnectionOptions["onPull"];
  #onClose?: SseConnectionOptions["onClose"];

  constructor({ bufferBytes, onPull, onClose }: SseConnectionOptions) {
    this.bufferBytes = bufferBytes;
    this.#onPull = onPull;
    this.#onClose = onClose;
    this.stream = new ReadableStream<Uint8Array>({
      pull: (controller) => this.#pull(controller),
      cancel: () => this.close("client"),
    }, { highWaterMark: 0 });
  }

  /** Bytes waiting for the client; never more than `bufferBytes`. */
  get queuedBytes(): number {
    return this.#queuedBytes;
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

  /**
   * Queues a chunk. Returns false (and ends the stream with reason `overflow`) when it does not
   * fit the buffer; a chunk larger than the whole buffer is let through alone into an empty
   * queue so one big event cannot wedge a client. `unbounded` skips the check: for a backfill
   * page, which is only read when the queue is empty and is bounded by its row count.
   */
  push(chunk: Uint8Array, { unbounded = false } = {}): boolean {
    if (this.#closed) return false;
    if (
      !unbounded && this.#queuedBytes > 0 &&
      this.#queuedBytes + chunk.byteLength > this.bufferBytes
    ) {
      this.close("overflow");
      return false;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (this.#queuedBytes > this.#peakQueuedBytes) this.#peakQueuedBytes = this.#queuedBytes;
    this.#wakeUp();
    return true;
  }

  /** Ends the stream; queued bytes are dropped (the client resumes by Last-Event-ID). */
  close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#wakeUp();
    this.#onClose?.(this, reason);
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
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
    if (this.#queue.length > 0) {
      const chunk = this.#queue.length === 1 ? this.#queue[0] : concat(this.#queue);
      this.#queue = [];
      this.#queuedBytes = 0;
      controller.enqueue(chunk);
      return;
    }
    if (this.#closed === "client") return;
    controller.close();
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

/**
 * Test helpers shared by the api's unit tests: comment factories and a silent logger.
 *
 * @module
 */
import { textDecoding } from "@sentiment/testkit";
import { createLogger, type Logger } from "@sentiment/kit/log";
import { type ProcessedComment, SCHEMA_VERSION } from "@sentiment/contracts/messages";

export const quietLog: Logger = createLogger("api-test", "error", () => {});

/** A valid ProcessedComment with the given seq; the commentId is derived from it. */
export function comment(seq: number, overrides: Partial<ProcessedComment> = {}): ProcessedComment {
  const hex = seq.toString(16).padStart(12, "0");
  return {
    schemaVersion: SCHEMA_VERSION,
    commentId: `00000000-0000-4000-8000-${hex}`,
    text: `comment number ${seq}`,
    source: "twitter",
    createdAt: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    textHash: "a".repeat(64),
    tag: "POSITIVE",
    processedAt: new Date(Date.UTC(2026, 0, 1) + seq * 1000 + 5).toISOString(),
    consumerId: "consumer-test",
    retryCount: 0,
    seq,
    ...overrides,
  };
}

export interface SseEvent {
  id: number;
  data: ProcessedComment;
}

/** Parses an SSE body; `next(count)` resolves with the next `count` comment events (fewer at end). */
export class SseReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #ready: SseEvent[] = [];
  ended = false;
  /** Comment lines (`: …`) seen so far, e.g. heartbeats. */
  comments: string[] = [];
  /** Events other than `comment` (e.g. `reset`), in order, with the comment events before each. */
  others: { event: string; id: string | undefined; data: unknown; after: number }[] = [];
  #commentEvents = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(textDecoding()).getReader();
  }

  async next(count: number, timeoutMs = 15_000): Promise<SseEvent[]> {
    const timer = setTimeout(() => this.#reader.cancel(), timeoutMs);
    try {
      while (this.#ready.length < count && !this.ended) {
        const { value, done } = await this.#reader.read();
        if (done) {
          this.ended = true;
          break;
        }
        this.#buffer += value;
        let end: number;
        while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
          this.#frame(this.#buffer.slice(0, end));
          this.#buffer = this.#buffer.slice(end + 2);
        }
      }
    } finally {
      clearTimeout(timer);
    }
    return this.#ready.splice(0, count);
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }

  #frame(frame: string): void {
    const fields: Record<string, string> = {};
    for (const line of frame.split("\n")) {
      if (line.startsWith(":")) {
        this.comments.push(line);
        continue;
      }
      const at = line.indexOf(":");
      fields[line.slice(0, at)] = line.slice(at + 1).replace(/^ /, "");
    }
    if (fields.event === "comment") {
      this.#ready.push({ id: Number(fields.id), data: JSON.parse(fields.data) });
      this.#commentEvents++;
    } else if (fields.event !== undefined) {
      this.others.push({
        event: fields.event,
        id: fields.id,
        data: fields.data === undefined ? undefined : JSON.parse(fields.data),
        after: this.#commentEvents,
      });
    }
  }
}

/** Reads the next `count` comment events of a fresh stream. */
export function readEvents(
  stream: ReadableStream<Uint8Array>,
  count: number,
  timeoutMs = 15_000,
): Promise<SseEvent[]> {
  return new SseReader(stream).next(count, timeoutMs);
}

export { textDecoding };

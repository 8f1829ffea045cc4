/**
 * Support for the cluster tests (failover, rolling restart, several hosts): the ids a seeded
 * producer generates, stored-count sampling to measure stalls, and an SSE reader that keeps
 * every comment id an api instance streams, resuming where it stopped if the stream breaks.
 * Not a test file itself.
 *
 * @module
 */
import type { TestDatabase } from "@sentiment/testkit";
import { createCommentGenerator } from "../producer/generator.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The distinct ids the producer generates for `seed` in `count` messages. */
export function generatedIds(seed: number, count: number, duplicateRatio = 0.05): Set<string> {
  const generator = createCommentGenerator({ seed, duplicateRatio });
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) ids.add(generator.next().comment.commentId);
  return ids;
}

export async function storedCount(sql: TestDatabase["sql"]): Promise<number> {
  const [{ count }] = await sql<{ count: number }[]>`SELECT count(*)::int AS count FROM comments`;
  return count;
}

/**
 * When the first comment the producer generated after `since` was stored (epoch ms), or
 * undefined while none is. Comments generated before `since` may still be stored after it from
 * what the consumer already held; only a comment made after the fault shows that the whole
 * path (producer → raw topic → consumer → store) works again.
 */
export async function firstStoredCreatedAfter(
  sql: TestDatabase["sql"],
  since: number,
): Promise<number | undefined> {
  const [{ at }] = await sql<{ at: Date | null }[]>`
    SELECT min(processed_at) AS at FROM comments WHERE created_at > ${new Date(since)}`;
  return at?.getTime();
}

/**
 * Polls `measure` until it reaches `target`. Fails only when the figure has not grown for
 * `stallMs`, so a slow, shared machine gets as long as it keeps moving, and a stuck pipeline
 * fails with how far it got.
 */
export async function waitForGrowth(
  what: string,
  measure: () => Promise<number> | number,
  target: number,
  stallMs: number,
  fail: () => string | undefined = () => undefined,
): Promise<void> {
  let best = -1;
  let grewAt = Date.now();
  while (true) {
    const problem = fail();
    if (problem !== undefined) throw new Error(`${what}: ${problem}`);
    const value = await Promise.resolve(measure()).catch(() => best);
    if (value >= target) return;
    if (value > best) {
      best = value;
      grewAt = Date.now();
    } else if (Date.now() - grewAt > stallMs) {
      throw new Error(`${what}: stuck at ${best} of ${target} for ${stallMs} ms`);
    }
    await sleep(250);
  }
}

/** Stored-count samples every 250 ms, to measure how long nothing was stored. */
export function watchProgress(sql: TestDatabase["sql"]) {
  const samples: { at: number; count: number }[] = [];
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const count = await storedCount(sql).catch(() => -1);
      if (count >= 0) samples.push({ at: Date.now(), count });
      await sleep(250);
    }
  })();
  const countAt = (at: number) => samples.filter((s) => s.at <= at).at(-1)?.count ?? 0;
  return {
    /** First time after `since` that the count rose above what it was at `since`. */
    firstProgressAfter(since: number): number | undefined {
      const before = countAt(since);
      return samples.find((s) => s.at > since && s.count > before)?.at;
    },
    /** The longest time in `[from, to]` during which the stored count did not rise. */
    longestPause(from: number, to: number): number {
      let longest = 0;
      let lastRise = from;
      let last = countAt(from);
      for (const sample of samples.filter((s) => s.at > from && s.at <= to)) {
        if (sample.count > last) {
          longest = Math.max(longest, sample.at - lastRise);
          lastRise = sample.at;
          last = sample.count;
        }
      }
      return longest;
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** What {@link readStream} collected. */
export interface StreamReader {
  /** Every distinct commentId streamed so far. */
  ids: Set<string>;
  /** Comment events received, repeats included. */
  readonly events: number;
  /** Times the stream was opened again after it broke. */
  readonly reconnects: number;
  /** Resolves once `ids` has `size` entries (rejects after `timeoutMs`). */
  waitFor(size: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads an api instance's `/api/stream` from the first stored comment on (`Last-Event-ID: 0`)
 * and, like EventSource, reconnects with the last id seen when the stream ends or fails.
 * `fetchStream` lets a caller reach an api this process cannot connect to directly.
 */
export function readStream(
  url: string,
  fetchStream: (url: string, init: RequestInit) => Promise<Response> = fetch,
): StreamReader {
  const ids = new Set<string>();
  let events = 0;
  let reconnects = -1;
  let lastId = "0";
  let stopped = false;
  const controller = new AbortController();
  // Aborting the fetch does not always end a body being iterated: the reader is cancelled too.
  let body: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const waiters = new Set<() => void>();
  const running = (async () => {
    while (!stopped) {
      reconnects++;
      try {
        const response = await fetchStream(`${url}/api/stream`, {
          headers: { "last-event-id": lastId, accept: "text/event-stream" },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          await response.body?.cancel();
          throw new Error(`stream answered ${response.status}`);
        }
        const decoder = new TextDecoder();
        let pending = "";
        body = response.body.getReader();
        while (!stopped) {
          const { value: chunk, done } = await body.read();
          if (done) break;
          pending += decoder.decode(chunk, { stream: true });
          const frames = pending.split("\n\n");
          pending = frames.pop() ?? "";
          for (const frame of frames) {
            const fields = new Map<string, string>();
            for (const line of frame.split("\n")) {
              const colon = line.indexOf(":");
              if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
            }
            if (fields.has("id")) lastId = fields.get("id")!;
            if (fields.get("event") === "comment" && fields.has("data")) {
              events++;
              ids.add(JSON.parse(fields.get("data")!).commentId);
            }
          }
          for (const wake of waiters) wake();
        }
      } catch {
        // Broken or refused: try again shortly, from the last id seen.
      }
      if (!stopped) await sleep(500);
    }
  })();
  return {
    ids,
    get events() {
      return events;
    },
    get reconnects() {
      return Math.max(0, reconnects);
    },
    waitFor(size, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (ids.size < size) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${url}: ${ids.size} of ${size} comments streamed in ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      stopped = true;
      controller.abort();
      await body?.cancel().catch(() => {});
      await Promise.race([running, sleep(5_000)]);
    },
  };
}

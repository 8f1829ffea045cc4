/**
 * The producer loop: generate, publish, record the true class, pace, summarise; stops on
 * count or signal and flushes before returning.
 *
 * @module
 */
import type { Logger } from "@sentiment/proto/log";
import { type Tag, TAGS } from "@sentiment/proto/messages";
import type { CommentGenerator, GeneratedComment } from "./generator.ts";
import type { Pacer } from "./pacer.ts";
import type { Publisher } from "./publisher.ts";
import type { TruthWriter } from "./truth_file.ts";

/** What a run did. */
export interface RunStats {
  published: number;
  duplicates: number;
  failed: number;
  byTag: Record<Tag, number>;
}

/** Options of {@link runProducer}. */
export interface RunOptions {
  generator: CommentGenerator;
  publisher: Publisher;
  pacer: Pacer;
  logger: Logger;
  /** Stop after this many messages; run until `signal` when unset. */
  count?: number;
  truth?: TruthWriter;
  signal: AbortSignal;
  summaryIntervalMs: number;
  /** Queue length at which generation waits for Kafka, so memory stays bounded. */
  maxPending: number;
  /** Totals to count into (live, so `/metrics` can read them); a fresh set when omitted. */
  totals?: RunStats;
}

/** Zeroed counters. */
export function emptyStats(): RunStats {
  return {
    published: 0,
    duplicates: 0,
    failed: 0,
    byTag: Object.fromEntries(TAGS.map((tag) => [tag, 0])) as Record<Tag, number>,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Runs until `count` messages are acknowledged or `signal` aborts; returns the totals. */
export async function runProducer(options: RunOptions): Promise<RunStats> {
  const { generator, publisher, pacer, logger, truth, signal } = options;
  const total = options.totals ?? emptyStats();
  let interval = emptyStats();
  let intervalStart = performance.now();
  const summarize = (final: boolean) => {
    const seconds = (performance.now() - intervalStart) / 1_000;
    if (interval.published + interval.failed > 0 || final) {
      logger.info(final ? "Final summary" : "Summary", {
        ...(final ? total : interval),
        perSecond: Math.round((interval.published / Math.max(seconds, 0.001)) * 10) / 10,
        pending: publisher.pending,
      });
    }
    interval = emptyStats();
    intervalStart = performance.now();
  };
  const timer = setInterval(() => summarize(false), options.summaryIntervalMs);
  let truthWrites = Promise.resolve();

  const acked = (generated: GeneratedComment) => {
    for (const stats of [total, interval]) {
      stats.published++;
      if (generated.duplicate) stats.duplicates++;
      stats.byTag[generated.trueTag]++;
    }
    if (logger.debugEnabled) {
      logger.debug(`Published comment ${generated.comment.commentId}`, {
        commentId: generated.comment.commentId,
        source: generated.comment.source,
        duplicate: generated.duplicate,
      });
    }
    if (truth) {
      const record = {
        commentId: generated.comment.commentId,
        trueTag: generated.trueTag,
        duplicate: generated.duplicate,
      };
      truthWrites = truthWrites.then(() => truth.write(record));
    }
  };
  const failed = (generated: GeneratedComment, error: unknown) => {
    total.failed++;
    interval.failed++;
    // The publisher logged the failed request; the id is only worth a debug line.
    if (logger.debugEnabled) {
      logger.debug("Not published", {
        commentId: generated.comment.commentId,
        error: error instanceof Error ? error : String(error),
      });
    }
  };

  try {
    let generatedCount = 0;
    while (!signal.aborted && (options.count === undefined || generatedCount < options.count)) {
      const generated = generator.next();
      generatedCount++;
      publisher.publish(generated.comment).then(
        () => acked(generated),
        (error) => failed(generated, error),
      );
      if (publisher.pending >= options.maxPending) await publisher.flush();
      const delay = pacer.delayMs(performance.now());
      if (delay > 0) await sleep(delay, signal);
    }
    await publisher.flush();
    // Acknowledgement callbacks run a microtask after the send resolves.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await truthWrites;
  } finally {
    clearInterval(timer);
    summarize(true);
  }
  return total;
}

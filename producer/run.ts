/**
 * The producer loop: generate, publish, record the true class, pace, summarise; stops on
 * count or signal and flushes before returning.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { type Tag, TAGS } from "@sentiment/contracts/messages";
import type { CommentGenerator, GeneratedComment } from "./generator.ts";
import type { Pacer } from "./pacer.ts";
import { NotSentError, type Publisher, type Unacknowledged } from "./publisher.ts";
import type { TruthWriter } from "./truth_file.ts";

/** What a run did. */
export interface RunStats {
  published: number;
  duplicates: number;
  /** Comments Kafka refused for themselves (never retried). */
  refused: number;
  /**
   * Comments Kafka never acknowledged when the producer stopped (unavailable until the end);
   * the few that were in a request when the broker died may be on the topic all the same.
   */
  notSent: number;
  /** refused + notSent: every generated comment Kafka did not acknowledge. */
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
  /** At the end, how long to wait for Kafka to take what is still queued. */
  shutdownTimeoutMs?: number;
  /** Totals to count into (live, so `/metrics` can read them); a fresh set when omitted. */
  totals?: RunStats;
}

/** Zeroed counters. */
export function emptyStats(): RunStats {
  return {
    published: 0,
    duplicates: 0,
    refused: 0,
    notSent: 0,
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
  const failed = (_generated: GeneratedComment, error: unknown) => {
    const kind = error instanceof NotSentError ? "notSent" : "refused";
    for (const stats of [total, interval]) {
      stats.failed++;
      stats[kind]++;
    }
    // The publisher logged each refusal and close() reports every comment not sent.
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
      // Bounded memory: while Kafka is away, generation waits here (until it is back or stop).
      if (publisher.pending >= options.maxPending) await publisher.flush(signal);
      const delay = pacer.delayMs(performance.now());
      if (delay > 0) await sleep(delay, signal);
    }
    const unsent = await publisher.close(options.shutdownTimeoutMs ?? 10_000);
    if (unsent.length > 0) reportUnsent(logger, unsent);
    // Acknowledgement callbacks run a microtask after the send resolves.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await truthWrites;
  } finally {
    clearInterval(timer);
    summarize(true);
  }
  return total;
}

/** Ids per log line when reporting what was not sent. */
const IDS_PER_LINE = 500;

/**
 * Says exactly which comments Kafka never acknowledged, at error (they are lost unless produced
 * again): the counts, then every id in lines of {@link IDS_PER_LINE}. "Not sent" ids never
 * reached a broker. "Not confirmed" ids were in a request a broker received but never answered
 * (it died meanwhile): no client can know whether it wrote them, so producing them again may
 * make a copy, which the consumer stores once.
 */
function reportUnsent(logger: Logger, unsent: readonly Unacknowledged[]): void {
  const notSent = unsent.filter((item) => !item.mayHaveLanded).map((item) => item.comment);
  const unconfirmed = unsent.filter((item) => item.mayHaveLanded).map((item) => item.comment);
  logger.error("Stopped while Kafka was unavailable: these comments were NOT acknowledged", {
    notSent: notSent.length,
    notConfirmed: unconfirmed.length,
  });
  for (
    const [message, comments] of [["Not sent", notSent], ["Not confirmed", unconfirmed]] as const
  ) {
    for (let start = 0; start < comments.length; start += IDS_PER_LINE) {
      logger.error(message, {
        part: start / IDS_PER_LINE + 1,
        commentIds: comments.slice(start, start + IDS_PER_LINE).map((comment) => comment.commentId),
      });
    }
  }
}

/**
 * The arithmetic of the benchmark, kept free of I/O so it can be tested: percentiles, the
 * end-state verification of a pipeline run, and the rates derived from publish times.
 *
 * @module
 */

/** The value below which `p` percent of `sorted` lie (nearest rank; `sorted` ascending). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  if (p <= 0) return sorted[0];
  if (p >= 100) return sorted[sorted.length - 1];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)];
}

/** p50/p95/p99/max of a sample, in its own unit. */
export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  return {
    count: list.length,
    p50: percentile(list, 50),
    p95: percentile(list, 95),
    p99: percentile(list, 99),
    max: list.length > 0 ? list[list.length - 1] : NaN,
  };
}

/** What a pipeline run left behind, as read back after it. */
export interface EndStateInput {
  /** Every valid commentId on raw-comments, once per message (duplicates repeat). */
  rawValidIds: Iterable<string>;
  /** commentId of every row in PostgreSQL (a doubled row would appear twice). */
  storedIds: Iterable<string>;
  /** commentIds dead-lettered after their sentiment attempts ran out. */
  deadLetteredIds: Iterable<string>;
  /** commentIds seen on processed-comments (repeats allowed: it is at-least-once). */
  publishedIds: Iterable<string>;
}

export interface EndState {
  ok: boolean;
  distinctValid: number;
  stored: number;
  deadLettered: number;
  /** Valid ids neither stored nor dead-lettered. */
  lost: string[];
  /** Ids with more than one row. */
  doubled: string[];
  /** Stored ids that were never sent as valid comments. */
  unexpected: string[];
  /** Stored ids that were never published on processed-comments. */
  unpublished: string[];
  /** Ids both stored and dead-lettered. */
  storedAndDeadLettered: string[];
}

/**
 * Checks the promise of the pipeline: every distinct valid id is stored exactly once (or
 * dead-lettered after its retries, and then not stored), nothing else is stored, and every
 * stored id was published.
 */
export function verifyEndState(input: EndStateInput): EndState {
  const valid = new Set(input.rawValidIds);
  const stored = new Set<string>();
  const doubled = new Set<string>();
  for (const id of input.storedIds) {
    if (stored.has(id)) doubled.add(id);
    stored.add(id);
  }
  const dead = new Set(input.deadLetteredIds);
  const published = new Set(input.publishedIds);
  const lost: string[] = [];
  for (const id of valid) if (!stored.has(id) && !dead.has(id)) lost.push(id);
  const unexpected: string[] = [];
  const unpublished: string[] = [];
  const both: string[] = [];
  for (const id of stored) {
    if (!valid.has(id)) unexpected.push(id);
    if (!published.has(id)) unpublished.push(id);
    if (dead.has(id)) both.push(id);
  }
  return {
    ok: lost.length + doubled.size + unexpected.length + unpublished.length + both.length === 0,
    distinctValid: valid.size,
    stored: stored.size,
    deadLettered: dead.size,
    lost,
    doubled: [...doubled],
    unexpected,
    unpublished,
    storedAndDeadLettered: both,
  };
}

/** One stored comment with when it was first published and how often it had failed. */
export interface Completion {
  /** First publish on processed-comments, epoch ms. */
  publishedAt: number;
  retryCount: number;
}

export interface Throughput {
  /** Stored comments that needed no retry. */
  firstAttempt: number;
  /**
   * firstAttempt / (last first-attempt publish − first produced), comments/s: the rate of the
   * pipeline with the retry tail left out (retried comments finish later by design).
   */
  sustainedPerSecond: number;
  /** Seconds from the first produced message to the last first-attempt publish. */
  sustainedSeconds: number;
  /** Seconds from the first produced message to the last publish of any stored comment. */
  totalSeconds: number;
  /** Every stored comment / totalSeconds. */
  overallPerSecond: number;
  /** Seconds until 99 % of stored comments were published. */
  p99CompletionSeconds: number;
}

/** Rates of a pipeline run from its first produce time (epoch ms) and its completions. */
export function throughput(
  firstProducedAt: number,
  completions: readonly Completion[],
): Throughput {
  let lastFirst = firstProducedAt;
  let lastAny = firstProducedAt;
  let firstAttempt = 0;
  const times: number[] = [];
  for (const { publishedAt, retryCount } of completions) {
    times.push(publishedAt);
    if (publishedAt > lastAny) lastAny = publishedAt;
    if (retryCount === 0) {
      firstAttempt++;
      if (publishedAt > lastFirst) lastFirst = publishedAt;
    }
  }
  times.sort((a, b) => a - b);
  const sustainedSeconds = (lastFirst - firstProducedAt) / 1000;
  const totalSeconds = (lastAny - firstProducedAt) / 1000;
  return {
    firstAttempt,
    sustainedPerSecond: sustainedSeconds > 0 ? firstAttempt / sustainedSeconds : 0,
    sustainedSeconds,
    totalSeconds,
    overallPerSecond: totalSeconds > 0 ? completions.length / totalSeconds : 0,
    p99CompletionSeconds: times.length > 0 ? (percentile(times, 99) - firstProducedAt) / 1000 : 0,
  };
}

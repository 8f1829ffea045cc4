/**
 * The service's behaviour without the transport: validates a request, decides whether to fail
 * it on purpose, classifies it and counts what happened. The gRPC layer only maps the outcomes.
 *
 * @module
 */
import type {
  AnalyzeSentimentBatchRequest,
  AnalyzeSentimentRequest,
  AnalyzeSentimentResponse,
  BatchItemResult,
  ItemError,
} from "@sentiment/contracts/grpc";
import type { Tag } from "@sentiment/contracts/messages";
import { type Classification, explain } from "./classifier.ts";
import type { FailureInjector } from "./failure_injector.ts";

/** gRPC status codes the service answers with (values from the gRPC spec). */
export const StatusCode = { INVALID_ARGUMENT: 3, UNAVAILABLE: 14 } as const;

/** One item's outcome: the tag, or a gRPC status saying why not. */
export type Outcome =
  | { ok: true; response: AnalyzeSentimentResponse }
  | { ok: false; error: ItemError };

/** A whole call that cannot be served, e.g. a batch with too many items. */
export class CallError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "CallError";
  }
}

/** Counters since the last {@link Analyzer.takeStats}. */
export interface AnalyzerStats {
  calls: number;
  items: number;
  injectedFailures: number;
  invalid: number;
  tags: Record<Tag, number>;
}

/** Options of {@link createAnalyzer}. */
export interface AnalyzerOptions {
  maxTextLength: number;
  maxBatchItems: number;
  injector: FailureInjector;
  /** The classifier; the lexicon one unless a test swaps it. */
  classify?: (text: string) => Classification;
}

/** The service's logic; see {@link createAnalyzer}. */
export interface Analyzer {
  analyze(request: AnalyzeSentimentRequest): Outcome;
  /** Throws {@link CallError} when the batch as a whole is unacceptable. */
  analyzeBatch(request: AnalyzeSentimentBatchRequest): BatchItemResult[];
  /** Returns the counters since the last call and starts new ones. */
  takeStats(): AnalyzerStats;
  /** Counters since start (live; read-only for callers), for `/metrics`. */
  readonly totals: Readonly<AnalyzerStats>;
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Says what is wrong with a request, or null when it can be classified. */
export function validateRequest(
  request: AnalyzeSentimentRequest,
  maxTextLength: number,
): string | null {
  if (!request.commentId?.trim()) return "commentId is required";
  if (typeof request.text !== "string" || request.text.trim() === "") return "text is empty";
  if (request.text.length > maxTextLength) {
    return `text is longer than ${maxTextLength} characters (${request.text.length})`;
  }
  if (request.textHash && !HASH_PATTERN.test(request.textHash)) {
    return "textHash must be 64 lowercase hex digits when given";
  }
  return null;
}

function emptyStats(): AnalyzerStats {
  return {
    calls: 0,
    items: 0,
    injectedFailures: 0,
    invalid: 0,
    tags: { POSITIVE: 0, NEGATIVE: 0, NEUTRAL: 0, UNRELATED: 0 },
  };
}

/** Creates the service logic over a failure injector and limits. */
export function createAnalyzer(options: AnalyzerOptions): Analyzer {
  const classify = options.classify ?? explain;
  const stats = emptyStats();
  let taken = emptyStats();

  // Validation comes before the failure draw so bad input always gets INVALID_ARGUMENT, which
  // the consumer treats as final; an injected UNAVAILABLE on it would only delay that answer.
  const one = (request: AnalyzeSentimentRequest): Outcome => {
    stats.items++;
    const problem = validateRequest(request, options.maxTextLength);
    if (problem) {
      stats.invalid++;
      return { ok: false, error: { code: StatusCode.INVALID_ARGUMENT, message: problem } };
    }
    if (options.injector.shouldFail()) {
      stats.injectedFailures++;
      return {
        ok: false,
        error: { code: StatusCode.UNAVAILABLE, message: "injected failure, retry later" },
      };
    }
    const started = performance.now();
    const { tag, score, language, reasons } = classify(request.text);
    const processingTime = performance.now() - started;
    stats.tags[tag]++;
    return {
      ok: true,
      response: {
        commentId: request.commentId,
        tag,
        processingTime,
        cached: false,
        score,
        language,
        reasons,
      },
    };
  };

  return {
    analyze(request) {
      stats.calls++;
      return one(request);
    },
    analyzeBatch(request) {
      stats.calls++;
      const items = request.items ?? [];
      if (items.length > options.maxBatchItems) {
        throw new CallError(
          StatusCode.INVALID_ARGUMENT,
          `batch has ${items.length} items, more than the limit of ${options.maxBatchItems}`,
        );
      }
      return items.map((item): BatchItemResult => {
        const outcome = one(item);
        const commentId = item.commentId ?? "";
        return outcome.ok
          ? { commentId, outcome: "result", result: outcome.response }
          : { commentId, outcome: "error", error: outcome.error };
      });
    },
    takeStats() {
      const since = emptyStats();
      since.calls = stats.calls - taken.calls;
      since.items = stats.items - taken.items;
      since.injectedFailures = stats.injectedFailures - taken.injectedFailures;
      since.invalid = stats.invalid - taken.invalid;
      for (const tag of Object.keys(since.tags) as Tag[]) {
        since.tags[tag] = stats.tags[tag] - taken.tags[tag];
      }
      taken = { ...stats, tags: { ...stats.tags } };
      return since;
    },
    totals: stats,
  };
}

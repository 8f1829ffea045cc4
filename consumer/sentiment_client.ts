/**
 * The consumer's side of the sentiment service: many texts per AnalyzeSentimentBatch call, each
 * answered or failed on its own.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import {
  type AnalyzeSentimentBatchResponse,
  type AnalyzeSentimentResponse,
  createSentimentClient,
  type SentimentClient,
} from "@sentiment/contracts/grpc";
import {
  LanguageSchema,
  MAX_REASON_LENGTH,
  MAX_REASONS,
  type Tag,
  TagSchema,
} from "@sentiment/contracts/messages";

/** One text to classify. */
export interface SentimentRequestItem {
  commentId: string;
  text: string;
  textHash: string;
}

/**
 * What sentiment said of one text: its tag and, from a service that explains its answers, the
 * score, language and reasons. Each explanation field is null when unknown: the service is one
 * that does not send them, or sent a value outside the processed-comments contract.
 */
export interface SentimentAnswer {
  tag: Tag;
  /** In [-1, 1]. */
  score: number | null;
  /** ISO 639-1 or "und". */
  language: string | null;
  /** At most MAX_REASONS non-empty strings of at most MAX_REASON_LENGTH characters. */
  reasons: readonly string[] | null;
}

/** A classified item, or its own failure with the gRPC status code the service gave it. */
export type SentimentOutcome =
  | { ok: true; answer: SentimentAnswer }
  | { ok: false; code: number; message: string };

/** The whole call failed (service down, deadline, malformed answer): no item got an answer. */
export class SentimentCallError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "SentimentCallError";
  }
}

/** What the pipeline needs from the sentiment service. */
export interface SentimentGateway {
  /** Outcomes in request order; throws SentimentCallError when the call as a whole fails. */
  analyze(items: readonly SentimentRequestItem[]): Promise<SentimentOutcome[]>;
  /** Resolves true once a connection is up, false after `timeoutMs` without one. */
  waitForReady(timeoutMs: number): Promise<boolean>;
  close(): void;
}

export const INVALID_ARGUMENT = grpc.status.INVALID_ARGUMENT;

/** {@link SentimentGateway} over @grpc/grpc-js. */
export class GrpcSentimentGateway implements SentimentGateway {
  #client: SentimentClient;

  constructor(
    address: string,
    readonly consumerId: string,
    readonly timeoutMs: number,
  ) {
    this.#client = createSentimentClient(address);
  }

  analyze(items: readonly SentimentRequestItem[]): Promise<SentimentOutcome[]> {
    const consumerId = this.consumerId;
    return new Promise((resolve, reject) => {
      this.#client.AnalyzeSentimentBatch(
        { consumerId, items: items.map((item) => ({ ...item, consumerId })) },
        { deadline: Date.now() + this.timeoutMs },
        (error, response) => {
          if (error) {
            reject(new SentimentCallError(error.code ?? grpc.status.UNKNOWN, error.message));
            return;
          }
          try {
            resolve(outcomesOf(items, response));
          } catch (failure) {
            reject(failure);
          }
        },
      );
    });
  }

  waitForReady(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.#client.waitForReady(Date.now() + timeoutMs, (error) => resolve(!error));
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** Pairs the answer with the request; a malformed answer fails the whole call. */
export function outcomesOf(
  items: readonly SentimentRequestItem[],
  response: AnalyzeSentimentBatchResponse | undefined,
): SentimentOutcome[] {
  const results = response?.results ?? [];
  if (results.length !== items.length) {
    throw new SentimentCallError(
      grpc.status.INTERNAL,
      `sentiment answered ${results.length} results for ${items.length} items`,
    );
  }
  return results.map((result, index): SentimentOutcome => {
    if (result.commentId !== items[index].commentId) {
      return {
        ok: false,
        code: grpc.status.INTERNAL,
        message: `result ${index} is for ${result.commentId}, not ${items[index].commentId}`,
      };
    }
    if (result.outcome === "error") {
      return { ok: false, code: result.error.code, message: result.error.message };
    }
    const tag = TagSchema.safeParse(result.outcome === "result" ? result.result.tag : undefined);
    if (!tag.success) {
      return { ok: false, code: grpc.status.INTERNAL, message: "sentiment gave no valid tag" };
    }
    return { ok: true, answer: answerOf(tag.data, result.result) };
  });
}

/**
 * The answer as the consumer stores and publishes it. proto3 fields have no presence, so an
 * older service's answer decodes with the defaults (score 0, language "", no reasons): an empty
 * language, which a service that explains never sends (it says "und" at least), marks an answer
 * without explanation, and all three are then unknown. Otherwise what the service said is kept,
 * except values the processed-comments contract cannot carry (a score out of range, a language
 * that is not a code: unknown; reasons past the eighth or the 64th character: cut), so what the
 * consumer emits is always valid.
 */
export function answerOf(tag: Tag, response: Partial<AnalyzeSentimentResponse>): SentimentAnswer {
  const { score, language, reasons } = response;
  if (typeof language !== "string" || language === "") {
    return { tag, score: null, language: null, reasons: null };
  }
  const code = language.trim().toLowerCase();
  return {
    tag,
    score: typeof score === "number" && score >= -1 && score <= 1 ? score : null,
    language: LanguageSchema.safeParse(code).success ? code : null,
    reasons: (Array.isArray(reasons) ? reasons : [])
      .filter((reason): reason is string => typeof reason === "string" && reason.trim() !== "")
      .slice(0, MAX_REASONS)
      .map((reason) => cut(reason.trim(), MAX_REASON_LENGTH)),
  };
}

/** At most `max` UTF-16 units of `text`, never ending in half a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = text.charCodeAt(max - 1) >= 0xd800 && text.charCodeAt(max - 1) <= 0xdbff
    ? max - 1
    : max;
  return text.slice(0, end);
}

/**
 * The consumer's side of the sentiment service: many texts per AnalyzeSentimentBatch call, each
 * answered or failed on its own.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import {
  type AnalyzeSentimentBatchResponse,
  createSentimentClient,
  type SentimentClient,
} from "@sentiment/proto/grpc";
import { type Tag, TagSchema } from "@sentiment/proto/messages";

/** One text to classify. */
export interface SentimentRequestItem {
  commentId: string;
  text: string;
  textHash: string;
}

/** A classified item, or its own failure with the gRPC status code the service gave it. */
export type SentimentOutcome =
  | { ok: true; tag: Tag }
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
    return { ok: true, tag: tag.data };
  });
}

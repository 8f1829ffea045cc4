/**
 * What one pass has decided so far about its items: which are finished, which wait for a retry,
 * the dead letters to publish and the counts added to the pipeline counters. Every stage writes
 * here what leaves the pass early, and hands the rest on to the next stage.
 *
 * @module
 */
import type { DeadLetterReason } from "@sentiment/contracts/messages";
import { deadLetterOf } from "../dead_letter.ts";
import type { DeadLetterMessage } from "../publisher.ts";
import type { CommentItem, Delivery, WorkItem } from "../work_item.ts";

/** Longest original key a dead letter is keyed with; a longer one is replaced by the id. */
const MAX_DEAD_LETTER_KEY_BYTES = 1024;

/** A finished item waiting for another sentiment attempt after `delayMs`. */
export interface RetryWait {
  item: CommentItem;
  delayMs: number;
}

/** The decisions of one pass. */
export class PassLedger {
  /** Work finished: stored and published, dead-lettered, or discarded as a duplicate. */
  readonly finished: WorkItem[] = [];
  readonly retry: RetryWait[] = [];
  readonly deadLetters: DeadLetterMessage[] = [];
  /** Discarded as repeats, known to Redis, or found already stored. */
  duplicates = 0;
  /** Retries scheduled in this pass. */
  retryAttempts = 0;

  constructor(readonly consumerId: string) {}

  /** Sets `item` aside with its reason; `attempts` is 0 for invalid input. */
  deadLetter(
    item: WorkItem,
    reason: DeadLetterReason,
    detail: string,
    attempts: number,
    commentId: string | null,
  ): void {
    this.deadLetters.push({
      letter: deadLetterOf(item, reason, detail, attempts, this.consumerId, commentId),
      key: keyOfDeadLetter(item),
    });
    this.finished.push(item);
  }
}

/** The letter's Kafka key is the original one, unless that alone could overflow it. */
function keyOfDeadLetter(item: Delivery): Uint8Array | null {
  return item.key !== null && item.key.byteLength <= MAX_DEAD_LETTER_KEY_BYTES ? item.key : null;
}

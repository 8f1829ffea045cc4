/**
 * One pipeline pass over a batch of work items, every stage batched (one module each, under
 * `pass/`):
 *
 * 1. validate: raw values become comments; invalid ones are dead-lettered;
 * 2. drop repeats: in the batch, then one Redis MGET;
 * 3. tag: the tag cache, then one sentiment call per chunk of misses; failed attempts wait for
 *    a retry;
 * 4. give up: comments out of retries are dead-lettered, unless a copy was stored meanwhile;
 * 5. store: one INSERT for all;
 * 6. publish: one produce request (processed comments and dead letters), with the counters;
 * 7. mark: one Redis pipeline marking the published ids.
 *
 * The order is what makes a crash at any point safe: a comment is marked in Redis only after
 * it is stored and published, and the caller commits its offset only after that, so a replay
 * finds it in PostgreSQL (ON CONFLICT) and publishes it again rather than losing or doubling it.
 *
 * @module
 */
import type { Stats } from "./stats.ts";
import type { WorkItem } from "./work_item.ts";
import { dropRepeats, type DropRepeatsDeps } from "./pass/drop_repeats.ts";
import { giveUp, type GiveUpDeps } from "./pass/give_up.ts";
import { PassLedger, type RetryWait } from "./pass/ledger.ts";
import { mark, type MarkDeps } from "./pass/mark.ts";
import { publish, type PublishDeps } from "./pass/publish.ts";
import { store, type StoreDeps } from "./pass/store.ts";
import { tag, type TagDeps } from "./pass/tag.ts";
import { validate, type ValidateDeps } from "./pass/validate.ts";

export { MAX_MESSAGE_BYTES, unstorable } from "./pass/validate.ts";
export { isSentimentOutage } from "./pass/tag.ts";
export { processedOf } from "./pass/store.ts";

/** Everything a pass talks to; fakes in unit tests, the real clients in the service. */
export interface PipelineDeps
  extends ValidateDeps, DropRepeatsDeps, TagDeps, GiveUpDeps, StoreDeps, PublishDeps, MarkDeps {
  /** Least time between two compactions of the counter deltas started by this consumer. */
  compactIntervalMs?: number;
}

/** Default of {@link PipelineDeps.compactIntervalMs}. */
export const COMPACT_INTERVAL_MS = 5_000;

/** How a pass left its items. */
export interface PassResult {
  /** Work finished: stored and published, dead-lettered, or discarded as a duplicate. */
  finished: WorkItem[];
  /** Waiting for another sentiment attempt after `delayMs`. */
  retry: RetryWait[];
}

/** Runs passes; stateless between passes except for the shared cache and counters. */
export class Pipeline {
  #lastCompaction = performance.now();

  constructor(readonly deps: PipelineDeps) {}

  /**
   * Processes `items` (fresh ones and retries alike). Throws AbandonedError when `signal`
   * aborts while a stage waits for its infrastructure; the items are then not finished.
   */
  async run(items: readonly WorkItem[], signal: AbortSignal): Promise<PassResult> {
    const { deps } = this;
    const pass = new PassLedger(deps.consumerId);
    const time = stageTimer(deps.stats);
    deps.stats.passes++;

    const comments = validate(deps, items, pass);
    time("validateMs");
    const fresh = await dropRepeats(deps, comments, pass, signal);
    time("redisMs");
    const { tagged, givenUp } = await tag(deps, fresh, pass, signal);
    const storedInstead = await giveUp(deps, givenUp, pass, signal);
    time("sentimentMs");
    const stored = await store(deps, tagged, pass, signal);
    time("storeMs");
    const published = [...storedInstead, ...stored];
    await publish(deps, published, pass, signal);
    this.#compactNowAndThen();
    time("publishMs");
    await mark(deps, published, stored, pass, signal);
    time("redisMs");

    return { finished: pass.finished, retry: pass.retry };
  }

  /**
   * Folds the counter deltas (this and every other writer's) into the totals now and then, in
   * the background: only housekeeping (readers add the pending deltas), so a failure is ignored
   * and the next interval tries again.
   */
  #compactNowAndThen(): void {
    const now = performance.now();
    if (now - this.#lastCompaction < (this.deps.compactIntervalMs ?? COMPACT_INTERVAL_MS)) return;
    this.#lastCompaction = now;
    this.deps.store.compactCounters().catch((error) => {
      this.deps.logger.debug("Counter compaction failed; trying again later", { error });
    });
  }
}

/** The per-stage timings of {@link Stats}, summed over passes. */
type StageTime = "validateMs" | "redisMs" | "sentimentMs" | "storeMs" | "publishMs";

/** Adds the time since the previous call (or since its creation) to a stage's timing. */
function stageTimer(stats: Stats): (stage: StageTime) => void {
  let clock = performance.now();
  return (stage) => {
    const now = performance.now();
    stats[stage] += now - clock;
    clock = now;
  };
}

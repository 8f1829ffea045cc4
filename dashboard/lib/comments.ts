/**
 * The dashboard's one source of data: processed comments in a TanStack DB collection persisted
 * to localStorage, keyed by commentId and bounded to the most recent `limit` by `seq`.
 *
 * Everything that enters goes through {@link CommentStore.ingest}: each value is validated with
 * the proto schema (invalid ones are counted, never inserted), repeats of a commentId are
 * dropped, and the oldest rows beyond the bound are evicted in the same transaction. Batches
 * are written to localStorage together: within 1 s, or after the next frame once 250 new
 * comments wait; a write touches only the stored segments it changes and is spread over tasks
 * (comments_collection.ts).
 *
 * @module
 */
import { type ProcessedComment, ProcessedCommentSchema } from "@sentiment/contracts/messages";
import type { CommentsCollection } from "./comments_collection.ts";
import { isQuotaError } from "./segmented_storage.ts";
import type { StoredComment } from "./stored_comment.ts";

export {
  DEFAULT_STORAGE_KEY,
  READABLE_EARLIER_KEYS,
  STORAGE_KEY_PREFIX,
  STORED_SHAPE_REVISION,
  type StoredComment,
  StoredCommentSchema,
} from "./stored_comment.ts";
export {
  type CommentsCollection,
  type CommentsStorageUtils,
  type CommentStorageOptions,
  createCommentsCollection,
} from "./comments_collection.ts";

/** Default bound: localStorage holds about 5 MB and a stored comment takes roughly 0.4 kB. */
export const DEFAULT_MAX_COMMENTS = 5_000;

/** Smallest bound the store shrinks to when the browser refuses to store more. */
const MIN_LIMIT_AFTER_QUOTA = 100;

/** The outcome of checking one value received from the api. */
export type CommentCheck =
  | { ok: true; comment: StoredComment }
  | { ok: false; reason: string };

/**
 * Validates one value from the api: a JSON string (an SSE `data:` field) or an already parsed
 * value (an item of a CommentsPage). Never throws.
 */
export function checkComment(value: unknown): CommentCheck {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { ok: false, reason: "not JSON" };
    }
  }
  const result = ProcessedCommentSchema.safeParse(parsed);
  if (result.success) return { ok: true, comment: storedFields(result.data) };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "value";
  return { ok: false, reason: `${where}: ${issue?.message ?? "invalid"}` };
}

/** The fields of a comment the dashboard keeps; the optional ones only when present. */
function storedFields(comment: ProcessedComment): StoredComment {
  const { commentId, seq, createdAt, tag, source, text, score, language, reasons } = comment;
  const stored: StoredComment = { commentId, seq, createdAt, tag, source, text };
  if (score !== undefined) stored.score = score;
  if (language !== undefined) stored.language = language;
  if (reasons !== undefined) stored.reasons = reasons;
  return stored;
}

/** What one {@link CommentStore.ingest} call did. */
export interface IngestResult {
  inserted: number;
  /** Values whose commentId was already stored or appeared earlier in the same batch. */
  duplicates: number;
  invalid: number;
  /** Rows removed (or new rows not kept) because they fell outside the most recent `limit`. */
  evicted: number;
  /** The reason of the last invalid value in the batch, for the diagnostics line. */
  lastInvalidReason?: string;
}

/** Called when the browser refused the write and the bound was lowered to fit. */
export type QuotaListener = (newLimit: number, error: unknown) => void;

/** Options of {@link CommentStore}. */
export interface CommentStoreOptions {
  /** Most recent comments kept (default 5 000). */
  limit?: number;
  /**
   * The longest an applied batch waits to be written to storage (default 1 s; other tabs see it
   * then). Batches are written together: each write commits a manifest and rewrites the stored
   * segments it touches; a page being hidden or closed writes at once, and what a crash loses
   * is fetched again by the stream, which resumes after the newest stored comment.
   */
  persistDelayMs?: number;
  /**
   * Written sooner, after the next frame is painted, once this many new comments wait (default
   * 250), so that a write stays a few segments long however busy the stream is.
   */
  persistAfterRows?: number;
  onQuota?: QuotaListener;
}

/** Options of {@link CommentStore.persistNow}. */
export interface PersistOptions {
  /** Write in this task, without yielding to the browser (the page is being hidden or closed). */
  atOnce?: boolean;
}

/** Changes applied to the collection and not stored yet. */
interface Unwritten {
  inserts: Map<string, StoredComment>;
  deletes: Set<string>;
}

const nothingUnwritten = (): Unwritten => ({ inserts: new Map(), deletes: new Set() });

/**
 * Validation, dedup and the bound around one comments collection.
 *
 * A batch is applied at once to the collection's synced state (live queries and components see
 * it in the same task) and written to localStorage behind it: the changes wait for the next
 * write window, and each write stores what waited. Applied this way TanStack DB goes over a
 * batch once; as optimistic transactions held open until written, it went over every open one
 * again for each new batch and once more when each was confirmed (a task of 20 ms and more).
 * If the browser refuses a write (storage full), the bound is lowered, the oldest comments are
 * evicted to fit, and the write is tried again; a write that fails otherwise is kept for the
 * next one.
 */
export class CommentStore {
  readonly collection: CommentsCollection;
  #limit: number;
  #persistDelayMs: number;
  #persistAfterRows: number;
  #onQuota?: QuotaListener;
  #unwritten: Unwritten = nothingUnwritten();
  #pendingRows = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #cancelSoon: (() => void) | undefined;
  #writing: Promise<void> = Promise.resolve();
  #seqs: Map<string, number> | null = null;

  constructor(collection: CommentsCollection, options: CommentStoreOptions = {}) {
    const {
      limit = DEFAULT_MAX_COMMENTS,
      persistDelayMs = 1_000,
      persistAfterRows = 250,
      onQuota,
    } = options;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit ${limit} must be >= 1`);
    this.collection = collection;
    this.#limit = limit;
    this.#persistDelayMs = persistDelayMs;
    this.#persistAfterRows = persistAfterRows;
    this.#onQuota = onQuota;
  }

  /** The current bound (lower than configured after the browser ran out of storage). */
  get limit(): number {
    return this.#limit;
  }

  /** The highest `seq` stored: where a resumed stream continues from. 0 when empty. */
  maxSeq(): number {
    let max = 0;
    for (const seq of this.#seqIndex().values()) if (seq > max) max = seq;
    return max;
  }

  /**
   * The seq of every visible row by key, for the bound. Reading rows back through
   * `collection.values()` enriches each of them with TanStack DB's virtual props, which made
   * every batch's eviction plan cost several milliseconds at 5 000 rows; this index follows the
   * collection's own change stream instead (this tab's writes, other tabs' writes, rollbacks).
   * It is part of the write path, not data that components read.
   */
  #seqIndex(): Map<string, number> {
    if (this.#seqs === null) {
      const seqs = new Map<string, number>();
      this.collection.subscribeChanges((changes) => {
        for (const change of changes) {
          if (change.type === "delete") seqs.delete(String(change.key));
          else seqs.set(String(change.key), change.value.seq);
        }
      }, { includeInitialState: true });
      this.#seqs = seqs;
    }
    // A collection read before it was loaded (or a change delivered late) is caught up here.
    if (this.#seqs.size !== this.collection.size) {
      this.#seqs.clear();
      for (const comment of this.collection.values()) {
        this.#seqs.set(comment.commentId, comment.seq);
      }
    }
    return this.#seqs;
  }

  /**
   * Validates, dedups and applies a batch, evicting the oldest rows beyond the bound, as one
   * transaction. The result is known (and visible to live queries) when this returns; the
   * write to storage follows within the persist window ({@link whenPersisted}).
   */
  ingest(values: readonly unknown[]): IngestResult {
    const result: IngestResult = { inserted: 0, duplicates: 0, invalid: 0, evicted: 0 };
    const valid: StoredComment[] = [];
    for (const value of values) {
      const check = checkComment(value);
      if (check.ok) valid.push(check.comment);
      else {
        result.invalid++;
        result.lastInvalidReason = check.reason;
      }
    }
    this.#insert(valid, result);
    return result;
  }

  /** Drops repeats of stored or earlier commentIds and applies the rest. */
  #insert(comments: readonly StoredComment[], result: IngestResult): void {
    const fresh = new Map<string, StoredComment>();
    for (const comment of comments) {
      const id = comment.commentId;
      if (fresh.has(id) || this.collection.has(id)) result.duplicates++;
      else fresh.set(id, comment);
    }
    if (fresh.size > 0) this.#apply(fresh, result);
  }

  /** Resolves when everything applied so far is in storage (or failed to be). */
  async whenPersisted(): Promise<void> {
    while (this.#hasUnwritten() || this.#timer !== undefined) {
      this.persistNow();
      await this.#writing;
    }
    await this.#writing;
  }

  /**
   * Writes pending batches now. With `atOnce` (the page is being hidden or unloaded) the write
   * in progress and the pending batches are in storage when this returns.
   */
  persistNow({ atOnce = false }: PersistOptions = {}): void {
    this.#unschedule();
    if (!atOnce) {
      this.#writing = this.#writing.then(() => this.#write());
      return;
    }
    this.collection.utils.flush();
    this.#writing = Promise.all([this.#writing, this.#write({ atOnce })]).then(() => undefined);
  }

  #unschedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#cancelSoon?.();
    this.#cancelSoon = undefined;
    this.#pendingRows = 0;
  }

  /**
   * Removes every comment (the server's history was reset, so they are of no use to resume
   * from), and writes the emptied snapshot at once. Returns how many there were.
   */
  clear(): number {
    const keys = [...this.#seqIndex().keys()];
    if (keys.length === 0) return 0;
    this.#commit([], keys);
    this.persistNow();
    return keys.length;
  }

  #apply(fresh: Map<string, StoredComment>, result: IngestResult): void {
    const { keep, evict } = this.#plan(fresh);
    result.inserted = keep.length;
    result.evicted = evict.length + (fresh.size - keep.length);
    if (keep.length === 0 && evict.length === 0) return;
    this.#commit(keep, evict);
  }

  #hasUnwritten(): boolean {
    return this.#unwritten.inserts.size > 0 || this.#unwritten.deletes.size > 0;
  }

  /** Applies inserts and deletes to the collection; their write waits for the next window. */
  #commit(keep: StoredComment[], evict: string[]): void {
    this.collection.utils.apply(keep, evict);
    const { inserts, deletes } = this.#unwritten;
    for (const comment of keep) inserts.set(comment.commentId, comment);
    for (const key of evict) {
      // A comment evicted before it was written is never written; a stored one is removed.
      inserts.delete(key);
      deletes.add(key);
    }
    this.#pendingRows += keep.length;
    this.#timer ??= setTimeout(() => this.persistNow(), this.#persistDelayMs);
    if (this.#pendingRows >= this.#persistAfterRows) {
      this.#cancelSoon ??= afterNextPaint(() => this.persistNow());
    }
  }

  async #write(options: PersistOptions = {}): Promise<void> {
    if (!this.#hasUnwritten()) return;
    const batch = this.#unwritten;
    this.#unwritten = nothingUnwritten();
    let failure: unknown;
    try {
      await this.collection.utils.persist(batch.inserts, [...batch.deletes], options);
      return;
    } catch (error) {
      failure = error ?? new Error("the write failed");
    }
    this.#keepForNextWrite(batch);
    if (!isQuotaError(failure) || this.#limit <= MIN_LIMIT_AFTER_QUOTA) {
      console.error("comments could not be stored", failure);
      return;
    }
    // The browser's storage is full: keep fewer comments rather than stop storing new ones.
    this.#limit = Math.max(
      MIN_LIMIT_AFTER_QUOTA,
      Math.floor(Math.min(this.#limit, this.collection.size) * 0.8),
    );
    this.#onQuota?.(this.#limit, failure);
    const { evict } = this.#plan(new Map());
    if (evict.length > 0) this.#commit([], evict);
    this.#unschedule();
    await this.#write(options);
  }

  /** Puts a failed write's changes back in front of those that came after it. */
  #keepForNextWrite(failed: Unwritten): void {
    const later = this.#unwritten;
    for (const key of later.deletes) failed.inserts.delete(key);
    for (const [key, comment] of later.inserts) failed.inserts.set(key, comment);
    for (const key of later.deletes) failed.deletes.add(key);
    this.#unwritten = failed;
  }

  /** Which new comments to insert and which stored keys to drop to stay within the bound. */
  #plan(fresh: Map<string, StoredComment>): { keep: StoredComment[]; evict: string[] } {
    const stored = this.#seqIndex();
    const total = stored.size + fresh.size;
    if (total <= this.#limit) return { keep: [...fresh.values()], evict: [] };
    // The cut-off is the seq of the limit-th newest row across stored and new comments.
    const seqs = new Float64Array(total);
    let i = 0;
    for (const seq of stored.values()) seqs[i++] = seq;
    for (const comment of fresh.values()) seqs[i++] = comment.seq;
    seqs.sort();
    const cutoff = seqs[total - this.#limit];
    // Rows equal to the cut-off are kept only while room remains (seq is unique in practice).
    let room = this.#limit;
    for (let j = total - 1; j >= 0 && seqs[j] > cutoff; j--) room--;
    const keep: StoredComment[] = [];
    const evict: string[] = [];
    const fits = (seq: number) => seq > cutoff || (seq === cutoff && room-- > 0);
    for (const comment of [...fresh.values()].sort((a, b) => b.seq - a.seq)) {
      if (fits(comment.seq)) keep.push(comment);
    }
    for (const [key, seq] of stored) {
      if (!fits(seq)) evict.push(key);
    }
    return { keep, evict };
  }
}

/**
 * Runs `fn` in a task after the next frame is painted, so a write never delays showing the batch
 * that made it due; outside a browser, in the next task. Cancelled by the returned function.
 */
function afterNextPaint(fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (typeof requestAnimationFrame !== "function") {
    timer = setTimeout(fn, 0);
    return () => clearTimeout(timer);
  }
  // A hidden page paints no frames; the delayed write still comes (see persistDelayMs).
  const frame = requestAnimationFrame(() => timer = setTimeout(fn, 0));
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}

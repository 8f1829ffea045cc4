/**
 * Rows kept in localStorage as segments of at most `capacity` rows plus a manifest naming them,
 * written in steps small enough that none blocks a frame.
 *
 * Keys under `base`:
 * - `<base>/segment/<id>`: a JSON array of rows; written once, never changed, removed when no
 *   manifest names it any more;
 * - `<base>/manifest`: `{"layout":1,"next":<id>,"segments":[[id, rows, characters], …]}`, oldest
 *   segment first. The manifest is the commit point: what it names is the stored set.
 *
 * A write (see segments.ts for its plan) removes the segments whose every row it deletes, writes
 * its new segments, then the manifest, then removes the segments no longer named (and any other
 * segment key: what an interrupted write left). While the page is visible these steps run a few
 * milliseconds at a time with a yield to the browser between; hidden, or when {@link flush} is
 * called (the page is going away), all at once.
 *
 * Recovery rules on load:
 * - the manifest's segments are read; one that is not valid (length differs from the manifest,
 *   not a JSON array of valid rows, a key seen before) is set aside, reported, and removed at the
 *   next write; the others load;
 * - a named segment that is missing held only rows its write was removing (a write interrupted
 *   after its first step); the others load;
 * - segment keys no manifest names are leftovers of an interrupted write: ignored, removed at the
 *   next write;
 * - an unreadable manifest: every segment key is read and their rows (the newest copy of each
 *   key) are stored afresh;
 * - no manifest but a snapshot of the single-key layout (an earlier version's): its rows are
 *   stored in segments and the old key removed.
 * A write refused by the browser (storage full) removes what it had written; the manifest still
 * names the previous set, and the promise rejects with the browser's error.
 *
 * @module
 */
import { emptyLayout, type Layout, layoutOf, planWrite, type Segment } from "./segments.ts";

/** The part of localStorage this needs. */
export interface KeyedStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Options of {@link SegmentedStorage}. */
export interface SegmentedStorageOptions<T extends object> {
  storage: KeyedStorage;
  /** Every key of this store starts with `<base>/`. */
  base: string;
  getKey(row: T): string;
  /** Whether a value read back is a valid row (the schema). */
  isRow(value: unknown): value is T;
  /** Single-key snapshots of an earlier layout (`{ "s:<key>": { versionKey, data } }`). */
  legacyKeys?: readonly string[];
  /** Rows per segment (default 250, ≈ 90 000 characters of comments). */
  capacity?: number;
  /** Work per task before yielding to the browser, in ms (default 6). */
  budgetMs?: number;
  /** Whether to spread a write over tasks (default: while the document is visible). */
  shouldStage?: () => boolean;
  /** Gives the browser a turn (default: a background task, or a timeout). */
  yieldTask?: () => Promise<void>;
}

/** What {@link SegmentedStorage.load} found. */
export interface LoadReport {
  manifest: "found" | "none" | "unreadable";
  segments: number;
  rows: number;
  /** Keys of segments set aside because they were not valid. */
  invalid: string[];
  /** Keys of named segments that were not there. */
  missing: string[];
  /** The earlier single-key snapshot the rows were moved from. */
  migratedFrom?: string;
}

/** Rows a {@link SegmentedStorage.refresh} found added and keys it found gone. */
export interface Refresh<T> {
  inserted: T[];
  deleted: string[];
}

interface WriteRequest<T> {
  inserts: ReadonlyMap<string, T>;
  deletes: string[];
  tight: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

interface Job<T> {
  steps: (() => void)[];
  at: number;
  layout: Layout<T>;
  /** Keys this job has written so far (removed again if it fails). */
  written: string[];
  committed: boolean;
  request: WriteRequest<T>;
}

const LAYOUT_VERSION = 1;

/** See the module doc. */
export class SegmentedStorage<T extends object> {
  readonly manifestKey: string;
  readonly #segmentPrefix: string;
  readonly #options: SegmentedStorageOptions<T>;
  readonly #capacity: number;
  readonly #budgetMs: number;
  /** What the stored manifest names. */
  #committed: Layout<T> = emptyLayout();
  /** What it will name once the queued writes are done. */
  #projected: Layout<T> = emptyLayout();
  /** Length of each stored segment's text, by id. */
  #chars = new Map<number, number>();
  #manifestText: string | null = null;
  #queue: Job<T>[] = [];
  #draining = false;
  #rowText = new WeakMap<T, string>();

  constructor(options: SegmentedStorageOptions<T>) {
    this.#options = options;
    this.manifestKey = `${options.base}/manifest`;
    this.#segmentPrefix = `${options.base}/segment/`;
    this.#capacity = options.capacity ?? 250;
    this.#budgetMs = options.budgetMs ?? 6;
  }

  /** The key of a segment. */
  segmentKey(id: number): string {
    return `${this.#segmentPrefix}${id}`;
  }

  /** Reads the stored rows (see the module doc for what is recovered and how). */
  load(): { rows: T[]; report: LoadReport } {
    const storage = this.#options.storage;
    const text = storage.getItem(this.manifestKey);
    const report: LoadReport = { manifest: "none", segments: 0, rows: 0, invalid: [], missing: [] };
    let rows: T[];
    if (text !== null) {
      const manifest = parseManifest(text);
      if (manifest) {
        report.manifest = "found";
        const layout = this.#readLayout(manifest, new Map(), report);
        this.#adopt(layout, text);
        rows = [...layout.where.keys()].map((key) => layout.where.get(key)!.rows.get(key)!);
      } else {
        report.manifest = "unreadable";
        rows = this.#rebuild(this.#readEverySegment(), report);
      }
    } else {
      rows = this.#rebuild(this.#readLegacy(report), report);
    }
    report.segments = this.#committed.segments.length;
    report.rows = rows.length;
    return { rows, report };
  }

  /**
   * Reads the manifest again after another tab wrote it, and says which rows came and went.
   * Null when nothing changed or this tab is writing itself (only one tab writes: leader.ts).
   */
  refresh(): Refresh<T> | null {
    if (this.#queue.length > 0) return null;
    const text = this.#options.storage.getItem(this.manifestKey);
    if (text === this.#manifestText) return null;
    const manifest = text === null ? { next: 1, segments: [] } : parseManifest(text);
    if (!manifest) return null;
    const known = new Map(this.#committed.segments.map((segment) => [segment.id, segment]));
    const report: LoadReport = {
      manifest: "found",
      segments: 0,
      rows: 0,
      invalid: [],
      missing: [],
    };
    const before = this.#committed.where;
    const layout = this.#readLayout(manifest, known, report);
    this.#adopt(layout, text);
    const inserted: T[] = [];
    for (const [key, segment] of layout.where) {
      if (!before.has(key)) inserted.push(segment.rows.get(key)!);
    }
    const deleted = [...before.keys()].filter((key) => !layout.where.has(key));
    return { inserted, deleted };
  }

  /**
   * Stores `inserts` and removes `deletes`; resolves once the manifest names the result. With
   * `atOnce` (or when not staging) every step runs before this returns.
   */
  write(
    inserts: ReadonlyMap<string, T>,
    deletes: Iterable<string>,
    { atOnce = false } = {},
  ): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#enqueue({ inserts, deletes: [...deletes], tight: false, resolve, reject });
    if (atOnce || !this.#staging()) this.flush();
    else this.#drain();
    return promise;
  }

  /**
   * Plans a write and queues its steps. Normally the old segments stay until the manifest names
   * the new ones. `tight` (a retry after the browser said its storage is full) frees the room
   * first: it commits a manifest naming only the segments the write leaves as they are, removes
   * the others, then writes the new ones and the full manifest; cut off in between, the rows of
   * the rewritten segments are lost, never the consistency of what the manifest names.
   */
  #enqueue(request: WriteRequest<T>): void {
    const before = this.#projected;
    const plan = planWrite(before, request.inserts, request.deletes, this.#capacity);
    const job: Job<T> = {
      steps: [],
      at: 0,
      layout: plan.layout,
      written: [],
      committed: false,
      request,
    };
    const storage = this.#options.storage;
    const remove = (id: number) => () => storage.removeItem(this.segmentKey(id));
    // Segments this write empties are removed first: their rows are leaving the set anyway, and
    // the room they free is what a full storage needs for the new segments.
    const emptied = plan.dropped.filter((id) => {
      const old = before.segments.find((segment) => segment.id === id)!;
      for (const key of old.rows.keys()) if (plan.layout.where.has(key)) return false;
      return true;
    });
    for (const id of emptied) job.steps.push(remove(id));
    const rewritten = plan.dropped.filter((id) => !emptied.includes(id));
    if (request.tight && rewritten.length > 0) {
      const dropped = new Set(plan.dropped);
      const unchanged = layoutOf(
        before.segments.filter((s) => !dropped.has(s.id)),
        plan.layout.next,
      );
      job.steps.push(() => {
        const text = this.#manifestOf(unchanged);
        storage.setItem(this.manifestKey, text);
        this.#committed = unchanged;
        this.#manifestText = text;
      });
      for (const id of rewritten) job.steps.push(remove(id));
    }
    for (const segment of plan.written) {
      job.steps.push(() => {
        const text = this.#segmentText(segment);
        const key = this.segmentKey(segment.id);
        job.written.push(key);
        storage.setItem(key, text);
        this.#chars.set(segment.id, text.length);
      });
    }
    job.steps.push(() => {
      const text = this.#manifestOf(plan.layout);
      storage.setItem(this.manifestKey, text);
      job.committed = true;
      this.#adopt(plan.layout, text);
    });
    job.steps.push(() => this.#sweep(plan.layout));
    this.#projected = plan.layout;
    this.#queue.push(job);
  }

  /** Runs every queued step now (the page is being hidden or closed). */
  flush(): void {
    this.#run(() => true);
  }

  #staging(): boolean {
    const should = this.#options.shouldStage ??
      (() => typeof document !== "undefined" && document.visibilityState === "visible");
    return should();
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const started = performance.now();
        this.#run(() => performance.now() - started < this.#budgetMs || !this.#staging());
        if (this.#queue.length > 0) await (this.#options.yieldTask ?? yieldToBrowser)();
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Runs steps while `more()` says so (at least one), settling the jobs that finish. */
  #run(more: () => boolean): void {
    let first = true;
    while (this.#queue.length > 0 && (first || more())) {
      first = false;
      const job = this.#queue[0];
      const step = job.steps[job.at++];
      try {
        step();
      } catch (error) {
        if (job.committed) {
          // Only the sweep runs after the commit; what it left is swept by the next write.
          console.warn("stored segments could not be removed", error);
        } else {
          this.#fail(error);
          continue;
        }
      }
      if (job.at === job.steps.length) {
        this.#queue.shift();
        job.request.resolve();
      }
    }
  }

  /**
   * Undoes the failed job's writes; the writes queued after it were planned on it: they fail
   * too. A write refused for want of room is tried once more, freeing room first (tight).
   */
  #fail(error: unknown): void {
    const storage = this.#options.storage;
    const failed = this.#queue.splice(0);
    for (const job of failed) {
      for (const key of job.written) {
        try {
          storage.removeItem(key);
        } catch { /* swept by the next write */ }
      }
    }
    this.#projected = this.#committed;
    const [first, ...rest] = failed;
    for (const job of rest) job.request.reject(error);
    if (first.request.tight || !isQuotaError(error)) first.request.reject(error);
    else this.#enqueue({ ...first.request, tight: true });
  }

  #adopt(layout: Layout<T>, manifestText: string | null): void {
    this.#committed = layout;
    if (this.#queue.length === 0) this.#projected = layout;
    this.#manifestText = manifestText;
  }

  /** Removes segments the manifest does not name, except those queued writes will name. */
  #sweep(layout: Layout<T>): void {
    const storage = this.#options.storage;
    const named = new Set(layout.segments.map((segment) => segment.id));
    for (const job of this.#queue) {
      for (const segment of job.layout.segments) named.add(segment.id);
    }
    const stale: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key === null || !key.startsWith(this.#segmentPrefix)) continue;
      const id = Number(key.slice(this.#segmentPrefix.length));
      if (!named.has(id)) stale.push(key);
    }
    for (const key of stale) storage.removeItem(key);
    for (const id of [...this.#chars.keys()]) if (!named.has(id)) this.#chars.delete(id);
  }

  #segmentText(segment: Segment<T>): string {
    const parts: string[] = [];
    for (const row of segment.rows.values()) {
      // Rows are never changed in place (a new version is a new object), so their text is kept.
      let text = this.#rowText.get(row);
      if (text === undefined) {
        text = JSON.stringify(row);
        this.#rowText.set(row, text);
      }
      parts.push(text);
    }
    return `[${parts.join(",")}]`;
  }

  #manifestOf(layout: Layout<T>): string {
    const segments = layout.segments.map((segment) => [
      segment.id,
      segment.rows.size,
      this.#chars.get(segment.id) ?? 0,
    ]);
    return JSON.stringify({ layout: LAYOUT_VERSION, next: layout.next, segments });
  }

  /** The manifest's segments, reusing `known` ones (a segment's id names one content). */
  #readLayout(manifest: Manifest, known: Map<number, Segment<T>>, report: LoadReport): Layout<T> {
    const segments: Segment<T>[] = [];
    const seen = new Set<string>();
    for (const [id, count, chars] of manifest.segments) {
      const key = this.segmentKey(id);
      let segment = known.get(id) ?? null;
      if (!segment) {
        const text = this.#options.storage.getItem(key);
        if (text === null) {
          report.missing.push(key);
          continue;
        }
        segment = text.length === chars ? this.#parseSegment(id, text) : null;
        if (segment && segment.rows.size !== count) segment = null;
        if (segment) this.#chars.set(id, chars);
      }
      if (!segment || [...segment.rows.keys()].some((rowKey) => seen.has(rowKey))) {
        report.invalid.push(key);
        continue;
      }
      for (const rowKey of segment.rows.keys()) seen.add(rowKey);
      segments.push(segment);
    }
    return layoutOf(segments, manifest.next);
  }

  #parseSegment(id: number, text: string): Segment<T> | null {
    let values: unknown;
    try {
      values = JSON.parse(text);
    } catch {
      return null;
    }
    if (!Array.isArray(values)) return null;
    const rows = new Map<string, T>();
    for (const value of values) {
      if (!this.#options.isRow(value)) return null;
      const key = this.#options.getKey(value);
      if (rows.has(key)) return null;
      rows.set(key, value);
    }
    return { id, rows };
  }

  /** Every segment key's rows, the highest id's copy of a key winning (it was written last). */
  #readEverySegment(): Map<string, T> {
    const storage = this.#options.storage;
    const rows = new Map<string, T>();
    for (const id of this.#storedSegmentIds()) {
      const segment = this.#parseSegment(id, storage.getItem(this.segmentKey(id)) ?? "");
      for (const [key, row] of segment?.rows ?? []) {
        rows.delete(key);
        rows.set(key, row);
      }
    }
    return rows;
  }

  /** Ids of every segment key in storage, named or not, ascending. */
  #storedSegmentIds(): number[] {
    const storage = this.#options.storage;
    const ids: number[] = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(this.#segmentPrefix)) {
        const id = Number(key.slice(this.#segmentPrefix.length));
        if (Number.isSafeInteger(id) && id > 0) ids.push(id);
      }
    }
    return ids.sort((a, b) => a - b);
  }

  #readLegacy(report: LoadReport): Map<string, T> {
    const rows = new Map<string, T>();
    for (const key of this.#options.legacyKeys ?? []) {
      const text = this.#options.storage.getItem(key);
      if (text === null) continue;
      let snapshot: unknown;
      try {
        snapshot = JSON.parse(text);
      } catch {
        continue;
      }
      if (typeof snapshot !== "object" || snapshot === null) continue;
      for (const item of Object.values(snapshot)) {
        const data = (item as { data?: unknown } | null)?.data;
        if (this.#options.isRow(data)) rows.set(this.#options.getKey(data), data);
      }
      report.migratedFrom = key;
      break;
    }
    return rows;
  }

  /** Stores `rows` afresh (recovery or migration), then removes the keys they came from. */
  #rebuild(rows: Map<string, T>, report: LoadReport): T[] {
    const values = [...rows.values()];
    // New ids above every stored one, so that no leftover segment is taken for a new one.
    const next = (this.#storedSegmentIds().at(-1) ?? 0) + 1;
    this.#committed = this.#projected = emptyLayout(next);
    if (report.manifest === "none" && report.migratedFrom === undefined) return values;
    // A write settles at once here (atOnce); its failure is the browser refusing the rows.
    this.write(rows, [], { atOnce: true }).catch((error) =>
      console.error("the recovered comments could not be stored again", error)
    );
    if (report.migratedFrom !== undefined && this.#manifestText !== null) {
      for (const key of this.#options.legacyKeys ?? []) this.#options.storage.removeItem(key);
    }
    return values;
  }
}

/** Whether the browser refused a write for want of room. */
export function isQuotaError(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    const name = (cause as { name?: unknown }).name;
    const message = String((cause as { message?: unknown }).message ?? "");
    if (name === "QuotaExceededError" || /quota/i.test(message)) return true;
    if (typeof cause !== "object") break;
  }
  return false;
}

interface Manifest {
  next: number;
  segments: [id: number, rows: number, chars: number][];
}

function parseManifest(text: string): Manifest | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const { layout, next, segments } = (value ?? {}) as Record<string, unknown>;
  if (layout !== LAYOUT_VERSION || !Number.isSafeInteger(next) || !Array.isArray(segments)) {
    return null;
  }
  const valid = segments.every((entry) =>
    Array.isArray(entry) && entry.length === 3 && entry.every((n) => Number.isSafeInteger(n))
  );
  return valid ? { next: next as number, segments: segments as Manifest["segments"] } : null;
}

/** A turn for the browser: rendering and input first, then the next step of the write. */
function yieldToBrowser(): Promise<void> {
  const scheduler = (globalThis as {
    scheduler?: { postTask?: (fn: () => void, options: { priority: string }) => Promise<void> };
  }).scheduler;
  if (scheduler?.postTask) {
    return scheduler.postTask(() => {}, { priority: "background" });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

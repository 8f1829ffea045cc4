/**
 * First visit: load the most recent comments from `/api/comments`, newest first, page by page,
 * reporting progress, until the collection's bound or the end of the history is reached.
 *
 * @module
 */
import { StatisticsSchema } from "@sentiment/contracts/api";
import type { CommentStore } from "./comments.ts";
import type { StatusStore } from "./status.ts";

/** Options of {@link backfill}. */
export interface BackfillOptions {
  store: CommentStore;
  status: StatusStore;
  fetch?: typeof fetch;
  /** Base of the api, `/api` through the dashboard's proxy. */
  apiBase?: string;
  pageSize?: number;
}

/** Loads recent comments into the store. Never throws: failures end up in the status. */
export async function backfill(options: BackfillOptions): Promise<boolean> {
  const { store, status, apiBase = "/api", pageSize = 200 } = options;
  const fetchFn = options.fetch ?? fetch.bind(globalThis);
  const limit = store.limit;
  let target = limit;
  let loaded = 0;
  try {
    // The total only sizes the progress bar; the pages decide when the history ends (comments
    // stored meanwhile shift the pages, so stopping at the total would miss the oldest).
    const statsResponse = await fetchFn(`${apiBase}/statistics`).catch(() => null);
    if (statsResponse?.ok) {
      const stats = StatisticsSchema.safeParse(await statsResponse.json().catch(() => null));
      if (stats.success) target = Math.min(target, stats.data.total);
    } else await statsResponse?.body?.cancel();
    status.update({ backfill: { loaded, target, done: false } });
    let cursor: string | null = null;
    while (loaded < limit) {
      const params = new URLSearchParams({ limit: String(Math.min(pageSize, limit - loaded)) });
      if (cursor) params.set("cursor", cursor);
      const response = await fetchFn(`${apiBase}/comments?${params}`);
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`/api/comments answered ${response.status}`);
      }
      const page = await response.json() as { items?: unknown; nextCursor?: unknown };
      const items = Array.isArray(page?.items) ? page.items : [];
      const result = store.ingest(items);
      loaded += items.length;
      target = Math.min(limit, Math.max(target, loaded));
      const now = status.get();
      status.update({
        invalid: now.invalid + result.invalid,
        lastInvalidReason: result.lastInvalidReason ?? now.lastInvalidReason,
        backfill: { loaded: Math.min(loaded, target), target, done: false },
      });
      cursor = typeof page?.nextCursor === "string" ? page.nextCursor : null;
      if (!cursor || items.length === 0) break;
    }
    status.update({ backfill: { loaded: Math.min(loaded, target), target, done: true } });
    return true;
  } catch (error) {
    status.update({
      backfill: { loaded, target, done: false, error: (error as Error).message },
    });
    return false;
  }
}

/**
 * The browser side of the dashboard, created once per page: the comments collection, the
 * stream (in the leading tab), the first-visit backfill and the statistics poller. On the
 * server there is no browser storage and {@link getApp} returns null, so islands render their
 * empty state.
 *
 * @module
 */
import {
  type CommentsCollection,
  CommentStore,
  createCommentsCollection,
  DEFAULT_MAX_COMMENTS,
  DEFAULT_STORAGE_KEY,
  READABLE_EARLIER_KEYS,
  STORAGE_KEY_PREFIX,
} from "./comments.ts";
import { backfill } from "./backfill.ts";
import { readConnectionMemory, rememberConnection } from "./connection_memory.ts";
import { electLeader } from "./leader.ts";
import { registerShellWorker, shellUpdates } from "./service_worker.ts";
import { prepareSnapshot } from "./snapshot_keys.ts";
import { StatisticsPoller } from "./statistics.ts";
import { initialStatus, StatusStore } from "./status.ts";
import { LiveStream } from "./stream.ts";
import { summaryQuery } from "./queries.ts";

/** What islands read from. */
export interface DashboardApp {
  collection: CommentsCollection;
  store: CommentStore;
  status: StatusStore;
  statistics: StatisticsPoller;
  /** The one live query of counts per (minute, tag, source) the aggregate panels share. */
  summary: ReturnType<typeof summaryQuery>;
}

let app: DashboardApp | null = null;
let started = false;

/** The page's app, or null outside a browser. */
export function getApp(): DashboardApp | null {
  if (typeof document === "undefined" || typeof localStorage === "undefined") return null;
  app ??= createApp();
  return app;
}

function createApp(): DashboardApp {
  const configured = Number(document.body.dataset.maxComments);
  const limit = Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_COMMENTS;
  const housekeeping = prepareSnapshot(localStorage, {
    current: DEFAULT_STORAGE_KEY,
    prefix: STORAGE_KEY_PREFIX,
    readable: READABLE_EARLIER_KEYS,
  });
  if (housekeeping.movedFrom) {
    console.info(`reading the comments stored by an earlier version ("${housekeeping.movedFrom}")`);
  }
  for (const key of housekeeping.removed) {
    console.info(`discarded the comments snapshot of another shape in "${key}"`);
  }
  if (housekeeping.unreadable) {
    console.warn(`discarded the unreadable comments snapshot in "${DEFAULT_STORAGE_KEY}"`);
  }
  const collection = createCommentsCollection();
  const status = new StatusStore({
    ...initialStatus(limit),
    ...readConnectionMemory(localStorage),
  });
  const store = new CommentStore(collection, {
    limit,
    onQuota: (newLimit) => {
      status.update({
        limit: newLimit,
        problem: `browser storage is full: keeping the newest ${newLimit} comments`,
      });
    },
  });
  // Batches wait briefly to be written together; a page going away writes them at once.
  const rememberNow = rememberConnection(status, localStorage);
  const persistNow = () => {
    store.persistNow();
    rememberNow();
  };
  addEventListener("pagehide", persistNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") persistNow();
  });
  return {
    collection,
    store,
    status,
    statistics: new StatisticsPoller(localStorage),
    summary: summaryQuery(collection),
  };
}

/** Starts syncing: restores persisted comments, then streams (or follows the tab that does). */
export async function startApp(): Promise<void> {
  const current = getApp();
  if (!current || started) return;
  started = true;
  const { collection, store, status, statistics } = current;
  await collection.preload();
  registerShellWorker(status);
  statistics.start();
  electLeader(status, () => {
    let needsBackfill = collection.size === 0;
    let backfilling = false;
    const startBackfill = () => {
      if (!needsBackfill || backfilling) return;
      backfilling = true;
      void backfill({ store, status }).then((ok) => {
        backfilling = false;
        if (ok) needsBackfill = false;
      });
    };
    const stream = new LiveStream({
      store,
      status,
      // Stream first, then backfill: the page loaded after the stream opened overlaps it
      // (repeats are dropped by commentId) instead of leaving a gap.
      onOpen: () => {
        void statistics.poll();
        // Back after an outage, the server may run a newer version of the dashboard.
        shellUpdates().check();
        startBackfill();
      },
      // The server's history is not what was stored: load its recent comments afresh.
      onReset: () => {
        needsBackfill = true;
        startBackfill();
      },
    });
    addEventListener("online", () => stream.reconnectNow());
    addEventListener("offline", () => stream.markOffline());
    stream.start();
  });
}

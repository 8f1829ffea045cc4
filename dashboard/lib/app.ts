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
import { removeOtherShapes } from "./snapshot_keys.ts";
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
  const removed = removeOtherShapes(localStorage, {
    current: DEFAULT_STORAGE_KEY,
    prefix: STORAGE_KEY_PREFIX,
    readable: READABLE_EARLIER_KEYS,
  });
  for (const key of removed) {
    console.info(`discarded the comments snapshot of another shape in "${key}"`);
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
    store.persistNow({ atOnce: true });
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
  reportLoad(collection);
  registerShellWorker(status);
  statistics.start();
  electLeader(status, () => {
    // Rows set aside as unreadable may be among the server's recent ones: loaded again.
    const report = collection.utils.loadReport();
    let needsBackfill = collection.size === 0 || (report?.invalid.length ?? 0) > 0;
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

/** Says on the console what loading the stored comments found beyond the ordinary. */
function reportLoad(collection: CommentsCollection): void {
  const report = collection.utils.loadReport();
  if (!report) return;
  if (report.migratedFrom) {
    console.info(`moved the comments stored by an earlier version ("${report.migratedFrom}")`);
  }
  if (report.manifest === "unreadable") {
    console.warn("the comments manifest was unreadable: stored again from every segment found");
  }
  for (const key of report.invalid) console.warn(`set aside the unreadable comments in "${key}"`);
  for (const key of report.missing) console.info(`"${key}" was removed by an interrupted write`);
}

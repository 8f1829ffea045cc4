import type { ComponentChildren } from "preact";
import { getApp } from "../lib/app.ts";
import { shellUpdates } from "../lib/service_worker.ts";
import { initialStatus, type SyncStatus, useObservable } from "../lib/status.ts";
import { totalCount } from "../lib/queries.ts";
import { useNow } from "../lib/use_now.ts";
import { useSharedLiveQuery } from "../lib/use_live_query.ts";
import { ProgressBar } from "../components/ProgressBar.tsx";
import { formatCount, formatTime } from "../components/format.ts";

/**
 * Connection state (with why it is down, since when, and when the next attempt is), how much
 * is stored, the first-visit progress bar, and notices: a reset history, a new version.
 */
export default function StatusBar(props: { limit: number }) {
  const app = getApp();
  const status = useObservable(app?.status ?? null, initialStatus(props.limit));
  const stored = totalCount(useSharedLiveQuery(app?.summary ?? null).data);
  const now = useNow(status.reconnectAt !== undefined);
  const { connection, backfill, notice } = status;
  // While down: when the next attempt is, or that one is under way.
  const retry = connection !== "offline" && connection !== "refused"
    ? null
    : status.reconnectAt === undefined
    ? "reconnecting…"
    : `reconnecting in ${secondsUntil(status.reconnectAt, now)} s`;
  return (
    <div class="status-bar">
      <p
        class={`connection connection-${connection}`}
        role="status"
        data-connection={connection}
        data-down-since={status.downSince}
      >
        <span class="dot" aria-hidden="true" />
        <span class="connection-text">{describeConnection(status, now)}</span>
      </p>
      {status.role === "follower" && <p class="muted">(streamed by another tab)</p>}
      {retry && <p class="retry" data-retry-at={status.reconnectAt}>{retry}</p>}
      <p class="stored" data-stored={stored}>
        {formatCount(stored)} of {formatCount(status.limit)} most recent comments stored here
        {status.lastEventAt !== undefined && (
          <span class="muted" data-last-event={status.lastEventAt}>
            {` · last event ${formatTime(status.lastEventAt)}`}
          </span>
        )}
      </p>
      {backfill && !backfill.done && !backfill.error && (
        <ProgressBar
          label={`Loading recent comments: ${formatCount(backfill.loaded)} of ${
            formatCount(backfill.target)
          }`}
          value={backfill.loaded}
          max={backfill.target}
        />
      )}
      {notice && (
        <p class="notice" role="status" data-notice-at={notice.at}>
          <span>{capitalize(notice.text)} ({formatTime(notice.at)}).</span>{" "}
          <button type="button" onClick={() => app?.status.update({ notice: undefined })}>
            Dismiss
          </button>
        </p>
      )}
      {status.updateReady && (
        <p class="notice update-ready">
          <span>A new version of the dashboard is ready.</span>{" "}
          <button type="button" onClick={() => shellUpdates().apply()}>Reload</button>
        </p>
      )}
    </div>
  );
}

/** The words of the status pill; one text run, so no gap of the pill's layout splits it. */
function describeConnection(status: SyncStatus, now: number): ComponentChildren {
  switch (status.connection) {
    case "connecting":
      return <strong>Connecting…</strong>;
    case "live":
      return <strong>Live</strong>;
    case "reconnecting":
      return (
        <>
          <strong>Reconnecting</strong>
          {status.reconnectAt === undefined
            ? "…"
            : ` in ${secondsUntil(status.reconnectAt, now)} s`}
        </>
      );
    case "refused":
      return (
        <>
          <strong>The api refused the dashboard ({status.httpStatus ?? 401})</strong>: check
          API_TOKEN
        </>
      );
    case "offline":
      return (
        <>
          <strong>
            Offline{status.downSince !== undefined && ` since ${formatTime(status.downSince)}`}
          </strong>
          : {outageCause(status)}showing the comments stored in this browser
        </>
      );
  }
}

function outageCause(status: SyncStatus): string {
  switch (status.cause) {
    case "network":
      return "this browser has no network; ";
    case "server":
      return "the dashboard server cannot be reached; ";
    case "api":
      return `the api is not answering (${status.httpStatus ?? 502}); `;
    default:
      return "";
  }
}

function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1_000));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

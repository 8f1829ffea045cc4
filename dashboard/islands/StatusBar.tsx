import { getApp } from "../lib/app.ts";
import { initialStatus, type SyncStatus, useObservable } from "../lib/status.ts";
import { totalCount } from "../lib/queries.ts";
import { useSharedLiveQuery } from "../lib/use_live_query.ts";
import { ProgressBar } from "../components/ProgressBar.tsx";
import { formatCount, formatTime } from "../components/format.ts";

const LABEL: Record<SyncStatus["connection"], string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

/** Connection state, how much is stored, and the first-visit progress bar. */
export default function StatusBar(props: { limit: number }) {
  const app = getApp();
  const status = useObservable(app?.status ?? null, initialStatus(props.limit));
  const stored = totalCount(useSharedLiveQuery(app?.summary ?? null).data);
  const { connection, backfill } = status;
  return (
    <div class="status-bar">
      <p class={`connection connection-${connection}`} role="status" data-connection={connection}>
        <span class="dot" aria-hidden="true" />
        <strong>{LABEL[connection]}</strong>
        {connection === "offline" && <span>: showing the comments stored in this browser</span>}
        {status.role === "follower" && <span class="muted">(streamed by another tab)</span>}
      </p>
      <p class="stored" data-stored={stored}>
        {formatCount(stored)} of {formatCount(status.limit)} most recent comments stored here{" "}
        {status.lastEventAt && (
          <span class="muted">· last event {formatTime(status.lastEventAt)}</span>
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
    </div>
  );
}

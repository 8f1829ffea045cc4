import { getApp } from "../lib/app.ts";
import { initialStatus, useObservable } from "../lib/status.ts";
import { formatCount } from "../components/format.ts";

/** One line of counters: events received, invalid ones (never stored), repeats dropped. */
export default function Diagnostics(props: { limit: number }) {
  const app = getApp();
  const status = useObservable(app?.status ?? null, initialStatus(props.limit));
  return (
    <p class="diagnostics" data-invalid={status.invalid}>
      Stream events received: {formatCount(status.received)} · invalid (not stored):{" "}
      <span class={status.invalid ? "warn" : ""}>{formatCount(status.invalid)}</span>
      {status.lastInvalidReason && <span class="muted">(last: {status.lastInvalidReason})</span>}
      {" "}
      · repeats dropped: {formatCount(status.duplicates)}
      {status.backfill?.error && (
        <span class="warn">· backfill failed: {status.backfill.error}</span>
      )}
      {status.problem && <span class="warn">· {status.problem}</span>}
    </p>
  );
}

import { TAGS } from "@sentiment/contracts/messages";
import { getApp } from "../lib/app.ts";
import type { ServerTotals as Totals } from "../lib/statistics.ts";
import { useObservable } from "../lib/status.ts";
import { formatCount, formatTime, TAG_META } from "../components/format.ts";

const EMPTY: Totals = { stats: null, fetchedAt: null, stale: true };

/** The server's all-time totals from /api/statistics, with when they were fetched. */
export default function ServerTotals() {
  const app = getApp();
  const { stats, fetchedAt, stale, failure } = useObservable(app?.statistics ?? null, EMPTY);
  if (!stats) {
    return (
      <p class="muted">
        {failure === undefined ? "Not loaded yet." : `Not loaded: ${failureText(failure)}.`}
      </p>
    );
  }
  const rows: [string, number, string][] = [
    ["Comments stored", stats.total, "total"],
    ...TAGS.map((tag): [string, number, string] => [TAG_META[tag].label, stats.byTag[tag], tag]),
    ["Stored in the last minute", stats.lastMinute, "lastMinute"],
    ["Duplicates discarded", stats.duplicatesDiscarded, "duplicates"],
    ["Retried at least once", stats.retried, "retried"],
    ["Dead-lettered", stats.deadLettered, "deadLettered"],
  ];
  return (
    <div class="server-totals">
      <dl>
        {rows.map(([label, value, key]) => (
          <div key={key} data-key={key}>
            <dt>{label}</dt>
            <dd>{formatCount(value)}</dd>
          </div>
        ))}
      </dl>
      <p class="muted">
        As of {formatTime(Date.parse(stats.asOf))}
        {stale && fetchedAt
          ? ` (last fetched ${formatTime(fetchedAt)}; ${failureText(failure)})`
          : ""}
      </p>
    </div>
  );
}

function failureText(failure: Totals["failure"]): string {
  if (failure === "unreachable") return "the dashboard server cannot be reached";
  if (failure === "invalid") return "the api sent totals that could not be read";
  if (failure === 401 || failure === 403) return `the api refused the dashboard (${failure})`;
  return "the api is not answering";
}

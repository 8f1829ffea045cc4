import { getApp } from "../lib/app.ts";
import { countBy, type SummaryRow } from "../lib/queries.ts";
import { useSharedLiveQuery } from "../lib/use_live_query.ts";
import { ShareBars, type ShareItem } from "../components/ShareBars.tsx";
import { formatCount, formatSource } from "../components/format.ts";

/** Sources shown by name; the rest are summed into one "other" row. */
export const TOP_SOURCES = 8;

/** Each source's share of the stored comments: the top sources by count, then the others. */
export default function SourceShare() {
  const app = getApp();
  const { data } = useSharedLiveQuery(app?.summary ?? null);
  const items = sourceShares(data);
  if (items.length === 0) return <p class="muted">No comments stored yet.</p>;
  return <ShareBars items={items} label="Share of comments by source" />;
}

/**
 * The rows of the chart: the {@link TOP_SOURCES} sources with the most comments (ties by
 * name), any source name shown as sent unless it is a known one, and "other" for the rest.
 */
export function sourceShares(summary: readonly SummaryRow[]): ShareItem[] {
  const ranked = [...countBy(summary, "source")]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const items: ShareItem[] = ranked.slice(0, TOP_SOURCES).map(([source, count]) => ({
    key: source,
    label: formatSource(source),
    count,
  }));
  const rest = ranked.slice(TOP_SOURCES);
  if (rest.length > 0) {
    items.push({
      key: "(other)",
      label: `${formatCount(rest.length)} others`,
      count: rest.reduce((sum, [, count]) => sum + count, 0),
      other: true,
    });
  }
  return items;
}

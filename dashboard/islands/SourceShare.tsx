import { SOURCES } from "@sentiment/proto/messages";
import { getApp } from "../lib/app.ts";
import { sourceCountsQuery } from "../lib/queries.ts";
import { useLiveQuery } from "../lib/use_live_query.ts";
import { ShareBars } from "../components/ShareBars.tsx";
import { SOURCE_LABEL } from "../components/format.ts";

/** Each source platform's share of the stored comments. */
export default function SourceShare() {
  const app = getApp();
  const { data } = useLiveQuery(() => app && sourceCountsQuery(app.collection), [app]);
  const counts = new Map(data.map((row) => [row.source, row.count]));
  const items = SOURCES.map((source) => ({
    key: source,
    label: SOURCE_LABEL[source],
    count: counts.get(source) ?? 0,
  })).sort((a, b) => b.count - a.count);
  return <ShareBars items={items} label="Share of comments by source" />;
}

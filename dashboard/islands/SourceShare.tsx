import { SOURCES } from "@sentiment/proto/messages";
import { getApp } from "../lib/app.ts";
import { countBy } from "../lib/queries.ts";
import { useSharedLiveQuery } from "../lib/use_live_query.ts";
import { ShareBars } from "../components/ShareBars.tsx";
import { SOURCE_LABEL } from "../components/format.ts";

/** Each source platform's share of the stored comments. */
export default function SourceShare() {
  const app = getApp();
  const { data } = useSharedLiveQuery(app?.summary ?? null);
  const counts = countBy(data, "source");
  const items = SOURCES.map((source) => ({
    key: source,
    label: SOURCE_LABEL[source],
    count: counts.get(source) ?? 0,
  })).sort((a, b) => b.count - a.count);
  return <ShareBars items={items} label="Share of comments by source" />;
}

import { TAGS } from "@sentiment/contracts/messages";
import { getApp } from "../lib/app.ts";
import { countBy, totalCount } from "../lib/queries.ts";
import { useSharedLiveQuery } from "../lib/use_live_query.ts";
import { formatCount, formatShare, TAG_META } from "../components/format.ts";

/** One card per sentiment tag with its count among the stored comments. */
export default function TagCards() {
  const app = getApp();
  const { data } = useSharedLiveQuery(app?.summary ?? null);
  const counts = countBy(data, "tag");
  const total = totalCount(data);
  return (
    <ul class="tag-cards">
      {TAGS.map((tag) => {
        const count = counts.get(tag) ?? 0;
        return (
          <li key={tag} class={`tag-card ${TAG_META[tag].className}`} data-tag={tag}>
            <span class="tag-card-label">{TAG_META[tag].label}</span>
            <span class="tag-card-count" data-count={count}>{formatCount(count)}</span>
            <span class="tag-card-share">{formatShare(count, total)}</span>
          </li>
        );
      })}
    </ul>
  );
}

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { type Tag, TAGS } from "@sentiment/contracts/messages";
import { getApp } from "../lib/app.ts";
import { MINUTE_MS, perMinuteByTag } from "../lib/queries.ts";
import { useSharedLiveQuery } from "../lib/use_live_query.ts";
import { type Bucket, StackedBars } from "../components/StackedBars.tsx";
import { formatShare, TAG_META } from "../components/format.ts";

const WINDOW_MINUTES = 30;
/** The negative share at a minute is that of this many minutes up to it, so a quiet minute with two comments does not swing the line from 0 to 100 %. */
export const SHARE_ROLLING_MINUTES = 5;

/**
 * Per-minute stacked counts by tag over the last half hour of stored comments, with a line for
 * the share of negative comments (rolling over {@link SHARE_ROLLING_MINUTES} minutes).
 */
export default function SentimentChart() {
  const app = getApp();
  const data = perMinuteByTag(useSharedLiveQuery(app?.summary ?? null).data);
  // The window follows the clock, so the chart moves on even when no comment arrives.
  const [nowMinute, setNowMinute] = useState(() => Math.floor(Date.now() / MINUTE_MS));
  useEffect(() => {
    const timer = setInterval(() => setNowMinute(Math.floor(Date.now() / MINUTE_MS)), 5_000);
    return () => clearInterval(timer);
  }, []);
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useLayoutEffect(() => {
    const element = wrap.current;
    if (!element) return;
    const measure = () => setWidth(element.clientWidth || 600);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const newest = data.reduce((max, row) => Math.max(max, row.minute), -Infinity);
  // Old persisted data (offline, or a quiet stream) is shown where it is rather than nowhere.
  const end = newest >= nowMinute - WINDOW_MINUTES || newest === -Infinity ? nowMinute : newest;
  const byMinute = new Map<number, Record<Tag, number>>();
  for (const row of data) {
    if (row.minute <= end - WINDOW_MINUTES || row.minute > end) continue;
    const counts = byMinute.get(row.minute) ??
      Object.fromEntries(TAGS.map((tag) => [tag, 0])) as Record<Tag, number>;
    counts[row.tag] += row.count;
    byMinute.set(row.minute, counts);
  }
  const buckets: Bucket[] = [];
  for (let minute = end - WINDOW_MINUTES + 1; minute <= end; minute++) {
    buckets.push({
      start: minute * MINUTE_MS,
      counts: byMinute.get(minute) ??
        Object.fromEntries(TAGS.map((tag) => [tag, 0])) as Record<Tag, number>,
    });
  }
  const negativeShare = rollingShare(buckets, "NEGATIVE", SHARE_ROLLING_MINUTES);
  const latestShare = negativeShare.findLast((share) => share !== null) ?? null;
  const total = [...byMinute.values()].reduce(
    (sum, counts) => sum + TAGS.reduce((s, tag) => s + counts[tag], 0),
    0,
  );
  return (
    <div class="chart-wrap" data-total={total} ref={wrap}>
      <ul class="legend">
        {TAGS.map((tag) => (
          <li key={tag}>
            <span class={`swatch ${TAG_META[tag].className}`} aria-hidden="true" />
            {TAG_META[tag].label}
          </li>
        ))}
        <li class="legend-line" data-latest-share={latestShare ?? ""}>
          <span class="swatch-line" aria-hidden="true" />
          Negative share, {SHARE_ROLLING_MINUTES}-minute rolling
          {latestShare !== null && `: ${formatShare(latestShare, 1)} now`}
        </li>
      </ul>
      <StackedBars
        width={width}
        buckets={buckets}
        line={negativeShare}
        label={`Comments per minute by sentiment, last ${WINDOW_MINUTES} minutes: ${total} comments${
          latestShare === null ? "" : `; ${formatShare(latestShare, 1)} negative lately`
        }`}
      />
    </div>
  );
}

/**
 * For each bucket, the share of `tag` among the comments of the `minutes` buckets up to and
 * including it; null where those buckets hold no comment.
 */
export function rollingShare(
  buckets: readonly Bucket[],
  tag: Tag,
  minutes: number,
): (number | null)[] {
  const shares: (number | null)[] = [];
  let matching = 0;
  let total = 0;
  for (let i = 0; i < buckets.length; i++) {
    matching += buckets[i].counts[tag];
    total += TAGS.reduce((sum, each) => sum + buckets[i].counts[each], 0);
    const leaving = buckets[i - minutes];
    if (leaving) {
      matching -= leaving.counts[tag];
      total -= TAGS.reduce((sum, each) => sum + leaving.counts[each], 0);
    }
    shares.push(total > 0 ? matching / total : null);
  }
  return shares;
}

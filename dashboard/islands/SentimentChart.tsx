import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { type Tag, TAGS } from "@sentiment/proto/messages";
import { getApp } from "../lib/app.ts";
import { MINUTE_MS, perMinuteByTag } from "../lib/queries.ts";
import { useSharedLiveQuery } from "../lib/use_live_query.ts";
import { type Bucket, StackedBars } from "../components/StackedBars.tsx";
import { TAG_META } from "../components/format.ts";

const WINDOW_MINUTES = 30;

/** Per-minute stacked counts by tag over the last half hour of stored comments. */
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
      </ul>
      <StackedBars
        width={width}
        buckets={buckets}
        label={`Comments per minute by sentiment, last ${WINDOW_MINUTES} minutes: ${total} comments`}
      />
    </div>
  );
}

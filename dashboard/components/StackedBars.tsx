import { type Tag, TAGS } from "@sentiment/proto/messages";
import { formatCount, formatMinute, TAG_META } from "./format.ts";

/** Counts per tag in one time bucket. */
export interface Bucket {
  /** Start of the bucket, epoch ms. */
  start: number;
  counts: Record<Tag, number>;
}

const HEIGHT = 200;
const LEFT = 36;
const BOTTOM = 20;
const TOP = 8;

/** A stacked bar chart of counts per tag over time, plain SVG drawn at `width` pixels. */
export function StackedBars(props: { buckets: Bucket[]; label: string; width: number }) {
  const { buckets } = props;
  const WIDTH = Math.max(200, Math.round(props.width));
  const totals = buckets.map((bucket) => TAGS.reduce((sum, tag) => sum + bucket.counts[tag], 0));
  const peak = Math.max(1, ...totals);
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slot = (WIDTH - LEFT) / Math.max(buckets.length, 1);
  const barWidth = Math.max(1, slot * 0.8);
  const y = (value: number) => TOP + plotHeight - (value / peak) * plotHeight;
  // About one time label per 90 px.
  const labelEvery = Math.max(1, Math.ceil(buckets.length / Math.max(2, Math.floor(WIDTH / 90))));
  return (
    <svg
      class="chart"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={props.label}
    >
      <line class="axis" x1={LEFT} y1={TOP + plotHeight} x2={WIDTH} y2={TOP + plotHeight} />
      <text class="axis-label" x={LEFT - 4} y={TOP + 8} text-anchor="end">
        {formatCount(peak)}
      </text>
      <text class="axis-label" x={LEFT - 4} y={TOP + plotHeight} text-anchor="end">0</text>
      {buckets.map((bucket, index) => {
        let base = 0;
        const x = LEFT + index * slot + (slot - barWidth) / 2;
        return (
          <g key={bucket.start} data-minute={bucket.start}>
            <title>
              {`${formatMinute(bucket.start)}: ` +
                TAGS.map((tag) => `${TAG_META[tag].label} ${bucket.counts[tag]}`).join(", ")}
            </title>
            {TAGS.map((tag) => {
              const count = bucket.counts[tag];
              if (count === 0) return null;
              const top = y(base + count);
              const height = y(base) - top;
              base += count;
              return (
                <rect
                  key={tag}
                  class={`bar ${TAG_META[tag].className}`}
                  x={x}
                  y={top}
                  width={barWidth}
                  height={height}
                />
              );
            })}
            {index % labelEvery === 0 && (
              <text class="axis-label" x={x + barWidth / 2} y={HEIGHT - 4} text-anchor="middle">
                {formatMinute(bucket.start)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

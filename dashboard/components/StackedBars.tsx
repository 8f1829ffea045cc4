import { type Tag, TAGS } from "@sentiment/contracts/messages";
import { formatCount, formatMinute, TAG_META } from "./format.ts";

/** Counts per tag in one time bucket. */
export interface Bucket {
  /** Start of the bucket, epoch ms. */
  start: number;
  counts: Record<Tag, number>;
}

const HEIGHT = 200;
const LEFT = 36;
const RIGHT = 34;
const BOTTOM = 20;
const TOP = 8;

/**
 * A stacked bar chart of counts per tag over time, plain SVG drawn at `width` pixels; `line`,
 * one share in [0, 1] (or null for none) per bucket, is drawn over it on a 0–100 % axis at the
 * right.
 */
export function StackedBars(
  props: { buckets: Bucket[]; label: string; width: number; line?: (number | null)[] },
) {
  const { buckets, line } = props;
  const WIDTH = Math.max(200, Math.round(props.width));
  const PLOT_RIGHT = line ? WIDTH - RIGHT : WIDTH;
  const totals = buckets.map((bucket) => TAGS.reduce((sum, tag) => sum + bucket.counts[tag], 0));
  const peak = Math.max(1, ...totals);
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slot = (PLOT_RIGHT - LEFT) / Math.max(buckets.length, 1);
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
      <line class="axis" x1={LEFT} y1={TOP + plotHeight} x2={PLOT_RIGHT} y2={TOP + plotHeight} />
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
      {line && (
        <ShareLine
          shares={line}
          x={(index) => LEFT + index * slot + slot / 2}
          y={(share) => TOP + plotHeight - share * plotHeight}
          axisX={PLOT_RIGHT + 4}
          top={TOP}
          bottom={TOP + plotHeight}
        />
      )}
    </svg>
  );
}

/** The share line with its axis: runs of buckets with a share, broken where there is none. */
function ShareLine(
  props: {
    shares: (number | null)[];
    x: (index: number) => number;
    y: (share: number) => number;
    axisX: number;
    top: number;
    bottom: number;
  },
) {
  const runs: string[] = [];
  let run: string[] = [];
  props.shares.forEach((share, index) => {
    if (share === null) {
      if (run.length > 0) runs.push(run.join(" "));
      run = [];
    } else run.push(`${props.x(index).toFixed(1)},${props.y(share).toFixed(1)}`);
  });
  if (run.length > 0) runs.push(run.join(" "));
  return (
    <g class="share-line">
      <text class="axis-label" x={props.axisX} y={props.top + 8}>100%</text>
      <text class="axis-label" x={props.axisX} y={(props.top + props.bottom) / 2 + 3}>50%</text>
      <text class="axis-label" x={props.axisX} y={props.bottom}>0%</text>
      {runs.map((points, index) =>
        points.includes(" ") ? <polyline key={index} class="share-path" points={points} /> : (
          <circle
            key={index}
            class="share-point"
            cx={points.split(",")[0]}
            cy={points.split(",")[1]}
            r={2.5}
          />
        )
      )}
    </g>
  );
}

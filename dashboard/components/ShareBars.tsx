import { formatCount, formatShare } from "./format.ts";

/** One row of a share chart. */
export interface ShareItem {
  key: string;
  /** Shown in a `<bdi>`: a source's name is whatever its producer sent. */
  label: string;
  count: number;
  /** The row that groups the rest (drawn apart). */
  other?: boolean;
}

/** Horizontal bars showing each item's share of the total, with numbers as text. */
export function ShareBars(props: { items: ShareItem[]; label: string }) {
  const total = props.items.reduce((sum, item) => sum + item.count, 0);
  return (
    <ul class="share-bars" aria-label={props.label}>
      {props.items.map((item) => (
        <li key={item.key} data-key={item.key} class={item.other ? "share-other" : undefined}>
          <bdi class="share-label" title={item.label}>{item.label}</bdi>
          <span class="share-track" aria-hidden="true">
            <span
              class="share-fill"
              style={{ width: total ? `${(item.count / total) * 100}%` : "0%" }}
            />
          </span>
          <span class="share-value">
            {formatShare(item.count, total)} <small>({formatCount(item.count)})</small>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Formatting and labels shared by server and browser rendering. */
import type { Source, Tag } from "@sentiment/proto/messages";

/** Display label and CSS class of each tag, in the order panels show them. */
export const TAG_META: Record<Tag, { label: string; className: string }> = {
  POSITIVE: { label: "Positive", className: "tag-positive" },
  NEGATIVE: { label: "Negative", className: "tag-negative" },
  NEUTRAL: { label: "Neutral", className: "tag-neutral" },
  UNRELATED: { label: "Unrelated", className: "tag-unrelated" },
};

/** Display labels of the sources. */
export const SOURCE_LABEL: Record<Source, string> = {
  twitter: "Twitter",
  instagram: "Instagram",
  facebook: "Facebook",
  tiktok: "TikTok",
  youtube: "YouTube",
  reddit: "Reddit",
};

const integer = new Intl.NumberFormat("en-US");

/** 12,345 */
export function formatCount(value: number): string {
  return integer.format(value);
}

/** 42.1 % of total (0 % when total is 0). */
export function formatShare(value: number, total: number): string {
  if (total === 0) return "0%";
  const share = (value / total) * 100;
  return `${share >= 10 || share === 0 ? share.toFixed(0) : share.toFixed(1)}%`;
}

/** HH:MM:SS in the viewer's time zone. */
export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, "0")).join(":");
}

/** HH:MM in the viewer's time zone. */
export function formatMinute(epochMs: number): string {
  return formatTime(epochMs).slice(0, 5);
}

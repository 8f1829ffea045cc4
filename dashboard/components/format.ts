/** Formatting and labels shared by server and browser rendering. */
import { sourceLabel, type Tag } from "@sentiment/contracts/messages";

/** Display label and CSS class of each tag, in the order panels show them. */
export const TAG_META: Record<Tag, { label: string; className: string }> = {
  POSITIVE: { label: "Positive", className: "tag-positive" },
  NEGATIVE: { label: "Negative", className: "tag-negative" },
  NEUTRAL: { label: "Neutral", className: "tag-neutral" },
  UNRELATED: { label: "Unrelated", className: "tag-unrelated" },
};

/** A source's label: the known six by their names ("TikTok"), any other as sent ("trustpilot"). */
export const formatSource: (source: string) => string = sourceLabel;

const languageNames = typeof Intl.DisplayNames === "function"
  ? new Intl.DisplayNames(["en"], { type: "language", fallback: "none" })
  : null;

/** "German (de)"; "undetermined (und)"; the code alone when the browser knows no name. */
export function formatLanguage(code: string): string {
  if (code === "und") return "undetermined (und)";
  let name: string | undefined;
  try {
    name = languageNames?.of(code);
  } catch {
    name = undefined;
  }
  return name && name !== code ? `${name} (${code})` : code;
}

/** A sentiment score in [-1, 1] with its sign: "+0.75", "−0.20", "0.00". */
export function formatScore(score: number): string {
  const text = Math.abs(score).toFixed(2);
  if (text === "0.00") return text;
  return `${score < 0 ? "\u2212" : "+"}${text}`;
}

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

/** YYYY-MM-DD HH:MM:SS in the viewer's time zone. */
export function formatDateTime(epochMs: number): string {
  const date = new Date(epochMs);
  const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()]
    .map((part, i) => String(part).padStart(i === 0 ? 4 : 2, "0")).join("-");
  return `${day} ${formatTime(epochMs)}`;
}

/** HH:MM in the viewer's time zone. */
export function formatMinute(epochMs: number): string {
  return formatTime(epochMs).slice(0, 5);
}

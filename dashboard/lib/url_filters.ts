/**
 * The feed's filters in the page's query string (`?tag=negative&source=reddit&language=de&q=…`),
 * so a filtered view can be shared and bookmarked, and back/forward step through filter
 * changes. Values that make no sense (an unknown tag, a malformed language) are ignored, not
 * obeyed; parameters the feed does not own (`debug`) are kept as they are.
 *
 * @module
 */
import { LanguageSchema, MAX_SOURCE_LENGTH, type Tag, TAGS } from "@sentiment/contracts/messages";
import type { FeedFilter } from "./queries.ts";

/** The feed's filters, every one present ("" for none). */
export type UrlFilter = Required<FeedFilter>;

/** No filter at all. */
export const NO_FILTER: UrlFilter = { tag: "", source: "", language: "", search: "" };

/** The query parameter of each filter. */
export const FILTER_PARAMS = { tag: "tag", source: "source", language: "language", search: "q" };

/** Longest search kept from a URL. */
const MAX_SEARCH_LENGTH = 200;

/** The filters a query string asks for. */
export function readFilter(search: string): UrlFilter {
  const params = new URLSearchParams(search);
  const tag = (params.get(FILTER_PARAMS.tag) ?? "").trim().toUpperCase();
  const source = (params.get(FILTER_PARAMS.source) ?? "").trim().toLowerCase();
  const language = (params.get(FILTER_PARAMS.language) ?? "").trim().toLowerCase();
  return {
    tag: (TAGS as readonly string[]).includes(tag) ? tag as Tag : "",
    source: source.length <= MAX_SOURCE_LENGTH ? source : "",
    language: LanguageSchema.safeParse(language).success ? language : "",
    search: (params.get(FILTER_PARAMS.search) ?? "").slice(0, MAX_SEARCH_LENGTH),
  };
}

/** The query string (with `?`, or "" when empty) for `filter`, keeping others of `search`. */
export function writeFilter(filter: UrlFilter, search: string): string {
  const params = new URLSearchParams(search);
  const set = (name: string, value: string) => {
    if (value) params.set(name, value);
    else params.delete(name);
  };
  set(FILTER_PARAMS.tag, filter.tag.toLowerCase());
  set(FILTER_PARAMS.source, filter.source);
  set(FILTER_PARAMS.language, filter.language);
  set(FILTER_PARAMS.search, filter.search.trim() ? filter.search : "");
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Whether two filters are the same. */
export function sameFilter(a: UrlFilter, b: UrlFilter): boolean {
  return a.tag === b.tag && a.source === b.source && a.language === b.language &&
    a.search === b.search;
}

/** How a change enters the history (see {@link historyStep}). */
export type FilterChange = "choice" | "search";

/**
 * Whether a change pushes a new history entry or replaces the current one. A choice (a select)
 * is a step of its own; typing a search is one step however many times the text settles, so
 * back leaves the search rather than taking back one word at a time.
 */
export function historyStep(
  change: FilterChange,
  previous: FilterChange | null,
): "push" | "replace" {
  return change === "search" && previous === "search" ? "replace" : "push";
}

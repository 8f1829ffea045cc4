import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} from "preact/hooks";
import { KNOWN_SOURCES, type Tag, TAGS } from "@sentiment/contracts/messages";
import type { StoredComment } from "../lib/comments.ts";
import { getApp } from "../lib/app.ts";
import {
  countBy,
  feedCountQuery,
  feedQuery,
  type FeedWindow,
  isFiltered,
  type SummaryRow,
  totalCount,
} from "../lib/queries.ts";
import { useLiveQuery, useSharedLiveQuery } from "../lib/use_live_query.ts";
import { useRenewal } from "../lib/use_renewal.ts";
import { useUrlFilter } from "../lib/use_url_filter.ts";
import { CommentDetails } from "../components/CommentDetails.tsx";
import {
  formatCount,
  formatLanguage,
  formatSource,
  formatTime,
  TAG_META,
} from "../components/format.ts";

/** Every row has the same height, so the visible slice is pure arithmetic. */
export const ROW_HEIGHT = 76;
const OVERSCAN = 6;
/**
 * The feed query holds a window of rows around the visible ones, not all 5 000: it starts at a
 * multiple of WINDOW_STEP and moves only when scrolling leaves it, so a batch updates a few
 * dozen rows and scrolling moves the window every WINDOW_STEP rows.
 */
const WINDOW_STEP = 20;
const MIN_WINDOW = 2 * WINDOW_STEP;
const TOP_WINDOW: FeedWindow = { offset: 0, limit: MIN_WINDOW };
/**
 * TanStack DB's ordered, limited query keeps every row it has been sent in one sorted array and
 * splices it on each change (≈15 µs a row at 5 000 rows), and every new comment is sent to it.
 * A fresh query loads only its window through the seq index, so the feed's query is rebuilt
 * after this many new rows: a batch of 100 then costs it ~1.5 ms instead of ~4.5 ms.
 */
const RENEW_FEED_AFTER_ROWS = 1_000;

/**
 * The live feed: filters (kept in the URL), a text search and a virtualized list, newest first;
 * a comment opens in a dialog with its details.
 */
export default function LiveFeed() {
  const app = getApp();
  const { filter, setFilter, restored } = useUrlFilter();
  const { tag, source, language, search } = filter;
  // What is typed in the search box, tagged with the back/forward step it was typed after: a
  // step restores the URL's search in the same render (an effect would show the old text for a
  // frame and could write it back), and a debounce timer from before the step writes nothing.
  const [draft, setDraft] = useState<{ text: string; restored: number } | null>(null);
  const searchInput = draft?.restored === restored ? draft.text : search;
  const restoredNow = useRef(restored);
  restoredNow.current = restored;
  useEffect(() => {
    if (searchInput === search) return;
    // Typing should not rebuild the query (or write the URL) on every key.
    const typedAfter = restored;
    const timer = setTimeout(() => {
      if (restoredNow.current === typedAfter) {
        setFilter({ ...filter, search: searchInput }, "search");
      }
    }, 150);
    return () => clearTimeout(timer);
  }, [searchInput, filter, restored]);
  const [selected, setSelected] = useState<StoredComment | null>(null);
  const filterKey = `${tag}|${source}|${language}|${search}`;
  const filtered = isFiltered(filter);
  const renewal = useRenewal(app?.collection ?? null, RENEW_FEED_AFTER_ROWS);
  // The window the feed's rows are for: the last one asked of this query (its rows follow at
  // once, or when a window that needs more rows has loaded them, which renders again).
  const requested = useRef<{ query: unknown; filterKey: string; window: FeedWindow } | null>(
    null,
  );
  const feedCollection = useMemo(() => {
    if (!app) return null;
    // A renewed query (same filter) starts at the window in view; a new filter at the top.
    const window = requested.current?.filterKey === filterKey
      ? requested.current.window
      : TOP_WINDOW;
    const query = feedQuery(app.collection, filter, window);
    requested.current = { query, filterKey, window };
    return query;
  }, [app, filterKey, renewal]);
  const feed = useLiveQuery(() => feedCollection, [feedCollection]);
  // The feed holds a window only, so how many rows match is counted apart: unfiltered, that is
  // every stored comment (the shared summary); filtered, a count query with the same filter.
  const summary = useSharedLiveQuery(app?.summary ?? null).data;
  const stored = totalCount(summary);
  const matching = useLiveQuery(
    () => app && filtered ? feedCountQuery(app.collection, filter) : null,
    [app, filterKey],
  );
  const shown = filtered ? (matching.data[0]?.count ?? 0) : stored;
  const [, windowMoved] = useReducer((n: number) => n + 1, 0);
  const feedWindow = requested.current?.query === feedCollection
    ? requested.current.window
    : TOP_WINDOW;
  const moveWindow = useCallback((next: FeedWindow) => {
    if (!feedCollection) return;
    const current = requested.current?.query === feedCollection
      ? requested.current.window
      : TOP_WINDOW;
    if (current.offset === next.offset && current.limit === next.limit) return;
    const failed = (error: unknown) => {
      console.error("the feed window could not move", error);
      requested.current = { query: feedCollection, filterKey, window: current };
      windowMoved(undefined);
    };
    try {
      requested.current = { query: feedCollection, filterKey, window: next };
      const settled = feedCollection.utils.setWindow(next);
      if (settled === true) windowMoved(undefined);
      else settled.then(() => windowMoved(undefined), failed);
    } catch (error) {
      failed(error);
    }
  }, [feedCollection]);
  return (
    <div class="feed">
      <form class="feed-filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>
          <span>Tag</span>
          <select
            name="tag"
            value={tag}
            onChange={(event) =>
              setFilter({ ...filter, tag: event.currentTarget.value as Tag | "" }, "choice")}
          >
            <option value="">All tags</option>
            {TAGS.map((value) => <option key={value} value={value}>{TAG_META[value].label}
            </option>)}
          </select>
        </label>
        <label>
          <span>Source</span>
          <select
            name="source"
            value={source}
            onChange={(event) =>
              setFilter({ ...filter, source: event.currentTarget.value }, "choice")}
          >
            <option value="">All sources</option>
            {sourceOptions(summary, source).map((value) => (
              <option key={value} value={value}>{formatSource(value)}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Language</span>
          <select
            name="language"
            value={language}
            onChange={(event) =>
              setFilter({ ...filter, language: event.currentTarget.value }, "choice")}
          >
            <option value="">All languages</option>
            {languageOptions(summary, language).map((value) => (
              <option key={value} value={value}>{formatLanguage(value)}</option>
            ))}
          </select>
        </label>
        <label class="feed-search">
          <span>Search</span>
          <input
            type="search"
            name="q"
            placeholder="Text contains…"
            value={searchInput}
            onInput={(event) => setDraft({ text: event.currentTarget.value, restored })}
          />
        </label>
      </form>
      <p class="feed-count" aria-live="polite" data-shown={shown}>
        {filtered
          ? `${formatCount(shown)} of ${formatCount(stored)} comments match`
          : `${formatCount(shown)} comments, newest first`}
      </p>
      <VirtualList
        rows={feed.data}
        offset={feedWindow.offset}
        total={shown}
        onRange={moveWindow}
        onOpen={setSelected}
        resetKey={filterKey}
      />
      <CommentDetails comment={selected} onClose={() => setSelected(null)} />
    </div>
  );
}

/** The known sources, then others present by count, and the chosen one even if absent. */
function sourceOptions(summary: readonly SummaryRow[], chosen: string): string[] {
  const known = new Set<string>(KNOWN_SOURCES);
  const others = [...countBy(summary, "source")]
    .filter(([value]) => !known.has(value))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([value]) => value);
  const options = [...KNOWN_SOURCES, ...others];
  if (chosen && !options.includes(chosen)) options.push(chosen);
  return options;
}

/** The languages present by count, and the chosen one even if absent. */
function languageOptions(summary: readonly SummaryRow[], chosen: string): string[] {
  const options = [...countBy(summary, "language")]
    .filter(([value]) => value !== "")
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([value]) => value);
  if (chosen && !options.includes(chosen)) options.push(chosen);
  return options;
}

/**
 * Renders only the rows in view (plus a few), positioned inside a full-height spacer. `rows`
 * is the window of the feed that starts at position `offset` of `total`; `onRange` asks for the
 * window the visible rows need.
 */
function VirtualList(
  props: {
    rows: StoredComment[];
    offset: number;
    total: number;
    onRange: (window: FeedWindow) => void;
    onOpen: (comment: StoredComment) => void;
    resetKey: string;
  },
) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    setViewport(element.clientHeight || 600);
    const observer = new ResizeObserver(() => setViewport(element.clientHeight || 600));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  }, [props.resetKey]);
  const { rows, offset, total } = props;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);
  const windowOffset = Math.floor(first / WINDOW_STEP) * WINDOW_STEP;
  const windowLimit = Math.max(
    MIN_WINDOW,
    Math.ceil((last - windowOffset) / WINDOW_STEP) * WINDOW_STEP,
  );
  const { onRange } = props;
  useEffect(
    () => onRange({ offset: windowOffset, limit: windowLimit }),
    [windowOffset, windowLimit, onRange],
  );
  // Until the window has moved, show what of the visible range it holds, where it belongs.
  const start = Math.max(first, offset);
  const end = Math.min(last, offset + rows.length);
  const visible = rows.slice(start - offset, Math.max(start, end) - offset);
  return (
    <div
      ref={scroller}
      class="feed-scroll"
      tabIndex={0}
      role="list"
      aria-label="Live feed of comments, newest first; scroll with the arrow keys"
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div class="feed-spacer" style={{ height: `${total * ROW_HEIGHT}px` }}>
        {visible.map((comment, index) => (
          <FeedRow
            // Keyed by position: when a batch arrives every row in view shows another comment,
            // and updating the text of the row elements in place is cheaper than replacing them.
            key={start + index}
            comment={comment}
            position={start + index}
            size={total}
            onOpen={props.onOpen}
          />
        ))}
      </div>
      {total === 0 && <p class="feed-empty muted">No comments to show.</p>}
    </div>
  );
}

function FeedRow(
  props: {
    comment: StoredComment;
    position: number;
    size: number;
    onOpen: (comment: StoredComment) => void;
  },
) {
  const { comment } = props;
  return (
    <article
      class="feed-row"
      role="listitem"
      aria-setsize={props.size}
      aria-posinset={props.position + 1}
      data-comment-id={comment.commentId}
      data-seq={comment.seq}
      style={{ transform: `translateY(${props.position * ROW_HEIGHT}px)` }}
    >
      <button type="button" class="feed-open" onClick={() => props.onOpen(comment)}>
        <span class="feed-meta">
          <span class={`badge ${TAG_META[comment.tag].className}`}>
            {TAG_META[comment.tag].label}
          </span>
          <bdi class="source">{formatSource(comment.source)}</bdi>
          <time dateTime={comment.createdAt}>{formatTime(Date.parse(comment.createdAt))}</time>
          {comment.language !== undefined && <span class="language">{comment.language}</span>}
        </span>
        {
          /* Text is always a text node (comments are untrusted and never parsed as HTML), in a
            <bdi> so that bidirectional controls in it cannot reorder anything around it. */
        }
        <span class="feed-text" title={comment.text}>
          <bdi dir="auto">{comment.text}</bdi>
        </span>
      </button>
    </article>
  );
}

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  type ProcessedComment,
  type Source,
  SOURCES,
  type Tag,
  TAGS,
} from "@sentiment/proto/messages";
import { getApp } from "../lib/app.ts";
import { feedQuery, totalsQuery } from "../lib/queries.ts";
import { useLiveQuery } from "../lib/use_live_query.ts";
import { formatCount, formatTime, SOURCE_LABEL, TAG_META } from "../components/format.ts";

/** Every row has the same height, so the visible slice is pure arithmetic. */
export const ROW_HEIGHT = 76;
const OVERSCAN = 6;

/** The live feed: filters, a text search and a virtualized list, newest first. */
export default function LiveFeed() {
  const app = getApp();
  const [tag, setTag] = useState<Tag | "">("");
  const [source, setSource] = useState<Source | "">("");
  const [searchInput, setSearchInput] = useState("");
  const [search, setSearch] = useState("");
  useEffect(() => {
    // Typing should not rebuild the query on every key.
    const timer = setTimeout(() => setSearch(searchInput), 150);
    return () => clearTimeout(timer);
  }, [searchInput]);
  const feed = useLiveQuery(
    () => app && feedQuery(app.collection, { tag, source, search }),
    [app, tag, source, search],
  );
  const totals = useLiveQuery(() => app && totalsQuery(app.collection), [app]);
  const stored = totals.data[0]?.count ?? 0;
  const filtered = tag !== "" || source !== "" || search.trim() !== "";
  return (
    <div class="feed">
      <form class="feed-filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>
          <span>Tag</span>
          <select
            name="tag"
            value={tag}
            onChange={(event) => setTag(event.currentTarget.value as Tag | "")}
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
            onChange={(event) => setSource(event.currentTarget.value as Source | "")}
          >
            <option value="">All sources</option>
            {SOURCES.map((value) => <option key={value} value={value}>{SOURCE_LABEL[value]}
            </option>)}
          </select>
        </label>
        <label class="feed-search">
          <span>Search</span>
          <input
            type="search"
            name="q"
            placeholder="Text contains…"
            value={searchInput}
            onInput={(event) => setSearchInput(event.currentTarget.value)}
          />
        </label>
      </form>
      <p class="feed-count" aria-live="polite" data-shown={feed.data.length}>
        {filtered
          ? `${formatCount(feed.data.length)} of ${formatCount(stored)} comments match`
          : `${formatCount(feed.data.length)} comments, newest first`}
      </p>
      <VirtualList rows={feed.data} resetKey={`${tag}|${source}|${search}`} />
    </div>
  );
}

/** Renders only the rows in view (plus a few), positioned inside a full-height spacer. */
function VirtualList(props: { rows: ProcessedComment[]; resetKey: string }) {
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
  const { rows } = props;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);
  const visible = rows.slice(first, last);
  return (
    <div
      ref={scroller}
      class="feed-scroll"
      tabIndex={0}
      role="list"
      aria-label="Live feed of comments, newest first; scroll with the arrow keys"
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div class="feed-spacer" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
        {visible.map((comment, index) => (
          <FeedRow
            key={comment.commentId}
            comment={comment}
            position={first + index}
            size={rows.length}
          />
        ))}
      </div>
      {rows.length === 0 && <p class="feed-empty muted">No comments to show.</p>}
    </div>
  );
}

function FeedRow(props: { comment: ProcessedComment; position: number; size: number }) {
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
      <div class="feed-meta">
        <span class={`badge ${TAG_META[comment.tag].className}`}>
          {TAG_META[comment.tag].label}
        </span>
        <span class="source">{SOURCE_LABEL[comment.source]}</span>
        <time dateTime={comment.createdAt}>{formatTime(Date.parse(comment.createdAt))}</time>
      </div>
      {/* Text is always a text node: comments are untrusted and never parsed as HTML. */}
      <p class="feed-text" title={comment.text}>{comment.text}</p>
    </article>
  );
}

/**
 * The feed's filters as state kept in the page's URL (see url_filters.ts): read on load,
 * written on change (a history entry per step), and read again on back/forward.
 *
 * @module
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import {
  type FilterChange,
  historyStep,
  NO_FILTER,
  readFilter,
  sameFilter,
  type UrlFilter,
  writeFilter,
} from "./url_filters.ts";

/** The filter, its setter, and a number that changes when back/forward restored one. */
export interface UrlFilterState {
  filter: UrlFilter;
  setFilter(next: UrlFilter, change: FilterChange): void;
  /** Bumped on each back/forward, so inputs that keep their own text can take the URL's. */
  restored: number;
}

/** What a history entry written here records. */
interface FilterHistoryState {
  filterChange: FilterChange;
}

/** The feed's filters, kept in `location.search` (none on the server). */
export function useUrlFilter(): UrlFilterState {
  const [filter, setState] = useState<UrlFilter>(() =>
    typeof location === "undefined" ? NO_FILTER : readFilter(location.search)
  );
  const [restored, setRestored] = useState(0);
  const current = useRef(filter);
  current.current = filter;
  useEffect(() => {
    const onPop = () => {
      const next = readFilter(location.search);
      if (!sameFilter(next, current.current)) setState(next);
      setRestored((n) => n + 1);
    };
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  const setFilter = useCallback((next: UrlFilter, change: FilterChange) => {
    if (sameFilter(next, current.current)) return;
    current.current = next;
    setState(next);
    const search = writeFilter(next, location.search);
    const url = `${location.pathname}${search}${location.hash}`;
    const previous = (history.state as Partial<FilterHistoryState> | null)?.filterChange ?? null;
    const state: FilterHistoryState = { filterChange: change };
    if (historyStep(change, previous) === "push") history.pushState(state, "", url);
    else history.replaceState(state, "", url);
  }, []);
  return { filter, setFilter, restored };
}

/**
 * `useLiveQuery` for Preact, written over the TanStack DB core API (no React adapter, so the
 * browser bundle holds one copy of @tanstack/db and no React).
 *
 * @module
 */
import { useEffect, useMemo, useReducer, useRef } from "preact/hooks";

/** The part of a live-query collection the hook needs. */
export interface LiveCollection<T> {
  readonly toArray: T[];
  isReady(): boolean;
  subscribeChanges(
    callback: (changes: unknown[]) => void,
    options: { includeInitialState: boolean },
  ): { unsubscribe(): void };
  onFirstReady(callback: () => void): () => void;
  cleanup(): Promise<void>;
}

/** The rows of a live query and whether its first result has arrived. */
export interface LiveQueryResult<T> {
  data: T[];
  isReady: boolean;
}

/**
 * Subscribes a component to a live query it owns. `create` builds the live-query collection;
 * it runs again only when `deps` change (the old query is then cleaned up). `create` returning
 * null (on the server, where there is no browser storage) yields an empty, not-ready result.
 * Re-renders are batched by Preact, so a transaction that touches many rows renders once.
 */
export function useLiveQuery<T>(
  create: () => LiveCollection<T> | null,
  deps: readonly unknown[],
): LiveQueryResult<T> {
  const collection = useMemo(create, deps);
  return useSubscription(collection, true);
}

/**
 * Subscribes a component to a live query shared with other components (created once per page):
 * the same as {@link useLiveQuery}, except that the query is not cleaned up on unmount.
 */
export function useSharedLiveQuery<T>(collection: LiveCollection<T> | null): LiveQueryResult<T> {
  return useSubscription(collection, false);
}

function useSubscription<T>(
  collection: LiveCollection<T> | null,
  owned: boolean,
): LiveQueryResult<T> {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  // The rows last rendered, read once per change (toArray builds a new array each time).
  const latest = useRef<{ collection: LiveCollection<T> | null; rows: T[] }>({
    collection: null,
    rows: [],
  });
  if (latest.current.collection !== collection) {
    latest.current = { collection, rows: collection?.toArray ?? [] };
  }
  useEffect(() => {
    if (!collection) return;
    const refresh = () => {
      const rows = collection.toArray;
      // When a write to storage confirms rows, each of them changes only its `$synced` flag;
      // the panels show none of those flags, so that is no reason to render again.
      if (latest.current.collection === collection && sameRows(latest.current.rows, rows)) {
        return;
      }
      latest.current = { collection, rows };
      bump(undefined);
    };
    const subscription = collection.subscribeChanges(refresh, { includeInitialState: true });
    const offReady = collection.onFirstReady(() => {
      refresh();
      bump(undefined);
    });
    return () => {
      subscription.unsubscribe();
      offReady();
      if (owned) void collection.cleanup();
    };
  }, [collection]);
  const data = latest.current.rows;
  const isReady = collection?.isReady() ?? false;
  // While a replaced query (new filter) computes its first result, keep showing the last one
  // rather than flashing an empty list.
  const shown = useRef<T[]>([]);
  if (isReady || data.length > 0) shown.current = data;
  return { data: shown.current, isReady };
}

/** Whether two results hold the same rows, ignoring TanStack DB's virtual `$` properties. */
export function sameRows<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const left = a[i] as Record<string, unknown>;
    const right = b[i] as Record<string, unknown>;
    if (left === right) continue;
    for (const key in left) {
      if (key.startsWith("$")) continue;
      if (!Object.is(left[key], right[key])) return false;
    }
    for (const key in right) {
      if (!key.startsWith("$") && !(key in left)) return false;
    }
  }
  return true;
}

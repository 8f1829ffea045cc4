/**
 * State that is not comment data: the connection, the backfill progress and diagnostics
 * counters. Kept in a tiny observable so that islands re-render when it changes.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";

/**
 * What the status pill shows. `refused`: the api answered 401/403 (the dashboard's API_TOKEN
 * does not match), which retrying will not fix, unlike being offline.
 */
export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline" | "refused";

/**
 * Why the stream is down, as far as the page can tell: the browser has no network (`network`),
 * the dashboard server cannot be reached (`server`; the page itself may come from the service
 * worker), the server answers but the api behind it does not (`api`), or none is known.
 */
export type OutageCause = "network" | "server" | "api" | "unknown";

/** Progress of the first-visit load of recent comments from /api/comments. */
export interface BackfillProgress {
  loaded: number;
  target: number;
  done: boolean;
  error?: string;
}

/** Everything the status bar and the diagnostics line show. */
export interface SyncStatus {
  connection: ConnectionState;
  /** Whether this tab holds the stream or follows the tab that does. */
  role: "leader" | "follower";
  /** Events received on the stream since this page (or the leading tab) loaded. */
  received: number;
  invalid: number;
  lastInvalidReason?: string;
  duplicates: number;
  /** Epoch ms of the last stream event (kept across reloads). */
  lastEventAt?: number;
  /** Epoch ms when the stream was last known to be live (kept across reloads). */
  liveAt?: number;
  /** Epoch ms since when the stream has been down (offline or refused). */
  downSince?: number;
  /** While down: why (see {@link OutageCause}) and the HTTP status that told, if any. */
  cause?: OutageCause;
  httpStatus?: number;
  /** Epoch ms of the next reconnection attempt, while one is scheduled. */
  reconnectAt?: number;
  backfill?: BackfillProgress;
  /** The bound in effect (lowered when the browser's storage filled up). */
  limit: number;
  /** The last problem worth showing (storage full, api error...). */
  problem?: string;
  /** Something that happened that the reader should know (the server's history was reset). */
  notice?: { text: string; at: number };
  /** A new version of the dashboard is installed and waits for a reload. */
  updateReady?: boolean;
}

/** A value with change notification. */
export class Observable<T> {
  #value: T;
  #listeners = new Set<(value: T) => void>();

  constructor(initial: T) {
    this.#value = initial;
  }

  get(): T {
    return this.#value;
  }

  set(value: T): void {
    this.#value = value;
    for (const listener of [...this.#listeners]) listener(value);
  }

  subscribe(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The sync status with partial updates. */
export class StatusStore extends Observable<SyncStatus> {
  update(patch: Partial<SyncStatus>): void {
    this.set({ ...this.get(), ...patch });
  }
}

/** Initial status before anything has happened. */
export function initialStatus(limit: number): SyncStatus {
  return {
    connection: "connecting",
    role: "leader",
    received: 0,
    invalid: 0,
    duplicates: 0,
    limit,
  };
}

/** Subscribes a component to an observable; `fallback` when there is none (on the server). */
export function useObservable<T>(observable: Observable<T> | null, fallback: T): T {
  const [value, setValue] = useState(() => observable?.get() ?? fallback);
  useEffect(() => {
    if (!observable) return;
    setValue(observable.get());
    return observable.subscribe(setValue);
  }, [observable]);
  return value;
}

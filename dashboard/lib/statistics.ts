/**
 * All-time totals from `/api/statistics`, polled, with the last good answer kept in
 * localStorage so that an offline page still shows it (with its date).
 *
 * @module
 */
import { type Statistics, StatisticsSchema } from "@sentiment/contracts/api";
import type { StorageApi } from "@tanstack/db";
import { Observable } from "./status.ts";

/** The server's totals, when they were fetched, and whether (and how) the last poll failed. */
export interface ServerTotals {
  stats: Statistics | null;
  fetchedAt: number | null;
  stale: boolean;
  /** The status of the last failed poll, or "unreachable" when nothing answered. */
  failure?: number | "unreachable" | "invalid";
}

const STORAGE_KEY = "sentiment-dashboard/statistics/v1";

/** Polls the statistics endpoint into an observable. */
export class StatisticsPoller extends Observable<ServerTotals> {
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly storage: StorageApi | null,
    private readonly url = "/api/statistics",
    private readonly intervalMs = 5_000,
  ) {
    super(StatisticsPoller.#restore(storage));
  }

  static #restore(storage: StorageApi | null): ServerTotals {
    try {
      const saved = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "null");
      const stats = StatisticsSchema.safeParse(saved?.stats);
      if (stats.success) {
        return { stats: stats.data, fetchedAt: saved.fetchedAt ?? null, stale: true };
      }
    } catch {
      // A corrupt saved copy is just not shown.
    }
    return { stats: null, fetchedAt: null, stale: true };
  }

  start(): void {
    void this.poll();
    this.#timer ??= setInterval(() => void this.poll(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async poll(): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.url, { headers: { accept: "application/json" } });
    } catch {
      this.#failed("unreachable");
      return;
    }
    try {
      if (!response.ok) {
        await response.body?.cancel();
        this.#failed(response.status);
        return;
      }
      const stats = StatisticsSchema.parse(await response.json());
      const value = { stats, fetchedAt: Date.now(), stale: false };
      this.set(value);
      try {
        this.storage?.setItem(STORAGE_KEY, JSON.stringify(value));
      } catch {
        // Storage full: the comments matter more than this copy.
      }
    } catch {
      this.#failed("invalid");
    }
  }

  #failed(failure: NonNullable<ServerTotals["failure"]>): void {
    const now = this.get();
    if (!now.stale || now.failure !== failure) this.set({ ...now, stale: true, failure });
  }
}

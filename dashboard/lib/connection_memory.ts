/**
 * When the stream was last live and when its last event came, kept in localStorage, so that a
 * page opened offline (from the service worker) can say "offline since 12:04:31" and "last
 * event 12:04:30" rather than only what happened since it loaded.
 *
 * @module
 */
import type { StatusStore, SyncStatus } from "./status.ts";

/** The part of the status that is remembered. */
export type ConnectionMemory = Pick<SyncStatus, "liveAt" | "lastEventAt">;

/** The part of localStorage this needs. */
export interface SmallStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Where the memory is kept. */
export const CONNECTION_MEMORY_KEY = "sentiment-dashboard/connection/v1";

/** The remembered times; empty when there are none or they cannot be read. */
export function readConnectionMemory(storage: SmallStorage | null): ConnectionMemory {
  try {
    const value = JSON.parse(storage?.getItem(CONNECTION_MEMORY_KEY) ?? "null");
    const memory: ConnectionMemory = {};
    if (isTime(value?.liveAt)) memory.liveAt = value.liveAt;
    if (isTime(value?.lastEventAt)) memory.lastEventAt = value.lastEventAt;
    return memory;
  } catch {
    return {};
  }
}

/**
 * Writes the remembered times whenever they change, at most once per `everyMs` (the stream
 * changes them with every batch), the last change always written. The function returned
 * writes a pending change at once (the page is going away).
 */
export function rememberConnection(
  status: StatusStore,
  storage: SmallStorage,
  everyMs = 1_000,
): () => void {
  let written = readConnectionMemory(storage);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastWrite = 0;
  const write = () => {
    timer = undefined;
    const { liveAt, lastEventAt } = status.get();
    if (liveAt === written.liveAt && lastEventAt === written.lastEventAt) return;
    written = { liveAt, lastEventAt };
    lastWrite = Date.now();
    try {
      storage.setItem(CONNECTION_MEMORY_KEY, JSON.stringify(written));
    } catch {
      // Storage full: the comments matter more than these two numbers.
    }
  };
  status.subscribe((value) => {
    if (value.liveAt === written.liveAt && value.lastEventAt === written.lastEventAt) return;
    if (timer !== undefined) return;
    timer = setTimeout(write, Math.max(0, lastWrite + everyMs - Date.now()));
  });
  return () => {
    clearTimeout(timer);
    write();
  };
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

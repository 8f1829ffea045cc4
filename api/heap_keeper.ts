/**
 * Keeps the api's V8 heap near what is live, so resident memory comes back after a burst of
 * stream clients.
 *
 * Why: every stream connection lives long enough for its objects (socket, request, response,
 * stream, closures) to reach V8's old generation; when a thousand clients leave, that garbage
 * stays until V8's next full collection, which under Deno comes only once the heap has grown to
 * a multiple of what survived the last one, and the pages it grew into stay resident. Measured
 * with api/sse_memory_bench.ts (3 × 1 000 clients connecting and leaving): resident memory
 * rose 161 → 189 → 214 MiB with the heap 42 → 71 → 95 MiB used after each round, of which a
 * forced collection leaves 16 MiB; collecting when the heap has doubled kept it flat at 93 MiB.
 *
 * So it plays the part of V8's memory reducer: once a second it looks at the heap in use, and
 * above `floorBytes` runs one full collection (a pause of a few milliseconds at the api's live
 * size) when either the heap has grown to `factor` times what the last collection left, or at
 * least `releasedThreshold` connections have been released since (see {@link release}) and the
 * process has gone quiet (the heap grew by less than `quietGrowthBytes` since the last look: the
 * burst is over). The heap's size alone cannot tell: garbage counts as used until collected.
 * Without access to the collector (node:v8 refuses the flag) it does nothing, and says so once.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";

export interface HeapKeeperOptions {
  intervalMs?: number;
  floorBytes?: number;
  factor?: number;
  releasedThreshold?: number;
  quietGrowthBytes?: number;
  /** Heap in use now (tests). */
  heapUsed?: () => number;
  /** The collector (tests); by default V8's, exposed through node:v8. */
  collect?: () => void;
}

export interface HeapKeeperStats {
  /** Full collections run by the keeper. */
  collections: number;
  /** Their total pause. */
  pauseMs: number;
  /** Heap in use after the last one. */
  liveBytes: number;
}

export interface HeapKeeper {
  /** Runs the check now (the timer calls it); true when it collected. */
  check(): boolean;
  /** Notes that `count` connections ended: their objects are garbage now. */
  release(count?: number): void;
  stats(): HeapKeeperStats;
  stop(): void;
}

/** Starts the periodic check; `stop()` ends it. */
export async function startHeapKeeper(
  log: Logger,
  options: HeapKeeperOptions = {},
): Promise<HeapKeeper> {
  const {
    intervalMs = 1_000,
    floorBytes = 32 * 1024 * 1024,
    factor = 2,
    releasedThreshold = 100,
    quietGrowthBytes = 2 * 1024 * 1024,
    heapUsed = () => Deno.memoryUsage().heapUsed,
  } = options;
  const collect = options.collect ?? await exposedCollector(log);
  const stats: HeapKeeperStats = { collections: 0, pauseMs: 0, liveBytes: heapUsed() };
  let previous = stats.liveBytes;
  let released = 0;
  const check = () => {
    if (!collect) return false;
    const used = heapUsed();
    const quiet = used - previous < quietGrowthBytes;
    previous = used;
    if (used < floorBytes) return false;
    if (used < factor * stats.liveBytes && !(quiet && released >= releasedThreshold)) {
      return false;
    }
    released = 0;
    const started = performance.now();
    collect();
    const pause = performance.now() - started;
    stats.collections++;
    stats.pauseMs += pause;
    stats.liveBytes = heapUsed();
    previous = stats.liveBytes;
    if (log.debugEnabled) {
      log.debug("heap collected", {
        beforeBytes: used,
        afterBytes: stats.liveBytes,
        pauseMs: Math.round(pause),
      });
    }
    return true;
  };
  const timer = setInterval(check, intervalMs);
  return {
    check,
    release: (count = 1) => {
      released += count;
    },
    stats: () => ({ ...stats }),
    stop: () => clearInterval(timer),
  };
}

async function exposedCollector(log: Logger): Promise<(() => void) | undefined> {
  try {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    if (typeof gc === "function") return gc as () => void;
  } catch { /* reported below */ }
  log.warn("cannot reach the garbage collector; memory is left to V8's own schedule");
  return undefined;
}

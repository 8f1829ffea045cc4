/**
 * Keeps a pipeline step trying while the infrastructure it needs (PostgreSQL, Redis, Kafka,
 * sentiment) is down, with capped exponential back-off, and tells the flow which are down so it
 * can stop fetching until they return.
 *
 * @module
 */
import type { Logger } from "@sentiment/proto/log";

/** Thrown out of a step that was abandoned (shutdown) while it waited for its infrastructure. */
export class AbandonedError extends Error {
  constructor() {
    super("abandoned");
    this.name = "AbandonedError";
  }
}

/** The infrastructure a pipeline step depends on. */
export type Dependency = "postgresql" | "redis" | "kafka" | "sentiment";

/** Tracks which dependencies are down and retries steps until theirs is back. */
export class InfraGuard {
  #down = new Map<Dependency, { since: number; error: string; failures: number }>();
  #probes = new Map<Dependency, () => Promise<boolean>>();
  #probing = new Set<Dependency>();
  #closed = false;

  /** Called after the set of down dependencies changed. */
  onChange: () => void = () => {};

  constructor(
    readonly logger: Logger,
    readonly maxDelayMs: number,
    readonly firstDelayMs = 100,
  ) {}

  /** Dependencies currently down, with the last error and since when. */
  downList(): { dependency: Dependency; since: string; error: string }[] {
    return [...this.#down].map(([dependency, { since, error }]) => ({
      dependency,
      since: new Date(since).toISOString(),
      error,
    }));
  }

  get anyDown(): boolean {
    return this.#down.size > 0;
  }

  isDown(dependency: Dependency): boolean {
    return this.#down.has(dependency);
  }

  /**
   * A check that tells whether a dependency is back when nothing else would try it (nothing
   * flows while fetching is paused), run with back-off while the dependency is down.
   */
  setProbe(dependency: Dependency, probe: () => Promise<boolean>): void {
    this.#probes.set(dependency, probe);
  }

  /** Runs `step` until it succeeds, waiting with back-off while `dependency` fails. */
  async run<T>(dependency: Dependency, step: () => Promise<T>, signal: AbortSignal): Promise<T> {
    let delay = this.firstDelayMs;
    for (;;) {
      if (signal.aborted) throw new AbandonedError();
      try {
        const value = await step();
        this.reportUp(dependency);
        return value;
      } catch (error) {
        if (signal.aborted) throw new AbandonedError();
        this.reportDown(dependency, error);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.maxDelayMs);
      }
    }
  }

  reportDown(dependency: Dependency, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const known = this.#down.get(dependency);
    if (known) {
      known.error = message;
      known.failures++;
      if (known.failures % 20 === 0) {
        this.logger.warn(`${dependency} is still unavailable`, {
          dependency,
          error: message,
          failedTries: known.failures,
          downForMs: Date.now() - known.since,
        });
      }
      return;
    }
    this.#down.set(dependency, { since: Date.now(), error: message, failures: 1 });
    this.logger.warn(`${dependency} is unavailable; pausing intake until it returns`, {
      dependency,
      error: message,
    });
    this.onChange();
    this.#startProbe(dependency);
  }

  reportUp(dependency: Dependency): void {
    const known = this.#down.get(dependency);
    if (!known) return;
    this.#down.delete(dependency);
    this.logger.info(`${dependency} is back; resuming`, {
      dependency,
      downForMs: Date.now() - known.since,
      failedTries: known.failures,
    });
    this.onChange();
  }

  /** Stops probing (shutdown). */
  close(): void {
    this.#closed = true;
  }

  #startProbe(dependency: Dependency): void {
    const probe = this.#probes.get(dependency);
    if (!probe || this.#probing.has(dependency)) return;
    this.#probing.add(dependency);
    (async () => {
      let delay = this.firstDelayMs;
      while (!this.#closed && this.#down.has(dependency)) {
        await sleep(delay);
        delay = Math.min(delay * 2, this.maxDelayMs);
        if (this.#closed || !this.#down.has(dependency)) break;
        let ok = false;
        try {
          ok = await probe();
        } catch {
          ok = false;
        }
        if (ok) this.reportUp(dependency);
      }
      this.#probing.delete(dependency);
    })();
  }
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Keeps a pipeline step trying while the infrastructure it needs (PostgreSQL, Redis, Kafka,
 * sentiment) is down, with capped exponential back-off, and tells the flow which are down so it
 * can stop fetching until they return.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";

/** Thrown out of a step that was abandoned (shutdown) while it waited for its infrastructure. */
export class AbandonedError extends Error {
  constructor() {
    super("abandoned");
    this.name = "AbandonedError";
  }
}

/** The infrastructure a pipeline step depends on. */
export type Dependency = "postgresql" | "redis" | "kafka" | "sentiment";

/**
 * What a PostgreSQL failure means for the step that met it:
 * - `conflict`: a deadlock (40P01) or serialization failure (40001); running the step again at
 *   once normally succeeds, and PostgreSQL is fine.
 * - `outage`: the connection or the server is unavailable (class 08, 57P01–57P03, 53xxx, 58xxx,
 *   a statement timeout 57014, any FATAL or PANIC error as they end the session, socket errors such as ECONNREFUSED, postgres.js `CONNECTION_*` and
 *   `CONNECT_TIMEOUT`, and anything else that is not a SQL error); intake pauses until it returns.
 * - `statement`: PostgreSQL (or postgres.js, before sending) rejected the statement itself, e.g.
 *   42xxx, 22xxx, 23xxx: a bug or bad data, not an outage.
 */
export type PostgresFailure = "conflict" | "outage" | "statement";

/** postgres.js errors raised before a query is sent, for a fault of the calling code. */
const CLIENT_STATEMENT_CODES = new Set([
  "UNDEFINED_VALUE",
  "MAX_PARAMETERS_EXCEEDED",
  "NOT_TAGGED_CALL",
  "COPY_IN_PROGRESS",
  "UNSAFE_TRANSACTION",
]);

/** The SQLSTATE of an error PostgreSQL answered (postgres.js `PostgresError`), else undefined. */
export function sqlStateOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== "PostgresError") return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Classifies an error thrown by a PostgreSQL step (see {@link PostgresFailure}). */
export function classifyPostgresError(error: unknown): PostgresFailure {
  const state = sqlStateOf(error);
  if (state === undefined) {
    const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
    return typeof code === "string" && CLIENT_STATEMENT_CODES.has(code) ? "statement" : "outage";
  }
  // FATAL (or PANIC) ends the session: errors while connecting come so, whatever their class
  // (55000 "database is not currently accepting connections", 3D000, 28P01, …).
  const severity = (error as { severity?: unknown }).severity;
  if (severity === "FATAL" || severity === "PANIC") return "outage";
  if (state === "40P01" || state === "40001") return "conflict";
  if (
    state.startsWith("08") || state.startsWith("53") || state.startsWith("58") ||
    state === "57P01" || state === "57P02" || state === "57P03" || state === "57014"
  ) {
    return "outage";
  }
  return "statement";
}

/** Tracks which dependencies are down and retries steps until theirs is back. */
export class InfraGuard {
  #down = new Map<Dependency, { since: number; error: string; failures: number }>();
  #probes = new Map<Dependency, () => Promise<boolean>>();
  #probing = new Set<Dependency>();
  #closed = false;
  /** Steps now retrying a statement PostgreSQL rejects, and the latest such rejection. */
  #rejectedSteps = 0;
  #lastRejection = "";

  /** Called after the set of down dependencies changed. */
  onChange: () => void = () => {};

  constructor(
    readonly logger: Logger,
    readonly maxDelayMs: number,
    readonly firstDelayMs = 100,
    /** Immediate re-runs of a PostgreSQL step after a deadlock or serialization failure. */
    readonly conflictRetries = 3,
  ) {}

  /** Dependencies currently down, with the last error and since when. */
  downList(): { dependency: Dependency; since: string; error: string }[] {
    return [...this.#down].map(([dependency, { since, error }]) => ({
      dependency,
      since: new Date(since).toISOString(),
      error,
    }));
  }

  /**
   * Trouble that does not pause intake but keeps work from finishing: today, steps retrying a
   * statement PostgreSQL rejects (a bug or bad data).
   */
  troubles(): string[] {
    if (this.#rejectedSteps === 0) return [];
    return [
      `PostgreSQL rejects a statement (${this.#rejectedSteps} step(s) retrying): ` +
      this.#lastRejection,
    ];
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

  /**
   * Runs `step` until it succeeds, waiting with back-off while `dependency` fails. A PostgreSQL
   * step is first classified ({@link classifyPostgresError}): only an outage marks PostgreSQL down
   * (and pauses intake); a deadlock or serialization failure is re-run at once up to
   * `conflictRetries` times, then with back-off; a rejected statement is logged at error and
   * retried with back-off, so the work stays unfinished (never committed past, never lost) until
   * the bug or data is fixed.
   */
  async run<T>(dependency: Dependency, step: () => Promise<T>, signal: AbortSignal): Promise<T> {
    let delay = this.firstDelayMs;
    let conflicts = 0;
    let rejections = 0;
    try {
      for (;;) {
        if (signal.aborted) throw new AbandonedError();
        try {
          const value = await step();
          this.reportUp(dependency);
          return value;
        } catch (error) {
          if (signal.aborted) throw new AbandonedError();
          const failure = dependency === "postgresql" ? classifyPostgresError(error) : "outage";
          if (failure === "conflict") {
            conflicts++;
            const fields = {
              dependency,
              sqlstate: sqlStateOf(error),
              error: messageOf(error),
              conflicts,
            };
            if (conflicts <= this.conflictRetries) {
              this.logger.debug("PostgreSQL conflict; running the step again at once", fields);
              continue;
            }
            this.logger.warn("PostgreSQL conflict persists; retrying with back-off", fields);
          } else if (failure === "statement") {
            if (rejections++ === 0) this.#rejectedSteps++;
            this.#lastRejection = `${sqlStateOf(error) ?? "no SQLSTATE"}: ${messageOf(error)}`;
            this.logger.error(
              "PostgreSQL rejected a statement: a bug or bad data, NOT an outage; the work stays " +
                "unfinished and uncommitted and is retried with back-off until it is fixed",
              {
                dependency,
                sqlstate: sqlStateOf(error) ?? (error as { code?: unknown }).code,
                error: messageOf(error),
                failedTries: rejections,
                retryInMs: delay,
              },
            );
          } else {
            this.reportDown(dependency, error);
          }
          await sleep(delay, signal);
          delay = Math.min(delay * 2, this.maxDelayMs);
        }
      }
    } finally {
      if (rejections > 0) this.#rejectedSteps--;
    }
  }

  reportDown(dependency: Dependency, error: unknown): void {
    const message = messageOf(error);
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

/**
 * The one way a service process runs: read the configuration (a bad value: one line, exit 2),
 * start, and stop gracefully on the first SIGINT/SIGTERM (a second one exits at once). Every
 * service's `main.ts` is a call to {@link runService}, so signals, exit codes and the wording of
 * these lines are the same everywhere.
 *
 * @module
 */
import { type EnvSource, loadConfigOrExit } from "./config.ts";
import { routeNodeWarnings } from "./node_warnings.ts";
import { createLogger, type LogFields, type Logger, type LogLevel } from "./log.ts";

/** What a started service hands back. */
export interface RunningService {
  /** Stops gracefully: work in hand is finished or handed back, then everything is closed. */
  stop(): Promise<void>;
  /**
   * Settles when the service has ended by itself or after {@link stop}: resolves for a clean end,
   * rejects with the reason it could not go on (the process then exits 1). Absent: it runs until
   * stopped.
   */
  readonly finished?: Promise<void>;
}

/** Starts a service from its configuration; rejects when it cannot start at all. */
export type StartService<C, S extends RunningService = RunningService> = (
  config: C,
  log: Logger,
) => Promise<S>;

/** Reads a service's configuration from the environment and its command-line arguments. */
export type ReadConfig<C> = (env: EnvSource, args: string[]) => C;

/** Exit status of a process stopped by a second signal (as a shell reports SIGINT). */
export const EXIT_SECOND_SIGNAL = 130;
/** Exit status of a configuration that cannot be used (see {@link loadConfigOrExit}). */
export const EXIT_BAD_CONFIG = 2;

export interface RunServiceOptions<C> {
  /** Fields added to every line the service logs, e.g. its instance id. */
  logFields?: (config: C) => LogFields;
}

/**
 * Runs a service as this process until it ends or is signalled, then exits: 0 for a clean end,
 * 1 when it cannot start or stops on an error, 2 for bad configuration, 130 for a second signal.
 */
export async function runService<C extends { logLevel: LogLevel }>(
  name: string,
  readConfig: ReadConfig<C>,
  start: StartService<C>,
  options: RunServiceOptions<C> = {},
): Promise<never> {
  const config = loadConfigOrExit(name, () => readConfig(Deno.env, Deno.args));
  const base = createLogger(name, config.logLevel);
  const log = options.logFields ? base.child(options.logFields(config)) : base;
  routeNodeWarnings((warning) =>
    log.warn("Process warning", { warning: warning.name, error: warning.message })
  );
  const lifecycle = serviceLifecycle(log, start(config, log));
  // Registered before the start settles so that an early signal is still a clean stop.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => lifecycle.signal(signal));
  }
  Deno.exit(await lifecycle.exitCode);
}

/** What {@link runService} does around a started service, apart from the process itself. */
export interface ServiceLifecycle {
  /** A stop request: the first stops gracefully, a second exits at once. */
  signal(signal: string): void;
  /** The status the process should exit with, once the service has ended. */
  readonly exitCode: Promise<number>;
}

/**
 * The runner's decisions (when to stop, which status, which line) without `Deno.exit` or signal
 * listeners, so they can be tested in-process.
 */
export function serviceLifecycle(
  log: Logger,
  starting: Promise<RunningService>,
  exitNow: (code: number) => void = (code) => Deno.exit(code),
): ServiceLifecycle {
  let stopRequested = false;
  let resolveStop!: () => void;
  const stopRequest = new Promise<void>((resolve) => resolveStop = resolve);

  const exitCode = (async (): Promise<number> => {
    let service: RunningService;
    try {
      service = await starting;
    } catch (error) {
      log.error("Cannot start", { error });
      return 1;
    }
    const ended = service.finished?.then(() => "ended" as const) ?? new Promise<never>(() => {});
    let failure: unknown = undefined;
    try {
      await Promise.race([stopRequest, ended]);
    } catch (error) {
      failure = error;
    }
    if (failure !== undefined) log.error("Stopping on an error", { error: failure });
    try {
      await service.stop();
      await service.finished;
    } catch (error) {
      if (failure === undefined) log.error("Stopped on an error", { error });
      failure ??= error;
    }
    const code = failure === undefined ? 0 : 1;
    log.info("Stopped", { exitCode: code });
    return code;
  })();

  return {
    signal(signal) {
      if (stopRequested) {
        log.warn("Second signal: exiting now", { signal });
        exitNow(EXIT_SECOND_SIGNAL);
        return;
      }
      stopRequested = true;
      log.info("Shutting down", { signal });
      resolveStop();
    },
    exitCode,
  };
}

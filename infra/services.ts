/**
 * The project's own services as `deno task up` runs them: each with its own permission set,
 * its log in the shared log folder, and the health check that says it is up.
 *
 * A service counts as running only when its pid file names a living process of the same start
 * time and command line, and as healthy only when that very process holds the listening
 * socket of its health port (an orphan or a stranger answering the port does not count).
 *
 * @module
 */
import { join } from "node:path";
import { envPort, type EnvSource } from "@sentiment/kit/config";
import type { DataPaths } from "./paths.ts";
import { PROJECT_ROOT } from "./paths.ts";
import { listenerPids, listensOn, type ProcessInfo, readProcess } from "./proc.ts";
import {
  type Background,
  background,
  delay,
  lastLines,
  type ProcessIdentity,
  run,
  runningProcess,
  spawnBackground,
  stopBackground,
  stopProcess,
} from "./processes.ts";
import {
  serviceCommand,
  STACK_VARIABLE,
  stackId,
  stackServiceProcesses,
} from "./service_identity.ts";

export type HealthCheck =
  | { kind: "http"; url: string }
  | { kind: "tcp"; hostname: string; port: number };

/** Where a service's Prometheus text is, and the counter `status` turns into a rate. */
export interface MetricsEndpoint {
  url: string;
  /** A counter (summed over its series) whose per-second change is the service's rate. */
  rateCounter: string;
  /** What one unit of the rate is, e.g. "published/s". */
  unit: string;
}

export interface AppService {
  /** Also the workspace member folder and its permission set name. */
  name: string;
  /** Liveness: the process answers. */
  health: HealthCheck;
  /** Readiness (`/readyz`), for the services that have it. */
  readiness?: string;
  metrics: MetricsEndpoint;
  /** A step to run (with the same permission set name suffixed "-build") before starting. */
  build?: string;
}

/** In start order: each one's dependencies come before it. */
export function appServices(env: EnvSource = Deno.env): AppService[] {
  const local = "127.0.0.1";
  const at = (variable: string, fallback: number) =>
    `http://${local}:${envPort(env, variable, fallback)}`;
  const sentiment = envPort(env, "SENTIMENT_PORT", 50051);
  return [
    {
      name: "sentiment",
      health: { kind: "tcp", hostname: local, port: sentiment },
      metrics: {
        url: `${at("SENTIMENT_METRICS_PORT", 3004)}/metrics`,
        rateCounter: "sentiment_items_total",
        unit: "texts/s",
      },
    },
    {
      name: "consumer",
      health: { kind: "http", url: `${at("CONSUMER_HEALTH_PORT", 3002)}/healthz` },
      readiness: `${at("CONSUMER_HEALTH_PORT", 3002)}/readyz`,
      metrics: {
        url: `${at("CONSUMER_HEALTH_PORT", 3002)}/metrics`,
        rateCounter: "consumer_messages_received_total",
        unit: "received/s",
      },
    },
    {
      name: "api",
      health: { kind: "http", url: `${at("API_PORT", 3001)}/healthz` },
      readiness: `${at("API_PORT", 3001)}/readyz`,
      metrics: {
        url: `${at("API_PORT", 3001)}/metrics`,
        rateCounter: "api_sse_events_sent_total",
        unit: "events sent/s",
      },
    },
    {
      name: "dashboard",
      health: { kind: "http", url: `${at("DASHBOARD_PORT", 3000)}/healthz` },
      metrics: {
        url: `${at("DASHBOARD_PORT", 3000)}/metrics`,
        rateCounter: "dashboard_http_requests_total",
        unit: "requests/s",
      },
      build: "build.ts",
    },
    {
      name: "producer",
      health: { kind: "http", url: `${at("PRODUCER_HEALTH_PORT", 3003)}/healthz` },
      metrics: {
        url: `${at("PRODUCER_HEALTH_PORT", 3003)}/metrics`,
        rateCounter: "producer_messages_published_total",
        unit: "published/s",
      },
    },
  ];
}

export function serviceProcess(service: AppService, paths: DataPaths): Background {
  return background(service.name, paths.run, paths.logs);
}

/** Whether the service exists in this checkout (its member has a main.ts). */
export async function serviceExists(service: AppService): Promise<boolean> {
  return await Deno.stat(join(PROJECT_ROOT, service.name, "main.ts")).then(() => true, () => false);
}

/** The port whose listening socket the service's process must hold. */
export function healthPort(check: HealthCheck): number {
  return check.kind === "tcp" ? check.port : Number(new URL(check.url).port);
}

export interface Health {
  healthy: boolean;
  /** Why not, when not. */
  problem?: string;
}

/**
 * Whether the process `pid` is the one that listens on the service's port and, for an HTTP
 * check, answers it with 2xx.
 */
export async function checkHealth(service: AppService, pid: number): Promise<Health> {
  const port = healthPort(service.health);
  if (!(await listensOn(pid, port))) {
    const holders = (await listenerPids(port)).filter((holder) => holder !== pid);
    return {
      healthy: false,
      problem: holders.length > 0
        ? `port ${port} is held by pid ${holders.join(", ")}, not by pid ${pid}`
        : `pid ${pid} does not listen on port ${port}`,
    };
  }
  if (service.health.kind === "tcp") return { healthy: true };
  try {
    const response = await fetch(service.health.url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok ? { healthy: true } : {
      healthy: false,
      problem: `${new URL(service.health.url).pathname} answered ${response.status}`,
    };
  } catch (error) {
    return {
      healthy: false,
      problem: `no answer at ${service.health.url}: ${(error as Error).message}`,
    };
  }
}

/** Builds the dashboard's browser bundle (also used by the tests). */
export async function buildService(service: AppService): Promise<void> {
  if (!service.build) return;
  const script = join(PROJECT_ROOT, service.name, service.build);
  if (!(await Deno.stat(script).then(() => true, () => false))) return;
  await run(Deno.execPath(), ["run", "-P=" + service.name + "-build", script], {
    cwd: PROJECT_ROOT,
    what: `building ${service.name}`,
  });
}

/** This stack's processes of the service that no pid file tracks. */
export async function findOrphans(
  service: AppService,
  paths: DataPaths,
  tracked?: ProcessIdentity,
): Promise<ProcessInfo[]> {
  return (await stackServiceProcesses(service.name, paths)).filter((info) =>
    info.pid !== tracked?.pid || info.startTime !== tracked?.startTime
  );
}

async function commandOf(pid: number): Promise<string> {
  return (await readProcess(pid))?.argv.join(" ") ?? "ended since";
}

/** Waits until the tracked process is healthy; throws when it ends or the time is up. */
async function waitHealthy(
  service: AppService,
  proc: Background,
  identity: ProcessIdentity,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Health = { healthy: false };
  while (Date.now() < deadline) {
    if ((await readProcess(identity.pid))?.startTime !== identity.startTime) {
      throw new Error(
        `${service.name} exited during start-up; see ${proc.logFile}:\n${await lastLines(
          proc.logFile,
        )}`,
      );
    }
    last = await checkHealth(service, identity.pid);
    if (last.healthy) return;
    await delay(200);
  }
  throw new Error(
    `${service.name} (pid ${identity.pid}) was not healthy within ${timeoutMs / 1000} s` +
      `${last.problem ? ` (${last.problem})` : ""}; see ${proc.logFile}`,
  );
}

/**
 * Starts a service unless it runs; returns true when this call started it.
 *
 * An orphan (this stack's process of the service that no pid file tracks, e.g. left by an
 * `up` killed between starting it and recording it) is stopped, and a tracked one is started
 * in its place, rather than adopted: its configuration (this run's environment) and its code
 * (the checkout may have changed since) cannot be vouched for, and a restart costs a few
 * seconds, while SIGTERM lets it finish its work (the consumer commits what it stored).
 */
export async function startService(
  service: AppService,
  paths: DataPaths,
  say: (line: string) => void = () => {},
  timeoutMs = 60_000,
  extraEnv: Record<string, string> = {},
): Promise<boolean> {
  const proc = serviceProcess(service, paths);
  const tracked = await runningProcess(proc);
  for (const orphan of await findOrphans(service, paths, tracked)) {
    say(`${service.name}: stopping orphan pid ${orphan.pid} (not tracked by a pid file)`);
    await stopProcess(orphan, 30_000);
  }
  if (tracked !== undefined) {
    await waitHealthy(service, proc, tracked, timeoutMs);
    return false;
  }
  const port = healthPort(service.health);
  const holders = await listenerPids(port);
  if (holders.length > 0) {
    throw new Error(
      `${service.name}: port ${port} is taken by pid ${holders[0]} (${await commandOf(
        holders[0],
      )}); stop it or give ${service.name} another port`,
    );
  }
  await buildService(service);
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    ...extraEnv,
    [STACK_VARIABLE]: stackId(paths),
  };
  const command = serviceCommand(service.name, { get: (name) => env[name] });
  const pid = await spawnBackground(proc, command, {
    cwd: PROJECT_ROOT,
    env,
  });
  const record = await runningProcess(proc);
  // A service that never became healthy is stopped too, so a failed `up` leaves nothing behind.
  try {
    if (record?.pid !== pid) {
      throw new Error(`${service.name} (pid ${pid}) ended at once; see ${proc.logFile}`);
    }
    await waitHealthy(service, proc, record, timeoutMs);
  } catch (error) {
    await stopBackground(proc, 5_000);
    throw error;
  }
  return true;
}

/** Stops the tracked process and this stack's orphans of the service; says what it stopped. */
export async function stopService(
  service: AppService,
  paths: DataPaths,
  say: (line: string) => void = () => {},
): Promise<boolean> {
  const proc = serviceProcess(service, paths);
  const tracked = await runningProcess(proc);
  if (await stopBackground(proc, 30_000)) say(`${service.name}: stopped (pid ${tracked?.pid})`);
  const orphans = await findOrphans(service, paths);
  for (const orphan of orphans) {
    await stopProcess(orphan, 30_000);
    say(`${service.name}: stopped orphan pid ${orphan.pid}`);
  }
  return tracked !== undefined || orphans.length > 0;
}

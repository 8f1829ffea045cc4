/**
 * The project's own services as `deno task up` runs them: each with its own permission set,
 * its log in the shared log folder, and the health check that says it is ready.
 *
 * @module
 */
import { join } from "node:path";
import { envPort, type EnvSource } from "@sentiment/proto/config";
import type { DataPaths } from "./paths.ts";
import { PROJECT_ROOT } from "./paths.ts";
import {
  type Background,
  background,
  isListening,
  lastLines,
  run,
  runningPid,
  spawnBackground,
  stopBackground,
  waitUntil,
} from "./processes.ts";

export type HealthCheck =
  | { kind: "http"; url: string }
  | { kind: "tcp"; hostname: string; port: number }
  | { kind: "process" };

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
  health: HealthCheck;
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
      metrics: {
        url: `${at("CONSUMER_HEALTH_PORT", 3002)}/metrics`,
        rateCounter: "consumer_messages_received_total",
        unit: "received/s",
      },
    },
    {
      name: "api",
      health: { kind: "http", url: `${at("API_PORT", 3001)}/healthz` },
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

export async function isHealthy(check: HealthCheck, pid: number | undefined): Promise<boolean> {
  switch (check.kind) {
    case "tcp":
      return await isListening(check.hostname, check.port);
    case "http":
      try {
        const response = await fetch(check.url, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        return response.ok;
      } catch {
        return false;
      }
    case "process":
      return pid !== undefined;
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

/** Starts a service unless it runs; returns true when this call started it. */
export async function startService(
  service: AppService,
  paths: DataPaths,
  timeoutMs = 60_000,
): Promise<boolean> {
  const proc = serviceProcess(service, paths);
  if ((await runningPid(proc)) !== undefined) return false;
  await buildService(service);
  await spawnBackground(proc, [
    Deno.execPath(),
    "run",
    `-P=${service.name}`,
    join(PROJECT_ROOT, service.name, "main.ts"),
  ], { cwd: PROJECT_ROOT });
  const ready = waitUntil(
    async () => {
      const pid = await runningPid(proc);
      if (pid === undefined) {
        throw new Error(
          `${service.name} exited during start-up; see ${proc.logFile}:\n${await lastLines(
            proc.logFile,
          )}`,
        );
      }
      return await isHealthy(service.health, pid);
    },
    timeoutMs,
    () => `${service.name} was not healthy within ${timeoutMs / 1000} s; see ${proc.logFile}`,
  );
  // A service that never became healthy is stopped too, so a failed `up` leaves nothing behind.
  await ready.catch(async (error) => {
    await stopBackground(proc, 5_000);
    throw error;
  });
  return true;
}

export async function stopService(service: AppService, paths: DataPaths): Promise<boolean> {
  return await stopBackground(serviceProcess(service, paths), 30_000);
}

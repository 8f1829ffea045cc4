/**
 * `deno task status`: for Kafka, PostgreSQL and Redis whether they answer; for each service
 * whether its tracked process runs and is the one answering its port, whether it is ready
 * (from `/readyz` where it has one), any orphan (this stack's process of the service that no
 * pid file tracks), and its rate; then the consumer-group lag. Exits 1 when anything is not
 * up, healthy and ready, or an orphan runs.
 *
 * @module
 */
import type { DataPaths } from "./paths.ts";
import { consumerGroupLag } from "./kafka.ts";
import { HttpStatusError, sampleSum, scrapeMetrics } from "./prometheus.ts";
import { type Readiness, readReadiness } from "./readiness.ts";
import {
  type AppService,
  appServices,
  checkHealth,
  findOrphans,
  type Health,
  serviceExists,
  serviceProcess,
} from "./services.ts";
import { runningProcess } from "./processes.ts";
import type { InfraSettings } from "./settings.ts";
import { infrastructureStatus } from "./stack.ts";

/** What `status` found about one service. */
export interface ServiceReport {
  name: string;
  /** The tracked process, when its pid file names a living one. */
  pid?: number;
  /** This stack's processes of the service that no pid file tracks. */
  orphans: number[];
  health?: Health;
  readiness?: Readiness;
  /** e.g. "12 received/s" or "rate n/a (…)". */
  rate?: string;
}

/** The state word and the detail `status` prints for a service, and whether it is all right. */
export function describeService(report: ServiceReport): {
  state: string;
  detail: string;
  ok: boolean;
} {
  const orphans = report.orphans.map((pid) => `orphan pid ${pid}`);
  let state: string;
  if (report.pid === undefined) state = orphans.length > 0 ? "ORPHAN" : "stopped";
  else if (!report.health?.healthy) state = "UNHEALTHY";
  else if (report.readiness && !report.readiness.ready) state = "NOT READY";
  else state = "healthy";
  const detail = [
    report.pid !== undefined ? `pid ${report.pid}` : "",
    ...orphans,
    orphans.length > 0 ? "(untracked: `up` replaces, `down` stops it)" : "",
    report.health?.problem ?? "",
    report.readiness?.text ?? "",
    report.rate ?? "",
  ].filter(Boolean).join("  ");
  return { state, detail, ok: state === "healthy" && orphans.length === 0 };
}

/** Finds out about one service (without its rate). */
export async function serviceReport(service: AppService, paths: DataPaths): Promise<ServiceReport> {
  const tracked = await runningProcess(serviceProcess(service, paths));
  const orphans = (await findOrphans(service, paths, tracked)).map((info) => info.pid);
  const report: ServiceReport = { name: service.name, pid: tracked?.pid, orphans };
  if (tracked === undefined) return report;
  report.health = await checkHealth(service, tracked.pid);
  if (report.health.healthy && service.readiness) {
    report.readiness = await readReadiness(service.readiness);
  }
  return report;
}

/** Runs `status`, printing with `print`; returns the exit code. */
export async function status(
  settings: InfraSettings,
  paths: DataPaths,
  print: (line: string) => void = console.log,
): Promise<number> {
  let allOk = true;
  const line = (name: string, state: string, detail: string) =>
    print(`${name.padEnd(11)} ${state.padEnd(10)} ${detail}`.trimEnd());
  for (const component of await infrastructureStatus(settings, paths)) {
    allOk &&= component.healthy;
    line(component.name, component.healthy ? "healthy" : "DOWN", component.detail);
  }
  const services: AppService[] = [];
  for (const service of appServices()) if (await serviceExists(service)) services.push(service);
  const reports = await Promise.all(services.map((service) => serviceReport(service, paths)));
  const healthy = services.filter((_, i) => reports[i].health?.healthy);
  const rates = await serviceRates(healthy);
  for (const report of reports) {
    report.rate = rates.get(report.name);
    const { state, detail, ok } = describeService(report);
    allOk &&= ok;
    line(report.name, state, detail);
  }
  try {
    const lags = await consumerGroupLag(settings.kafkaBrokers);
    const topics = new Set(Object.values(settings.topics));
    for (const { group, topic, lag } of lags.filter((row) => topics.has(row.topic))) {
      line("lag", String(lag), `${group} on ${topic}`);
    }
  } catch {
    // Kafka is down: already reported above.
  }
  return allOk ? 0 : 1;
}

/** Why a service's rate cannot be shown, from the error its `/metrics` scrape gave. */
export function metricsFailure(service: string, error: unknown): string {
  if (error instanceof HttpStatusError) {
    if (error.status === 401 || error.status === 403) {
      return `unauthorized: set API_TOKEN to scrape the ${service}`;
    }
    if (error.status === 404) return "no /metrics";
    return `/metrics answered ${error.status}`;
  }
  return `/metrics: ${(error as Error).message}`;
}

const RATE_WINDOW_MS = 1_000;

/**
 * Each service's rate: its rate counter scraped twice, RATE_WINDOW_MS apart (all services at
 * once). The api's endpoint needs API_TOKEN when the api was started with one; status sends it
 * when it is in the environment.
 */
async function serviceRates(services: AppService[]): Promise<Map<string, string>> {
  const token = Deno.env.get("API_TOKEN");
  const init = (service: AppService): RequestInit =>
    service.name === "api" && token ? { headers: { authorization: `Bearer ${token}` } } : {};
  const read = (service: AppService) =>
    scrapeMetrics(service.metrics.url, init(service)).then(
      (families) => ({
        value: sampleSum(families, service.metrics.rateCounter),
        at: performance.now(),
      }),
      (error: unknown) => ({ failure: metricsFailure(service.name, error) }),
    );
  const first = await Promise.all(services.map(read));
  await new Promise((resolve) => setTimeout(resolve, RATE_WINDOW_MS));
  const second = await Promise.all(services.map(read));
  const rates = new Map<string, string>();
  services.forEach((service, i) => {
    const [a, b] = [first[i], second[i]];
    if ("failure" in a || "failure" in b) {
      const failure = "failure" in b ? b.failure : "failure" in a ? a.failure : "";
      rates.set(service.name, `rate n/a (${failure})`);
      return;
    }
    const perSecond = Math.max(0, b.value - a.value) / ((b.at - a.at) / 1_000);
    rates.set(service.name, `${perSecond.toFixed(perSecond < 10 ? 1 : 0)} ${service.metrics.unit}`);
  });
  return rates;
}

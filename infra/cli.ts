/**
 * `deno task up | down | status | logs [service] | test | infra start | infra stop`.
 *
 * @module
 */
import { ConfigError } from "@sentiment/proto/config";
import { dataPaths } from "./paths.ts";
import { readInfraSettings } from "./settings.ts";
import { down, infrastructureStatus, startInfrastructure, stopAll, up } from "./stack.ts";
import {
  type AppService,
  appServices,
  isHealthy,
  serviceExists,
  serviceProcess,
} from "./services.ts";
import { sampleSum, scrapeMetrics } from "./prometheus.ts";
import { runningPid } from "./processes.ts";
import { consumerGroupLag } from "./kafka.ts";
import { followLogs } from "./logs.ts";
import { runTests } from "./test_runner.ts";

const say = (line: string) => console.log(`[infra] ${line}`);

async function main(args: string[]): Promise<number> {
  const [command = "help", ...rest] = args;
  const paths = dataPaths();
  switch (command) {
    case "up": {
      await up(readInfraSettings(), paths, say);
      const env = Deno.env;
      say(`dashboard: http://localhost:${env.get("DASHBOARD_PORT") ?? 3000}`);
      say(`api:       http://localhost:${env.get("API_PORT") ?? 3001}`);
      say(`logs:      ${paths.logs} (deno task logs [service])`);
      return 0;
    }
    case "start": {
      await startInfrastructure(readInfraSettings(), paths, say);
      return 0;
    }
    case "down":
    case "stop":
      await down(paths, say);
      return 0;
    case "status":
      return await status(paths);
    case "logs":
      await followLogs(paths.logs, rest[0]);
      return 0;
    case "test": {
      const settings = readInfraSettings();
      const started = await startInfrastructure(settings, paths, say);
      try {
        return await runTests(rest, say);
      } finally {
        await stopAll(started, say);
      }
    }
    default:
      console.log("usage: deno task up | down | status | logs [service] | test [deno test args]");
      return command === "help" ? 0 : 2;
  }
}

async function status(paths: ReturnType<typeof dataPaths>): Promise<number> {
  const settings = readInfraSettings();
  let allHealthy = true;
  const line = (name: string, state: string, detail: string) =>
    console.log(`${name.padEnd(11)} ${state.padEnd(10)} ${detail}`);
  for (const component of await infrastructureStatus(settings, paths)) {
    allHealthy &&= component.healthy;
    line(component.name, component.healthy ? "healthy" : "DOWN", component.detail);
  }
  const rows: { service: AppService; pid?: number; healthy: boolean }[] = [];
  for (const service of appServices()) {
    if (!(await serviceExists(service))) continue;
    const pid = await runningPid(serviceProcess(service, paths));
    const healthy = pid !== undefined && (await isHealthy(service.health, pid));
    rows.push({ service, pid, healthy });
  }
  const rates = await serviceRates(rows.filter((row) => row.healthy).map((row) => row.service));
  for (const { service, pid, healthy } of rows) {
    line(
      service.name,
      pid === undefined ? "stopped" : healthy ? "healthy" : "UNHEALTHY",
      [pid ? `pid ${pid}` : "", rates.get(service.name) ?? ""].filter(Boolean).join("  "),
    );
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
  return allHealthy ? 0 : 1;
}

const RATE_WINDOW_MS = 1_000;

/**
 * Each service's rate: its rate counter scraped twice, RATE_WINDOW_MS apart (all services at
 * once). A service whose `/metrics` does not answer gets "rate n/a". The api's endpoint needs
 * API_TOKEN when the api was started with one; status sends it when it is in the environment.
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
      () => undefined,
    );
  const first = await Promise.all(services.map(read));
  await new Promise((resolve) => setTimeout(resolve, RATE_WINDOW_MS));
  const second = await Promise.all(services.map(read));
  const rates = new Map<string, string>();
  services.forEach((service, i) => {
    const [a, b] = [first[i], second[i]];
    if (!a || !b) {
      rates.set(service.name, "rate n/a (no /metrics)");
      return;
    }
    const perSecond = Math.max(0, b.value - a.value) / ((b.at - a.at) / 1_000);
    rates.set(service.name, `${perSecond.toFixed(perSecond < 10 ? 1 : 0)} ${service.metrics.unit}`);
  });
  return rates;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`error: invalid configuration: ${error.message}`);
      Deno.exit(2);
    }
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

/**
 * `deno task up | down | status | logs [service] | test | infra start | infra stop`.
 *
 * @module
 */
import { ConfigError } from "@sentiment/proto/config";
import { dataPaths } from "./paths.ts";
import { readInfraSettings } from "./settings.ts";
import { down, infrastructureStatus, startInfrastructure, stopAll, up } from "./stack.ts";
import { appServices, isHealthy, serviceExists, serviceProcess } from "./services.ts";
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
  for (const service of appServices()) {
    if (!(await serviceExists(service))) continue;
    const pid = await runningPid(serviceProcess(service, paths));
    const healthy = pid !== undefined && (await isHealthy(service.health, pid));
    line(
      service.name,
      pid === undefined ? "stopped" : healthy ? "healthy" : "UNHEALTHY",
      pid ? `pid ${pid}` : "",
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

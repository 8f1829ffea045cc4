/**
 * `deno task up | down | status | logs [service] | test | infra start | infra stop`.
 *
 * @module
 */
import { ConfigError } from "@sentiment/kit/config";
import { routeNodeWarnings } from "@sentiment/kit/node_warnings";
import { dataPaths } from "./paths.ts";
import { readInfraSettings } from "./settings.ts";
import { down, preflight, startInfrastructure, stopAll, up } from "./stack.ts";
import { appServices } from "./services.ts";
import { status } from "./status.ts";
import { withInfraLock } from "./lock.ts";
import { followLogs } from "./logs.ts";
import { runTests } from "./test_runner.ts";

const say = (line: string) => console.log(`[infra] ${line}`);

async function main(args: string[]): Promise<number> {
  routeNodeWarnings(); // kafkajs's timer warnings would litter `status` and `up`
  const [command = "help", ...rest] = args;
  const paths = dataPaths();
  // Whatever starts or stops something holds the data folder's lock while it does (lock.ts).
  const locked = <T>(what: string, work: () => Promise<T>) => withInfraLock(paths, what, say, work);
  // Bad configuration is refused at once, before waiting for the lock or writing anything.
  const checkedSettings = async () => {
    const settings = readInfraSettings();
    appServices();
    await preflight(settings);
    return settings;
  };
  switch (command) {
    case "up": {
      const settings = await checkedSettings();
      await locked("up", () => up(settings, paths, say));
      const env = Deno.env;
      say(`dashboard: http://localhost:${env.get("DASHBOARD_PORT") ?? 3000}`);
      say(`api:       http://localhost:${env.get("API_PORT") ?? 3001}`);
      say(`logs:      ${paths.logs} (deno task logs [service])`);
      return 0;
    }
    case "start": {
      const settings = await checkedSettings();
      await locked("infra start", () => startInfrastructure(settings, paths, say));
      return 0;
    }
    case "down":
    case "stop":
      await locked(command === "down" ? "down" : "infra stop", () => down(paths, say));
      return 0;
    case "status":
      return await status(readInfraSettings(), paths);
    case "logs":
      await followLogs(paths.logs, rest[0]);
      return 0;
    case "test": {
      const settings = await checkedSettings();
      const started = await locked("test (start)", () => startInfrastructure(settings, paths, say));
      try {
        return await runTests(rest, say);
      } finally {
        await locked("test (stop)", () => stopAll(started, say));
      }
    }
    default:
      console.log("usage: deno task up | down | status | logs [service] | test [deno test args]");
      return command === "help" ? 0 : 2;
  }
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

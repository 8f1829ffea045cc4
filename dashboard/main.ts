/**
 * The dashboard server: `deno run -P=dashboard dashboard/main.ts` (build the island bundle
 * first with `deno run -P=dashboard-build dashboard/build.ts`).
 *
 * @module
 */
import { loadConfigOrExit } from "@sentiment/proto/config";
import { createLogger } from "@sentiment/proto/log";
import { ENV_VARS, readConfig } from "./config.ts";
import { createHandler } from "./server.tsx";

const config = loadConfigOrExit("dashboard", () => readConfig(Deno.env));
const logger = createLogger("dashboard", config.logLevel);
const stopping = new AbortController();
const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) => {
    logger.info("listening", {
      url: `http://${hostname}:${port}/`,
      apiUrl: config.apiUrl,
      maxComments: config.maxComments,
      env: ENV_VARS.filter((name) => Deno.env.get(name) !== undefined),
    });
  },
}, createHandler({ config, logger, signal: stopping.signal }));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    logger.info("stopping", { signal });
    // Open event streams would keep a graceful shutdown waiting until every browser left.
    stopping.abort();
    void server.shutdown().then(() => Deno.exit(0));
  });
}

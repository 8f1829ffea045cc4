/**
 * The api service: `deno run -P=api api/main.ts` from the repository root.
 *
 * @module
 */
import { loadConfigOrExit } from "@sentiment/proto/config";
import { createLogger } from "@sentiment/proto/log";
import { readConfig } from "./config.ts";
import { startApi } from "./service.ts";

const config = loadConfigOrExit("api", () => readConfig(Deno.env));
const log = createLogger("api", config.logLevel).child({ instance: config.instanceId });
let api;
try {
  api = await startApi(config, log);
} catch (error) {
  log.error("cannot start the api", {
    error: error instanceof Error ? error.message : String(error),
  });
  Deno.exit(1);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    log.info("shutting down", { signal });
    api!.stop().then(() => Deno.exit(0), (error) => {
      log.error("shutdown failed", { error: String(error) });
      Deno.exit(1);
    });
  });
}
await api.finished;

/**
 * The api service: `deno run -P=api api/main.ts` from the repository root.
 *
 * @module
 */
import { runService } from "@sentiment/kit/service";
import { readConfig } from "./config.ts";
import { start } from "./service.ts";

await runService("api", readConfig, start, {
  logFields: (config) => ({ instance: config.instanceId }),
});

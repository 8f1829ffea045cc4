/**
 * The dashboard server: `deno run -P=dashboard dashboard/main.ts` (build the island bundle
 * first with `deno run -P=dashboard-build dashboard/build.ts`).
 *
 * @module
 */
import { runService } from "@sentiment/kit/service";
import { readConfig } from "./config.ts";
import { start } from "./service.ts";

await runService("dashboard", readConfig, start);

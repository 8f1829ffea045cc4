/**
 * The consumer service: `deno run -P=consumer consumer/main.ts` from the repository root.
 *
 * @module
 */
// First: npm packages below must meet the narrowed process.env when they load.
import "./env_view.ts";
// Before anything that imports kafkajs: it replaces a module kafkajs captures when it loads.
import "./kafkajs_encoder.ts";
import { runService } from "@sentiment/kit/service";
import { readConfig } from "./config.ts";
import { start } from "./service.ts";

await runService("consumer", (env) => readConfig(env), start);

/**
 * Starts the sentiment gRPC service: `deno run -P=sentiment sentiment/main.ts`.
 *
 * @module
 */
import { runService } from "@sentiment/kit/service";
import { readSentimentConfig } from "./config.ts";
import { start } from "./service.ts";

await runService("sentiment", readSentimentConfig, start);

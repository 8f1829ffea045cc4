/**
 * Publishes mock comments to Kafka: `deno run -P=producer producer/main.ts [--burst] [--count N]
 * [--rate R] [--duplicate-ratio P] [--seed S] [--truth-file PATH]`.
 *
 * @module
 */
import { runService } from "@sentiment/kit/service";
import { readProducerConfig } from "./config.ts";
import { start } from "./service.ts";

await runService("producer", readProducerConfig, start);

/**
 * `deno task dlq`: inspect and replay the dead-letter queue.
 *
 *     deno task dlq list [--reason REASON] [--json]
 *     deno task dlq show <commentId | partition:offset> [--json]
 *     deno task dlq replay (--all | --reason REASON | --id X) [--dry-run] [--force]
 *
 * Exit status: 0 done, 1 failed (Kafka unreachable, nothing found), 2 bad arguments or
 * configuration.
 *
 * @module
 */
import "./quiet_kafkajs.ts";
import { Kafka, logLevel } from "kafkajs";
import { ConfigError } from "@sentiment/kit/config";
import { readDlqConfig } from "./config.ts";
import { parseDlqArgs, USAGE, UsageError } from "./dlq_args.ts";
import { CommandError, runCommand } from "./dlq_commands.ts";

function fail(message: string, code: number): never {
  console.error(`dlq: ${message}`);
  if (code === 2) console.error(USAGE);
  Deno.exit(code);
}

async function main(): Promise<void> {
  let command;
  try {
    command = parseDlqArgs(Deno.args);
  } catch (error) {
    if (error instanceof UsageError) fail(error.message, 2);
    throw error;
  }
  if (command.command === "help") {
    console.log(USAGE);
    return;
  }
  let config;
  try {
    config = readDlqConfig(Deno.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      fail(`invalid configuration: ${error.message}`, 2);
    }
    throw error;
  }
  const kafka = new Kafka({
    clientId: "ops-dlq",
    brokers: config.kafkaBrokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 3, initialRetryTime: 200 },
  });
  try {
    await runCommand(
      { kafka, config, out: (line) => console.log(line) },
      command,
    );
  } catch (error) {
    if (error instanceof CommandError) fail(error.message, 1);
    // Kafka errors and anything unexpected: one line, never a stack trace.
    const reason = error instanceof Error ? error.message : String(error);
    fail(
      `failed talking to Kafka at ${config.kafkaBrokers.join(",")}: ${reason}`,
      1,
    );
  }
}

await main();
// kafkajs can leave timers behind after disconnecting; the work is done.
Deno.exit(0);

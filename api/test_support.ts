/**
 * Helpers for the api's integration tests and the fan-out benchmark: an api instance running in
 * this process over a test database and topic, and the consumer's part (store rows, publish them).
 *
 * @module
 */
import { envFrom } from "@sentiment/kit/config";
import { createLogger, type Logger } from "@sentiment/kit/log";
import { readConfig } from "./config.ts";
import { type RunningApi, start } from "./service.ts";

/** The consumer's part, shared with the dashboard's end-to-end test through the testkit. */
export { publishProcessed as publish, storeComments } from "@sentiment/testkit";

/** Starts an api instance in this process; `env` overrides the test's settings. */
export async function startTestApi(
  settings: { databaseUrl: string; brokers: string[]; topic: string; port: number },
  env: Record<string, string> = {},
  log: Logger = createLogger("api", "warn"),
): Promise<RunningApi> {
  const config = readConfig(envFrom({
    API_PORT: String(settings.port),
    DATABASE_URL: settings.databaseUrl,
    KAFKA_BROKERS: settings.brokers.join(","),
    KAFKA_TOPIC_PROCESSED: settings.topic,
    API_STREAM_POLL_MS: "200",
    ...env,
  }));
  const api = await start(config, log);
  await waitUntilReady(api.url);
  return api;
}

/** Polls /readyz until it answers 200 (Kafka joined, PostgreSQL up, stream started). */
export async function waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/readyz`);
      last = await response.text();
      if (response.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`api at ${url} not ready within ${timeoutMs} ms: ${last}`);
}

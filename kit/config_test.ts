import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  ConfigError,
  envDurations,
  envFrom,
  envHostPorts,
  envInt,
  envPort,
  envUrl,
  redact,
} from "./config.ts";

const rejects = (read: () => unknown, variable: string) =>
  throws(read, (error) => error instanceof ConfigError && error.variable === variable);

Deno.test("defaults apply when a variable is unset or blank", () => {
  const env = envFrom({ API_PORT: " " });
  assertEquals(envPort(env, "API_PORT", 3001), 3001);
  assertEquals(envDurations(env, "RETRY_DELAYS_MS", [1000, 2000]), [1000, 2000]);
});

Deno.test("bad values name their variable", () => {
  const env = envFrom({
    API_PORT: "30x1",
    BIG_PORT: "70000",
    PARTITIONS: "0",
    DATABASE_URL: "mysql://x",
    KAFKA_BROKERS: "localhost",
    DELAYS: "1000,-5",
  });
  rejects(() => envPort(env, "API_PORT", 1), "API_PORT");
  rejects(() => envPort(env, "BIG_PORT", 1), "BIG_PORT");
  rejects(() => envInt(env, "PARTITIONS", 6, { min: 1 }), "PARTITIONS");
  rejects(() => envUrl(env, "DATABASE_URL", "", ["postgres:", "postgresql:"]), "DATABASE_URL");
  rejects(() => envHostPorts(env, "KAFKA_BROKERS", []), "KAFKA_BROKERS");
  rejects(() => envDurations(env, "DELAYS", []), "DELAYS");
});

Deno.test("passwords are hidden in printed URLs", () => {
  assertEquals(redact("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
});

import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { ConfigError, envFrom } from "@sentiment/kit/config";
import { readConfig } from "./config.ts";

Deno.test("defaults: 127.0.0.1:3001, dashboard origins, a generated instance id", () => {
  const config = readConfig(envFrom({}));
  assertEquals([config.host, config.port], ["127.0.0.1", 3001]);
  assertEquals(config.corsOrigins, ["http://localhost:3000", "http://127.0.0.1:3000"]);
  assertEquals(config.processedTopic, "processed-comments");
  assertEquals(config.sse.heartbeatMs, 15_000);
  assertEquals([config.sse.maxClientsPerAddress, config.sse.stallTimeoutMs], [50, 30_000]);
  assertEquals(config.trustedProxies, ["127.0.0.1", "::1"]);
  const proxied = readConfig(envFrom({ API_TRUSTED_PROXIES: "127.0.0.1, ::FFFF:10.0.0.2" }));
  assertEquals(proxied.trustedProxies, ["127.0.0.1", "10.0.0.2"]);
  ok(config.instanceIdGenerated);
  ok(/-\d+-[0-9a-z]+$/.test(config.instanceId), config.instanceId);
  const explicit = readConfig(envFrom({ API_INSTANCE_ID: "api-1" }));
  assertEquals([explicit.instanceId, explicit.instanceIdGenerated], ["api-1", false]);
});

Deno.test("bad values name their variable", () => {
  const cases: Record<string, string> = {
    API_PORT: "80a",
    API_CORS_ORIGINS: "localhost:3000",
    API_INSTANCE_ID: "has space",
    API_SSE_HEARTBEAT_MS: "0",
    API_SSE_CLIENT_BUFFER_BYTES: "12",
    API_SSE_MAX_CLIENTS_PER_ADDRESS: "0",
    API_SSE_STALL_TIMEOUT_MS: "5",
    API_TRUSTED_PROXIES: "dashboard.local",
    KAFKA_BROKERS: "kafka",
    DATABASE_URL: "mysql://db",
    LOG_LEVEL: "loud",
  };
  for (const [variable, value] of Object.entries(cases)) {
    throws(
      () => readConfig(envFrom({ [variable]: value })),
      (error) => error instanceof ConfigError && error.variable === variable,
      variable,
    );
  }
});

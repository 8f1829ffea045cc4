import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { addressesIn, netFlagsFor } from "./net_permissions.ts";

Deno.test("addresses come from ports with their host, URLs and host:port lists", () => {
  assertEquals(
    addressesIn({
      CONSUMER_HEALTH_PORT: "4100",
      SENTIMENT_HOST: "10.0.0.2",
      SENTIMENT_METRICS_PORT: "4101",
      DATABASE_URL: "postgres://u:p@127.0.0.1:6543/db",
      REDIS_URL: "redis://localhost/2",
      API_URL: "http://127.0.0.1:4102",
      KAFKA_BROKERS: "127.0.0.1:19092, 127.0.0.1:19094",
      LOG_LEVEL: "info",
      PRODUCER_COUNT: "50",
    }).sort(),
    [
      "10.0.0.2:4101",
      "127.0.0.1:19092",
      "127.0.0.1:19094",
      "127.0.0.1:4100",
      "127.0.0.1:4102",
      "127.0.0.1:6543",
      "localhost:6379",
    ],
  );
});

Deno.test("the flag keeps the set's defaults, adds only what env points at, and only variables the service reads", () => {
  const flags = netFlagsFor("consumer", {
    CONSUMER_HEALTH_PORT: "4200",
    DATABASE_URL: "postgres://u:p@127.0.0.1:5432/test_db",
    UNRELATED_PORT: "4999",
  });
  assertEquals(flags.length, 1);
  const allowed = flags[0].slice("--allow-net=".length).split(",");
  ["127.0.0.1:9092", "127.0.0.1:5432", "127.0.0.1:4200"].forEach((entry) =>
    assertEquals(allowed.includes(entry), true, entry)
  );
  assertEquals(allowed.includes("127.0.0.1:4999"), false);
  assertEquals(netFlagsFor("consumer", { DATABASE_URL: "postgres://u:p@127.0.0.1:5432/x" }), []);
});

Deno.test("in a local cluster (KAFKA_NODES=3, no KAFKA_BROKERS) a service may reach every broker", () => {
  const flags = netFlagsFor("producer", { KAFKA_NODES: "3" });
  assertEquals(flags.length, 1);
  const allowed = flags[0].slice("--allow-net=".length).split(",");
  ["127.0.0.1:9092", "127.0.0.1:9094", "127.0.0.1:9096"].forEach((entry) =>
    assertEquals(allowed.includes(entry), true, entry)
  );
  // Given brokers win: the cluster is then the user's, at the addresses they name.
  assertEquals(
    netFlagsFor("producer", { KAFKA_NODES: "3", KAFKA_BROKERS: "127.0.0.1:9092" }),
    [],
  );
  // The sentiment service never talks to Kafka.
  assertEquals(netFlagsFor("sentiment", { KAFKA_NODES: "3" }), []);
});

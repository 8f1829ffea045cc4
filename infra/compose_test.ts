/**
 * compose.yaml cannot run here (no Docker engine), so this keeps it from drifting away from the
 * native configuration: the same services, ports, topics and variables.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { TOPIC_DEFAULTS } from "@sentiment/contracts/messages";
import { PROJECT_ROOT } from "./paths.ts";
import { runtimeFlags } from "./runtime_flags.ts";
import { appServices } from "./services.ts";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, readInfraSettings } from "./settings.ts";
import { envFrom } from "@sentiment/kit/config";

interface ComposeService {
  command?: string[] | string;
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

const compose = parse(await Deno.readTextFile(join(PROJECT_ROOT, "compose.yaml")), {
  merge: true,
}) as {
  services: Record<string, ComposeService>;
};
const services = appServices(envFrom({}));

Deno.test("compose.yaml has the infrastructure and every service the native path runs", () => {
  const expected = ["kafka", "kafka-topics", "postgres", "redis", ...services.map((s) => s.name)];
  assertEquals(Object.keys(compose.services).sort(), expected.sort());
});

Deno.test("compose.yaml publishes the native default ports", () => {
  const settings = readInfraSettings(envFrom({}));
  const published = (name: string) =>
    (compose.services[name].ports ?? []).map((mapping) => Number(mapping.split(":").at(-1)));
  assertEquals(published("kafka"), [Number(settings.kafkaBrokers[0].split(":")[1])]);
  assertEquals(published("postgres"), [Number(new URL(DEFAULT_DATABASE_URL).port)]);
  assertEquals(published("redis"), [Number(new URL(DEFAULT_REDIS_URL).port)]);
  for (const service of services) {
    const port = service.health.kind === "tcp"
      ? service.health.port
      : service.health.kind === "http"
      ? Number(new URL(service.health.url).port)
      : undefined;
    assertEquals(published(service.name), [port], `${service.name}'s published port`);
  }
});

Deno.test("compose.yaml creates the native topics with the native partition count", () => {
  const script = JSON.stringify(compose.services["kafka-topics"].command);
  for (const topic of Object.values(TOPIC_DEFAULTS)) ok(script.includes(topic.name), topic.name);
  assertEquals(
    Number(compose.services["kafka-topics"].environment?.KAFKA_PARTITIONS),
    readInfraSettings(envFrom({})).kafkaPartitions,
  );
});

Deno.test("compose.yaml gives each topic the retention infra gives it", () => {
  const topics = compose.services["kafka-topics"];
  const script = JSON.stringify(topics.command);
  const retention = readInfraSettings(envFrom({})).topicRetention;
  for (const [kind, name] of [["raw", "RAW"], ["processed", "PROCESSED"], ["deadLetter", "DLQ"]]) {
    const wanted = retention[kind as keyof typeof retention];
    const ms = `KAFKA_${name}_RETENTION_MS`;
    const bytes = `KAFKA_${name}_RETENTION_BYTES`;
    assertEquals(
      [Number(topics.environment?.[ms]), Number(topics.environment?.[bytes])],
      [wanted.retentionMs, wanted.retentionBytes],
      kind,
    );
    const topic = TOPIC_DEFAULTS[kind as keyof typeof TOPIC_DEFAULTS].name;
    ok(script.includes(`topic ${topic} $\${${ms}} $\${${bytes}}`), `${topic} gets ${ms}, ${bytes}`);
  }
  ok(script.includes("--config retention.ms=$$2 --config retention.bytes=$$3"), "on creation");
  ok(script.includes("--add-config retention.ms=$$2,retention.bytes=$$3"), "on existing topics");
});

// That each service is given only variables it reads is held by the service's own
// config_table_test.ts, against its settings table.
Deno.test("each compose service runs with its own permission set", () => {
  for (const service of services) {
    const definition = compose.services[service.name];
    ok(
      JSON.stringify(definition.command).includes(`-P=${service.name}`),
      `${service.name} uses -P=${service.name}`,
    );
    ok(definition.healthcheck, `${service.name} has a healthcheck`);
  }
});

Deno.test("each compose service runs with the runtime flags the native path gives it", () => {
  for (const service of services) {
    const command = compose.services[service.name].command;
    const args = Array.isArray(command) ? command : (command ?? "").split(/\s+/);
    for (const flag of runtimeFlags(service.name)) {
      ok(args.includes(flag), `${service.name} runs with ${flag}`);
    }
  }
});

Deno.test("compose services wait for what they need", () => {
  const needs: Record<string, string[]> = {
    consumer: ["postgres", "redis", "sentiment", "kafka-topics"],
    api: ["postgres", "kafka-topics"],
    dashboard: ["api"],
    producer: ["kafka-topics"],
  };
  for (const [service, dependencies] of Object.entries(needs)) {
    const dependsOn = compose.services[service].depends_on ?? {};
    for (const dependency of dependencies) {
      ok(dependsOn[dependency], `${service} depends on ${dependency}`);
    }
  }
});

const cluster = parse(await Deno.readTextFile(join(PROJECT_ROOT, "compose.cluster.yaml")), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const clusterSettings = readInfraSettings(envFrom({ KAFKA_NODES: "3" }));
const brokerNames = Object.keys(cluster.services).filter((name) => /^kafka(-\d+)?$/.test(name));

Deno.test("compose.cluster.yaml runs as many brokers as KAFKA_NODES=3, one quorum of all", () => {
  assertEquals(brokerNames.length, clusterSettings.kafkaNodes);
  const env = (name: string) => cluster.services[name].environment ?? {};
  assertEquals(brokerNames.map((name) => Number(env(name).KAFKA_NODE_ID)), [1, 2, 3]);
  const voters = brokerNames.map((name) => `${env(name).KAFKA_NODE_ID}@${name}:9093`).join(",");
  for (const name of brokerNames) {
    assertEquals(env(name).KAFKA_CONTROLLER_QUORUM_VOTERS, voters, `${name}'s voters`);
    assertEquals(env(name).KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://${name}:9092`);
    assertEquals(env(name).CLUSTER_ID, env("kafka").CLUSTER_ID, `${name} joins one cluster`);
  }
});

Deno.test("compose.cluster.yaml replicates as the native cluster does", () => {
  const { kafkaReplicationFactor: factor, kafkaMinInsyncReplicas: minIsr } = clusterSettings;
  for (const name of brokerNames) {
    const env = cluster.services[name].environment ?? {};
    assertEquals(Number(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR), factor);
    assertEquals(Number(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR), factor);
    assertEquals(Number(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR), minIsr);
    assertEquals(Number(env.KAFKA_DEFAULT_REPLICATION_FACTOR), factor);
  }
  const topics = cluster.services["kafka-topics"];
  assertEquals(Number(topics.environment?.KAFKA_REPLICATION_FACTOR), factor);
  assertEquals(Number(topics.environment?.KAFKA_MIN_INSYNC_REPLICAS), minIsr);
  const script = JSON.stringify(topics.command);
  ok(script.includes("--replication-factor $${KAFKA_REPLICATION_FACTOR}"), script);
  ok(script.includes("min.insync.replicas=$${KAFKA_MIN_INSYNC_REPLICAS}"), script);
  for (const name of brokerNames) ok(topics.depends_on?.[name], `kafka-topics waits for ${name}`);
});

Deno.test("compose.cluster.yaml tells every service that talks to Kafka all three brokers", () => {
  const brokers = brokerNames.map((name) => `${name}:9092`).join(",");
  for (const service of services) {
    // compose.yaml's variables are held against each service's settings table by its
    // config_table_test.ts; the cluster variant may only set what compose.yaml sets.
    const single = compose.services[service.name]?.environment ?? {};
    const env = cluster.services[service.name]?.environment ?? {};
    for (const variable of Object.keys(env)) {
      ok(
        variable in single,
        `${service.name} is given ${variable}, which compose.yaml does not set`,
      );
    }
    if (compose.services[service.name].environment?.KAFKA_BROKERS !== undefined) {
      assertEquals(env.KAFKA_BROKERS, brokers, `${service.name}'s KAFKA_BROKERS`);
    }
  }
});

/**
 * The services as if on separate machines: network namespaces made by the test, each with its
 * own address on a private link-local /24 (169.254.77.0/24) and joined by a bridge in a hub
 * namespace, with
 *   - a three-node Kafka cluster (replication 3, min.insync.replicas 2) in one,
 *   - sentiment, the producer and the way to the shared PostgreSQL and Redis in another,
 *   - two consumers (one consumer group) in two more,
 *   - two api instances (each its own group) in two more.
 * Every comment must be stored once, by both consumers between them, and streamed by both api
 * instances. Traffic stays inside the namespaces: none has a default route, the machine's own
 * namespace gets no address on the test network, and PostgreSQL and Redis (which listen on the
 * machine's loopback only) are reached through Unix-socket relays, not through any network.
 *
 * Needs root on Linux (`ip netns`); elsewhere it is skipped with a loud message, and in CI it
 * fails instead. Namespaces are removed in `finally`, and any an earlier, killed run left
 * behind are removed before starting.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import {
  createTestDatabase,
  createTestNetwork,
  freePort,
  integrationTest,
  netnsUnavailable,
  PROJECT_ROOT,
  removeLeftoverNamespaces,
  rootAddresses,
  routesIn,
  type ServiceProcess,
  startPrivateKafkaCluster,
  startService,
  testRedisUrl,
} from "@sentiment/testkit";
import { consumerEnv, waitFor } from "../consumer/test_support.ts";
import { generatedIds, readStream, storedCount } from "./cluster_support.ts";

const NAME =
  "several hosts: a 3-node cluster, two consumers and two api instances in their own network namespaces — every comment stored once and streamed by both";

/** The `--allow-net` entry of a relay address (`tcp:HOST:PORT` or `unix:PATH`). */
const netEntry = (address: string) => address.startsWith("unix:") ? address : address.slice(4);

/**
 * A relay process (infra/relay.ts) run by `prefix` (a namespace's `ip netns exec …`, or
 * nothing for the machine's own namespace), allowed exactly its two addresses; resolves once
 * it listens.
 */
async function startRelayProcess(
  prefix: string[],
  from: string,
  to: string,
): Promise<{ stop(): Promise<void> }> {
  const [program, ...args] = [...prefix, Deno.execPath()];
  const child = new Deno.Command(program, {
    args: [
      ...args,
      "run",
      `--allow-net=${netEntry(from)},${netEntry(to)}`,
      // A Unix socket is a file too: Deno asks for read and write access to its path as well.
      ...[from, to].filter((a) => a.startsWith("unix:")).flatMap((a) => [
        `--allow-read=${a.slice(5)}`,
        `--allow-write=${a.slice(5)}`,
      ]),
      join(PROJECT_ROOT, "infra", "relay.ts"),
      from,
      to,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const first = await Promise.race([
    reader.read().then(({ value }) => new TextDecoder().decode(value ?? new Uint8Array())),
    new Promise<string>((resolve) => setTimeout(() => resolve("timeout"), 30_000)),
  ]);
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  child.stderr.cancel().catch(() => {});
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
  };
  if (!first.includes("relay listening")) {
    await stop();
    throw new Error(`relay ${from} → ${to} (${prefix.join(" ")}) did not start: ${first}`);
  }
  return { stop };
}

integrationTest(NAME, async () => {
  const unavailable = await netnsUnavailable();
  if (unavailable) {
    if (Deno.env.get("CI") === "true") throw new Error(`cannot run: ${unavailable}`);
    console.error(`\n!!! SKIPPED "${NAME}": ${unavailable}.\n`);
    return;
  }
  const leftovers = await removeLeftoverNamespaces();
  if (leftovers.length > 0) console.log(`removed leftover namespaces: ${leftovers.join(", ")}`);
  const socketDir = await Deno.makeTempDir({ prefix: "several-hosts-" });
  const relays: { stop(): Promise<void> }[] = [];
  const services: ServiceProcess[] = [];
  const readers: ReturnType<typeof readStream>[] = [];
  await using db = await createTestDatabase();
  await using network = await createTestNetwork([
    "kafka",
    "store",
    "consumer-1",
    "consumer-2",
    "api-1",
    "api-2",
  ]);
  const { hosts } = network;
  try {
    // Traffic cannot leave: no namespace has a default route, the machine gets no address.
    for (const namespace of network.namespaces) {
      const routes = await routesIn(namespace);
      ok(!routes.some((route) => route.startsWith("default")), `${namespace}: ${routes}`);
    }
    ok(
      !(await rootAddresses()).some((address) => address.startsWith("169.254.77.")),
      "the machine's own namespace has no address on the test network",
    );

    // PostgreSQL and Redis of the machine, offered in the store namespace through Unix sockets.
    const databaseUrl = new URL(db.url);
    const redisUrl = new URL(await testRedisUrl());
    for (
      const [name, url, port] of [["pg", databaseUrl, 5432], ["redis", redisUrl, 6379]] as const
    ) {
      const socket = join(socketDir, `${name}.sock`);
      relays.push(
        await startRelayProcess([], `unix:${socket}`, `tcp:${url.hostname}:${url.port || port}`),
      );
      relays.push(
        await startRelayProcess(
          hosts.store.exec,
          `tcp:${hosts.store.address}:${port}`,
          `unix:${socket}`,
        ),
      );
      url.hostname = hosts.store.address;
      url.port = String(port);
    }

    await using cluster = await startPrivateKafkaCluster({
      nodes: 3,
      host: hosts.kafka.address,
      ports: [9092, 9093, 9094, 9095, 9096, 9097],
      wrap: hosts.kafka.exec,
      reachable: false,
    });
    const suffix = crypto.randomUUID().slice(0, 8);
    const topics = {
      KAFKA_TOPIC_RAW: `hosts-raw-${suffix}`,
      KAFKA_TOPIC_PROCESSED: `hosts-processed-${suffix}`,
      KAFKA_TOPIC_DLQ: `hosts-dlq-${suffix}`,
    };
    await cluster.createTopics(Object.values(topics), 6);
    const brokers = cluster.brokers.join(",");

    const sentiment = startService("sentiment", {
      SENTIMENT_HOST: hosts.store.address,
      SENTIMENT_PORT: "50051",
      SENTIMENT_METRICS_PORT: "3004",
      SENTIMENT_FAILURE_SEED: "71",
    }, { wrap: hosts.store.exec });
    services.push(sentiment);
    await sentiment.waitForLog((line) => line.includes("listening"), 60_000);

    const group = `hosts-consumers-${suffix}`;
    for (const role of ["consumer-1", "consumer-2"]) {
      const host = hosts[role];
      const consumer = startService(
        "consumer",
        consumerEnv({
          topics,
          databaseUrl: databaseUrl.toString(),
          redisUrl: redisUrl.toString(),
          sentimentAddress: `${hosts.store.address}:50051`,
          healthPort: 3002,
          extra: {
            KAFKA_BROKERS: brokers,
            CONSUMER_HEALTH_HOST: host.address,
            CONSUMER_GROUP: group,
            CONSUMER_ID: role,
            RETRY_DELAYS_MS: "200,400,800,1600,3200",
          },
        }),
        { wrap: host.exec, name: role },
      );
      services.push(consumer);
    }
    for (const role of ["api-1", "api-2"]) {
      const host = hosts[role];
      const api = startService("api", {
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PROCESSED: topics.KAFKA_TOPIC_PROCESSED,
        DATABASE_URL: databaseUrl.toString(),
        API_HOST: host.address,
        API_PORT: "3001",
        API_TOKEN: "",
        API_STREAM_POLL_MS: "200",
      }, { wrap: host.exec, name: role });
      services.push(api);
      // The api reached from here: a local port → a socket → the api's port in its namespace.
      const socket = join(socketDir, `${role}.sock`);
      relays.push(
        await startRelayProcess(host.exec, `unix:${socket}`, `tcp:${host.address}:3001`),
      );
      const localPort = await freePort();
      relays.push(
        await startRelayProcess([], `tcp:127.0.0.1:${localPort}`, `unix:${socket}`),
      );
      const url = `http://127.0.0.1:${localPort}`;
      await waitFor(
        `${role} ready`,
        async () => {
          const response = await fetch(`${url}/readyz`);
          await response.body?.cancel();
          return response.ok ? true : undefined;
        },
        services,
        120_000,
      );
      readers.push(readStream(url));
    }
    const consumers = services.filter((s) => s.name.startsWith("consumer-"));
    await Promise.all(
      consumers.map((consumer) =>
        consumer.waitForLog((line) => line.includes("Joined the consumer group"), 120_000)
      ),
    );

    const count = 10_000;
    const producer = startService("producer", {
      KAFKA_TOPIC_RAW: topics.KAFKA_TOPIC_RAW,
      KAFKA_BROKERS: brokers,
      PRODUCER_HEALTH_HOST: hosts.store.address,
      PRODUCER_HEALTH_PORT: "3003",
    }, { wrap: hosts.store.exec, args: ["--burst", "--count", String(count), "--seed", "71"] });
    services.push(producer);
    assertEquals((await producer.status).code, 0, producer.lines.slice(-10).join("\n"));
    const expected = generatedIds(71, count);
    const running = services.filter((service) => service !== producer);
    await waitFor(
      "every comment stored",
      async () => (await storedCount(db.sql)) >= expected.size ? true : undefined,
      running,
      180_000,
    );
    const rows = await db.sql<{ comment_id: string; consumer_id: string }[]>`
      SELECT comment_id, consumer_id FROM comments`;
    const stored = new Set(rows.map((row) => row.comment_id));
    assertEquals(rows.length, stored.size, "no id stored twice");
    assertEquals([...expected].filter((id) => !stored.has(id)), [], "no comment lost");
    assertEquals(stored.size, expected.size, "nothing stored that was not generated");
    const byConsumer = new Map<string, number>();
    for (const row of rows) {
      byConsumer.set(row.consumer_id, (byConsumer.get(row.consumer_id) ?? 0) + 1);
    }
    assertEquals(
      [...byConsumer.keys()].sort(),
      ["consumer-1", "consumer-2"],
      "both consumers stored",
    );
    for (const [i, reader] of readers.entries()) {
      await reader.waitFor(expected.size, 120_000);
      assertEquals(
        [...expected].filter((id) => !reader.ids.has(id)),
        [],
        `api-${i + 1} streamed all`,
      );
    }
    for (const service of running) ok(!service.exited, `${service.name} still running`);
    console.log(`several hosts: ${
      JSON.stringify({
        namespaces: network.namespaces.length,
        subnet: network.subnet,
        generated: expected.size,
        stored: stored.size,
        byConsumer: Object.fromEntries(byConsumer),
        streamedByApi: readers.map((reader) => reader.ids.size),
      })
    }`);
  } finally {
    for (const reader of readers) await reader.stop();
    await Promise.all(services.map((service) => service.stop(5_000)));
    for (const relay of relays) await relay.stop();
    await Deno.remove(socketDir, { recursive: true }).catch(() => {});
  }
});

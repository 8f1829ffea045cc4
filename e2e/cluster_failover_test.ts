/**
 * Broker failover on a replicated cluster: a private three-node KRaft cluster (replication 3,
 * min.insync.replicas 2) started by the test, the real producer, consumer and api as processes
 * pointed at all three brokers, and two faults on the one cluster:
 *
 * 1. during a burst of 50 000 comments, kill -9 of the node that leads the most partitions of
 *    the test's topics, brought back once the pipeline has moved on without it;
 * 2. under a steady 1 000 comments/s, a rolling restart: each node in turn stopped and started
 *    again, the next one only once every partition is fully replicated again.
 *
 * Each ends with every distinct comment stored once, published at least once, streamed by the
 * api, nothing dead-lettered, and no service restarted by the test (each still the process it
 * started). Each prints a `chaos:` line with its figures, including the stall: from the kill to
 * the first comment stored after it.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  createTestDatabase,
  freePort,
  integrationTest,
  type PrivateKafkaCluster,
  type ServiceProcess,
  startPrivateKafkaCluster,
  startService,
  type TestDatabase,
  testRedisUrl,
} from "@sentiment/infra/testkit";
import { consumerEnv, readTopic, startSentiment, waitFor } from "../consumer/test_support.ts";
import { generatedIds, readStream, storedCount, watchProgress } from "./cluster_support.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PARTITIONS = 6;
/** Where a long scenario is, for whoever watches it run. */
const phase = (what: string) => console.log(`cluster test ${new Date().toISOString()}: ${what}`);

/** The loadavg line's first three figures, printed with every result (the machine is shared). */
async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg").catch(() => "n/a")).split(" ").slice(0, 3)
    .join(" ");
}

/** Topics, database, sentiment, consumer and api for one scenario on the cluster. */
async function startPipeline(cluster: PrivateKafkaCluster, seed: number) {
  const suffix = crypto.randomUUID().slice(0, 8);
  const topics = {
    raw: `cluster-raw-${suffix}`,
    processed: `cluster-processed-${suffix}`,
    deadLetter: `cluster-dlq-${suffix}`,
  };
  await cluster.createTopics(Object.values(topics), PARTITIONS);
  const topicEnv = {
    KAFKA_TOPIC_RAW: topics.raw,
    KAFKA_TOPIC_PROCESSED: topics.processed,
    KAFKA_TOPIC_DLQ: topics.deadLetter,
  };
  const brokers = cluster.brokers.join(",");
  const db = await createTestDatabase();
  const sentiment = await startSentiment({ SENTIMENT_FAILURE_SEED: String(seed) });
  const consumer = startService(
    "consumer",
    consumerEnv({
      topics: topicEnv,
      databaseUrl: db.url,
      redisUrl: await testRedisUrl(),
      sentimentAddress: sentiment.address,
      healthPort: await freePort(),
      extra: {
        KAFKA_BROKERS: brokers,
        INFRA_RETRY_MAX_MS: "1000",
        RETRY_DELAYS_MS: "200,400,800,1600,3200",
      },
    }),
  );
  const apiPort = await freePort();
  const api = startService("api", {
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PROCESSED: topics.processed,
    DATABASE_URL: db.url,
    API_HOST: "127.0.0.1",
    API_PORT: String(apiPort),
    API_TOKEN: "",
    API_STREAM_POLL_MS: "200",
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor("the api ready", async () => {
    const response = await fetch(`${apiUrl}/readyz`);
    await response.body?.cancel();
    return response.ok ? true : undefined;
  }, [api, consumer]);
  const stream = readStream(apiUrl);
  const producerPort = String(await freePort());
  const producer = (args: string[]) =>
    startService("producer", {
      ...topicEnv,
      KAFKA_BROKERS: brokers,
      PRODUCER_RETRY_MAX_MS: "1000",
      PRODUCER_HEALTH_PORT: producerPort,
    }, { args: [...args, "--seed", String(seed)] });
  const stop = async () => {
    await stream.stop();
    await Promise.all([consumer.stop(), api.stop()]);
    await sentiment.stop();
    await db.drop();
  };
  return { topics, db, consumer, api, stream, producer, stop };
}

/** Every generated comment stored once, published, streamed; nothing dead-lettered. */
async function assertEndState(options: {
  db: TestDatabase;
  expected: Set<string>;
  topics: { processed: string; deadLetter: string };
  brokers: string[];
  stream: ReturnType<typeof readStream>;
  services: ServiceProcess[];
}) {
  const { db, expected, services } = options;
  phase("waiting until every comment is stored");
  await waitFor(
    "every generated comment stored",
    async () => (await storedCount(db.sql)) >= expected.size ? true : undefined,
    services,
    240_000,
  );
  const rows = await db.sql<{ comment_id: string }[]>`SELECT comment_id FROM comments`;
  const stored = new Set(rows.map((row) => row.comment_id));
  assertEquals(rows.length, stored.size, "no id stored twice");
  assertEquals([...expected].filter((id) => !stored.has(id)), [], "no generated comment lost");
  assertEquals(stored.size, expected.size, "nothing stored that was not generated");
  phase("reading the processed topic");
  const published = await readTopic(
    options.topics.processed,
    (messages) => new Set(messages.map((m) => m.key)).size >= expected.size,
    120_000,
    options.brokers,
  );
  const publishedIds = new Set(published.map((message) => message.key));
  assertEquals([...expected].filter((id) => !publishedIds.has(id)), [], "every id published");
  const letters = await readTopic(options.topics.deadLetter, () => false, 3_000, options.brokers);
  assertEquals(letters.length, 0, "no valid comment dead-lettered");
  phase("waiting for the api's stream");
  await options.stream.waitFor(expected.size, 120_000);
  assertEquals(
    [...expected].filter((id) => !options.stream.ids.has(id)),
    [],
    "the api streamed every comment",
  );
  for (const service of services) ok(!service.exited, `${service.name} never restarted`);
  return {
    generated: expected.size,
    stored: stored.size,
    lost: 0,
    doubled: rows.length - stored.size,
    publishedMessages: published.length,
    republished: published.length - publishedIds.size,
    streamedEvents: options.stream.events,
    streamReconnects: options.stream.reconnects,
  };
}

function report(fault: string, figures: Record<string, unknown>): void {
  console.log(`chaos: ${JSON.stringify({ fault, ...figures })}`);
}

integrationTest(
  "cluster: kill -9 of the leading broker during a 50 000 burst, then a rolling restart under 1 000/s — nothing lost or doubled, no service restarted",
  async (t) => {
    await using cluster = await startPrivateKafkaCluster({ nodes: 3 });

    await t.step("kill -9 of the node leading most partitions, mid-burst", async () => {
      const count = 50_000;
      const pipeline = await startPipeline(cluster, 61);
      const progress = watchProgress(pipeline.db.sql);
      const producer = pipeline.producer(["--burst", "--count", String(count)]);
      try {
        await waitFor(
          "comments flowing",
          async () => (await storedCount(pipeline.db.sql)) > 3_000 ? true : undefined,
          [pipeline.consumer, pipeline.api, producer],
        );
        const topics = Object.values(pipeline.topics);
        const leads = await cluster.leaderCounts(topics);
        const [victimId, led] = [...leads].sort((a, b) => b[1] - a[1])[0];
        const victim = cluster.nodes.find((node) => node.nodeId === victimId)!;
        const storedAtKill = await storedCount(pipeline.db.sql);
        await victim.kill();
        const killedAt = Date.now();
        phase(`node ${victimId} killed (it led ${led} partitions; ${storedAtKill} stored)`);
        const resumed = await waitFor(
          "a comment stored after the kill",
          () => Promise.resolve(progress.firstProgressAfter(killedAt)),
          [pipeline.consumer, pipeline.api],
          120_000,
        );
        // Down for a while longer, so the survivors carry the burst alone.
        await sleep(Math.max(0, 15_000 - (Date.now() - killedAt)));
        phase(`stored again after ${resumed - killedAt} ms; starting node ${victimId} again`);
        await victim.start();
        const backAt = Date.now();
        phase(`node ${victimId} is back`);
        assertEquals((await producer.status).code, 0, producer.lines.slice(-10).join("\n"));
        phase("the producer has finished");
        const figures = await assertEndState({
          db: pipeline.db,
          expected: generatedIds(61, count),
          topics: pipeline.topics,
          brokers: cluster.brokers,
          stream: pipeline.stream,
          services: [pipeline.consumer, pipeline.api],
        });
        const endAt = Date.now();
        report("cluster: kill -9 of the leading broker mid-burst (3 nodes, RF 3, min ISR 2)", {
          ...figures,
          killedNode: victimId,
          partitionsLedByIt: led,
          storedAtKill,
          downMs: backAt - killedAt,
          stallMs: resumed - killedAt,
          longestPauseMs: progress.longestPause(killedAt, endAt),
          loadAverage: await loadAverage(),
        });
      } finally {
        await progress.stop();
        await producer.stop();
        await pipeline.stop();
      }
      await waitFor(
        "every partition fully replicated again",
        async () =>
          (await cluster.underReplicated(Object.values(pipeline.topics))) === 0 || undefined,
        [],
        120_000,
      );
    });

    await t.step("rolling restart of all three nodes under a steady 1 000/s", async () => {
      const count = 70_000;
      const pipeline = await startPipeline(cluster, 62);
      const progress = watchProgress(pipeline.db.sql);
      const producer = pipeline.producer(["--rate", "1000", "--count", String(count)]);
      const topics = Object.values(pipeline.topics);
      try {
        await waitFor(
          "comments flowing",
          async () => (await storedCount(pipeline.db.sql)) > 2_000 ? true : undefined,
          [pipeline.consumer, pipeline.api, producer],
        );
        const rollStart = Date.now();
        const restarts: { node: number; stallMs: number | null; downMs: number }[] = [];
        for (const node of cluster.nodes) {
          phase(`restarting node ${node.nodeId}`);
          const stoppedAt = Date.now();
          await node.stop();
          await node.start();
          const backAt = Date.now();
          await waitFor(
            `node ${node.nodeId} back in sync`,
            async () => (await cluster.underReplicated(topics)) === 0 || undefined,
            [pipeline.consumer, pipeline.api, producer],
            120_000,
          );
          const firstAfter = progress.firstProgressAfter(stoppedAt);
          restarts.push({
            node: node.nodeId,
            stallMs: firstAfter === undefined ? null : firstAfter - stoppedAt,
            downMs: backAt - stoppedAt,
          });
        }
        const rollEnd = Date.now();
        const producerStillRunning = !producer.exited;
        assertEquals((await producer.status).code, 0, producer.lines.slice(-10).join("\n"));
        const figures = await assertEndState({
          db: pipeline.db,
          expected: generatedIds(62, count),
          topics: pipeline.topics,
          brokers: cluster.brokers,
          stream: pipeline.stream,
          services: [pipeline.consumer, pipeline.api],
        });
        report("cluster: rolling restart of 3 nodes under 1 000/s", {
          ...figures,
          restarts,
          rollMs: rollEnd - rollStart,
          producerStillRunningAfterRoll: producerStillRunning,
          longestPauseMs: progress.longestPause(rollStart, rollEnd),
          loadAverage: await loadAverage(),
        });
      } finally {
        await progress.stop();
        await producer.stop();
        await pipeline.stop();
      }
    });
  },
  // Not yet green (see the branch's report): runs only when asked for.
  { ignore: Deno.env.get("CLUSTER_FAILOVER_TEST") !== "1" },
);

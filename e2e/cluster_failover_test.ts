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
 * started), and consumer and api ready again. Each prints a `chaos:` line with its figures and the
 * load average: the stall (from the fault to the first comment generated after it being stored)
 * and the longest time after the fault with nothing stored at all. Waits fail only when nothing
 * moves for a long time, never on a slow machine that keeps moving; no figure is asserted.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  createTestDatabase,
  freePort,
  integrationTest,
  logRecords,
  type PrivateKafkaCluster,
  type ServiceProcess,
  startPrivateKafkaCluster,
  startService,
  type TestDatabase,
  testRedisUrl,
} from "@sentiment/testkit";
import { consumerEnv, readTopic, startSentiment, waitFor } from "../consumer/test_support.ts";
import {
  firstStoredCreatedAfter,
  generatedIds,
  readStream,
  storedCount,
  waitForGrowth,
  watchProgress,
} from "./cluster_support.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PARTITIONS = 6;
/**
 * A fresh seed per run: the test Redis databases are shared and keep `processed:{id}` marks for
 * hours, so a fixed seed would find a previous run's ids already marked and skip them.
 */
const runSeed = () => {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0];
  console.log(`cluster test: seed ${seed}`);
  return seed;
};
/** Where a long scenario is, for whoever watches it run. */
const phase = (what: string) => console.log(`cluster test ${new Date().toISOString()}: ${what}`);

/**
 * The 1, 5 and 15 minute load averages, printed with every result: the machine is shared, so
 * a figure means little without them. (Reading /proc/loadavg would need all permissions.)
 */
function loadAverage(): string {
  return Deno.loadavg().map((figure) => figure.toFixed(2)).join(" ");
}

/** How long a wait may see no progress at all before the test gives up on it. */
const NO_PROGRESS_MS = 90_000;

/** The `published` total of the producer's "Final summary" line. */
function producerPublished(producer: ServiceProcess): number {
  const summary = logRecords(producer.lines).findLast((record) =>
    record.message === "Final summary"
  );
  if (summary) return summary.published as number;
  throw new Error(
    `the producer printed no final summary:\n${producer.lines.slice(-10).join("\n")}`,
  );
}

/** `at − since`, or null when it has not happened. */
const elapsed = (at: number | undefined, since: number) => at === undefined ? null : at - since;

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
  const consumerHealthPort = await freePort();
  const consumer = startService(
    "consumer",
    consumerEnv({
      topics: topicEnv,
      databaseUrl: db.url,
      redisUrl: await testRedisUrl(),
      sentimentAddress: sentiment.address,
      healthPort: consumerHealthPort,
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
  const producer = (args: string[], env: Record<string, string> = {}) =>
    startService("producer", {
      ...topicEnv,
      KAFKA_BROKERS: brokers,
      PRODUCER_RETRY_MAX_MS: "1000",
      PRODUCER_HEALTH_PORT: producerPort,
      ...env,
    }, { args: [...args, "--seed", String(seed)] });
  const stop = async () => {
    await stream.stop();
    await Promise.all([consumer.stop(), api.stop()]);
    await sentiment.stop();
    await db.drop();
  };
  const consumerHealthUrl = `http://127.0.0.1:${consumerHealthPort}`;
  return { topics, db, consumer, api, apiUrl, consumerHealthUrl, stream, producer, stop };
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
  const exited = () => services.find((service) => service.exited)?.name;
  const exitedProblem = () => {
    const name = exited();
    return name === undefined ? undefined : `${name} exited`;
  };
  await waitForGrowth(
    "every generated comment stored",
    () => storedCount(db.sql),
    expected.size,
    NO_PROGRESS_MS,
    exitedProblem,
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
  await waitForGrowth(
    "the api streaming every comment",
    () => options.stream.ids.size,
    expected.size,
    NO_PROGRESS_MS,
    exitedProblem,
  );
  assertEquals(
    [...expected].filter((id) => !options.stream.ids.has(id)),
    [],
    "the api streamed every comment",
  );
  for (const service of services) ok(!service.exited, `${service.name} still the process started`);
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

/** Consumer and api say they are ready: they came back by themselves, nobody restarted them. */
async function assertRecovered(pipeline: Awaited<ReturnType<typeof startPipeline>>) {
  await waitFor("the consumer and the api ready", async () => {
    const answers = await Promise.all(
      [pipeline.consumerHealthUrl, pipeline.apiUrl].map(async (url) => {
        const response = await fetch(`${url}/readyz`);
        await response.body?.cancel();
        return response.ok;
      }),
    );
    return answers.every(Boolean) || undefined;
  }, [pipeline.consumer, pipeline.api]);
}

integrationTest(
  "cluster: kill -9 of the leading broker during a 50 000 burst, then a rolling restart under 1 000/s — nothing lost or doubled, no service restarted",
  async (t) => {
    await using cluster = await startPrivateKafkaCluster({ nodes: 3 });

    await t.step("kill -9 of the node leading most partitions, mid-burst", async () => {
      const count = 50_000;
      const seed = runSeed();
      const startedAt = Date.now();
      const pipeline = await startPipeline(cluster, seed);
      const progress = watchProgress(pipeline.db.sql);
      // A summary each second: the kill follows the first one, a second or so into the burst,
      // while most of it is still to be sent however fast this machine sends.
      const producer = pipeline.producer(["--burst", "--count", String(count)], {
        PRODUCER_SUMMARY_INTERVAL_MS: "1000",
      });
      try {
        await producer.waitForLog(
          (_line, record) => record?.message === "Summary" && Number(record.published) > 0,
          180_000,
        );
        const topics = Object.values(pipeline.topics);
        const leads = await cluster.leaderCounts(topics);
        const [victimId, led] = [...leads].sort((a, b) => b[1] - a[1])[0];
        const victim = cluster.nodes.find((node) => node.nodeId === victimId);
        if (!victim) throw new Error(`node ${victimId} leads partitions but is not in the cluster`);
        const storedAtKill = await storedCount(pipeline.db.sql);
        ok(!producer.exited, "the kill falls inside the burst");
        await victim.kill();
        const killedAt = Date.now();
        phase(`node ${victimId} killed (it led ${led} partitions; ${storedAtKill} stored)`);
        // The stall ends with the first comment made after the kill that is stored: the whole
        // path works again without the node. (Should the burst have been generated in full
        // before the kill, the first stored comment of any age stands in.)
        const resumed = await waitFor(
          "a comment generated after the kill stored",
          async () =>
            (await firstStoredCreatedAfter(pipeline.db.sql, killedAt)) ??
              (producer.exited ? progress.firstProgressAfter(killedAt) : undefined),
          [pipeline.consumer, pipeline.api],
          180_000,
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
          expected: generatedIds(seed, count),
          topics: pipeline.topics,
          brokers: cluster.brokers,
          stream: pipeline.stream,
          services: [pipeline.consumer, pipeline.api],
        });
        await assertRecovered(pipeline);
        const endAt = Date.now();
        report("cluster: kill -9 of the leading broker mid-burst (3 nodes, RF 3, min ISR 2)", {
          ...figures,
          killedNode: victimId,
          partitionsLedByIt: led,
          storedAtKill,
          downMs: backAt - killedAt,
          stallMs: resumed - killedAt,
          firstStoredAfterKillMs: elapsed(progress.firstProgressAfter(killedAt), killedAt),
          longestPauseMs: progress.longestPause(killedAt, endAt),
          scenarioMs: endAt - startedAt,
          loadAverage: loadAverage(),
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
        180_000,
      );
    });

    await t.step("rolling restart of all three nodes under a steady 1 000/s", async () => {
      const seed = runSeed();
      const startedAt = Date.now();
      const pipeline = await startPipeline(cluster, seed);
      const progress = watchProgress(pipeline.db.sql);
      // No count: the comments keep coming at 1 000/s until the roll is over, however long the
      // nodes take to stop and start on this machine.
      const producer = pipeline.producer(["--rate", "1000"]);
      const services = [pipeline.consumer, pipeline.api, producer];
      const topics = Object.values(pipeline.topics);
      try {
        await waitFor(
          "comments flowing",
          async () => (await storedCount(pipeline.db.sql)) > 2_000 ? true : undefined,
          services,
          180_000,
        );
        const rollStart = Date.now();
        const restarts: {
          node: number;
          downMs: number;
          stallMs: number;
          backInSyncMs: number;
        }[] = [];
        for (const node of cluster.nodes) {
          phase(`restarting node ${node.nodeId}`);
          const stoppedAt = Date.now();
          await node.stop();
          await node.start();
          const backAt = Date.now();
          await waitFor(
            `node ${node.nodeId} back in sync`,
            async () => (await cluster.underReplicated(topics)) === 0 || undefined,
            services,
            180_000,
          );
          const inSyncAt = Date.now();
          const resumed = await waitFor(
            `a comment generated after node ${node.nodeId} stopped stored`,
            () => firstStoredCreatedAfter(pipeline.db.sql, stoppedAt),
            services,
            180_000,
          );
          restarts.push({
            node: node.nodeId,
            downMs: backAt - stoppedAt,
            stallMs: resumed - stoppedAt,
            backInSyncMs: inSyncAt - stoppedAt,
          });
        }
        const rollEnd = Date.now();
        phase("roll done; the steady flow goes on a little before the producer stops");
        const storedAtRollEnd = await storedCount(pipeline.db.sql);
        await waitFor(
          "comments flowing after the roll",
          async () =>
            (await storedCount(pipeline.db.sql)) > storedAtRollEnd + 3_000 ? true : undefined,
          services,
          180_000,
        );
        const stopped = await producer.stop(60_000);
        assertEquals(stopped.code, 0, producer.lines.slice(-10).join("\n"));
        const published = producerPublished(producer);
        const figures = await assertEndState({
          db: pipeline.db,
          expected: generatedIds(seed, published),
          topics: pipeline.topics,
          brokers: cluster.brokers,
          stream: pipeline.stream,
          services: [pipeline.consumer, pipeline.api],
        });
        await assertRecovered(pipeline);
        report("cluster: rolling restart of 3 nodes under 1 000/s", {
          ...figures,
          producerPublished: published,
          restarts,
          rollMs: rollEnd - rollStart,
          longestPauseMs: progress.longestPause(rollStart, rollEnd),
          scenarioMs: Date.now() - startedAt,
          loadAverage: loadAverage(),
        });
      } finally {
        await progress.stop();
        await producer.stop();
        await pipeline.stop();
      }
    });
  },
);

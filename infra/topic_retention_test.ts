import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ConfigResourceTypes } from "kafkajs";
import { ConfigError, envFrom } from "@sentiment/kit/config";
import { ensureTopics } from "./kafka.ts";
import { infraConfig, integrationTest, testKafka } from "@sentiment/testkit";
import { readTopicRetention, TOPIC_RETENTION, type TopicRetention } from "./topic_retention.ts";

Deno.test("topic retention: defaults, the dead-letter queue kept longest, overrides checked", () => {
  const defaults = readTopicRetention(envFrom({}));
  assertEquals(defaults.raw, { retentionMs: 259_200_000, retentionBytes: 8 * 2 ** 30 });
  assertEquals(defaults.processed, { retentionMs: 86_400_000, retentionBytes: 2 * 2 ** 30 });
  assertEquals(defaults.deadLetter, { retentionMs: 2_592_000_000, retentionBytes: 4 * 2 ** 30 });
  const set = readTopicRetention(envFrom({
    KAFKA_RAW_RETENTION_MS: "3600000",
    KAFKA_DLQ_RETENTION_BYTES: "1048576",
  }));
  assertEquals(set.raw.retentionMs, 3_600_000);
  assertEquals(set.deadLetter.retentionBytes, 1_048_576);
  for (
    const [variable, value] of [["KAFKA_RAW_RETENTION_MS", "1000"], [
      TOPIC_RETENTION.processed.bytesEnv,
      "12k",
    ]]
  ) {
    throws(
      () => readTopicRetention(envFrom({ [variable]: value })),
      (error: unknown) => error instanceof ConfigError && error.message.includes(variable),
    );
  }
});

async function retentionOf(topics: string[]): Promise<Record<string, TopicRetention>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ["retention.ms", "retention.bytes"],
      })),
    });
    return Object.fromEntries(resources.map((resource) => {
      const value = (key: string) =>
        Number(resource.configEntries.find((entry) => entry.configName === key)?.configValue);
      return [resource.resourceName, {
        retentionMs: value("retention.ms"),
        retentionBytes: value("retention.bytes"),
      }];
    }));
  } finally {
    await admin.disconnect();
  }
}

integrationTest(
  "infra creates topics with their retention and puts it back on an existing topic",
  async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const [raw, dlq, older] = ["raw", "dlq", "older"].map((name) =>
      `test-retention-${name}-${suffix}`
    );
    const wanted = readTopicRetention(envFrom({}));
    const brokers = infraConfig().kafkaBrokers;
    try {
      // A topic made before retention was configured: the broker's defaults.
      await ensureTopics(brokers, [older], 1);
      const before = await retentionOf([older]);
      assertEquals(before[older].retentionBytes, -1, "no size limit by default");

      const changed: string[][] = [];
      const map = new Map([[raw, wanted.raw], [dlq, wanted.deadLetter], [older, wanted.raw]]);
      assertEquals(
        (await ensureTopics(brokers, [raw, dlq, older], 1, map, (t) => changed.push(t))).sort(),
        [dlq, raw].sort(),
      );
      assertEquals(changed, [[older]]);
      assertEquals(await retentionOf([raw, dlq, older]), {
        [raw]: wanted.raw,
        [dlq]: wanted.deadLetter,
        [older]: wanted.raw,
      });
      // In line already: nothing created, nothing altered.
      assertEquals(
        await ensureTopics(brokers, [raw, dlq, older], 1, map, (t) => changed.push(t)),
        [],
      );
      assertEquals(changed.length, 1);
    } finally {
      const admin = testKafka().admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [raw, dlq, older] }).catch(() => {});
      await admin.disconnect();
    }
  },
);

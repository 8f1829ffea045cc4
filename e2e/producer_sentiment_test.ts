/**
 * Two real services and the real Kafka: the producer publishes comments and writes their true
 * classes to the side file; the sentiment service tags what landed on the topic over gRPC.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  type AnalyzeSentimentBatchResponse,
  type AnalyzeSentimentRequest,
  createSentimentClient,
} from "@sentiment/contracts/grpc";
import { checkRawComment, type RawComment } from "@sentiment/contracts/messages";
import {
  createTestTopics,
  eventually,
  freePort,
  integrationTest,
  logRecords,
  startService,
  testKafka,
} from "@sentiment/testkit";

const N = 2_000;

async function readComments(topic: string, count: number): Promise<RawComment[]> {
  const consumer = testKafka("e2e").consumer({ groupId: `e2e-${crypto.randomUUID()}` });
  const comments: RawComment[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const check = checkRawComment(message.value);
        if (check.ok) comments.push(check.comment);
        return Promise.resolve();
      },
    });
    await eventually(() => (comments.length >= count ? true : undefined), 60_000, "comments");
  } finally {
    await consumer.disconnect();
  }
  return comments;
}

integrationTest(
  "what the producer publishes, the sentiment service tags as its true class (≥ 95 %)",
  async () => {
    const topics = await createTestTopics(1);
    const truthPath = `.data/producer/e2e-${crypto.randomUUID()}.jsonl`;
    await Deno.mkdir(".data/producer", { recursive: true });
    const port = await freePort();
    const sentiment = startService("sentiment", {
      SENTIMENT_PORT: String(port),
      SENTIMENT_FAILURE_RATIO: "0",
    });
    try {
      const producer = startService("producer", { KAFKA_TOPIC_RAW: topics.raw }, {
        args: ["--burst", "--count", String(N), "--truth-file", truthPath],
      });
      assertEquals((await producer.status).code, 0, producer.lines.slice(-5).join("\n"));
      const truth = new Map<string, string>(
        (await Deno.readTextFile(truthPath)).trim().split("\n").map((line) => {
          const record = JSON.parse(line);
          return [record.commentId, record.trueTag];
        }),
      );
      const comments = await readComments(topics.raw, N);
      assertEquals(comments.length, N);

      await sentiment.waitForLog((_line, record) =>
        record?.message === "Sentiment service listening"
      );
      const client = createSentimentClient(`127.0.0.1:${port}`);
      const items: AnalyzeSentimentRequest[] = comments.map((comment) => ({
        commentId: comment.commentId,
        text: comment.text,
        textHash: "",
        consumerId: "e2e",
      }));
      const response = await new Promise<AnalyzeSentimentBatchResponse>((resolve, reject) =>
        client.AnalyzeSentimentBatch(
          { items, consumerId: "e2e" },
          {},
          (error, value) => error ? reject(error) : resolve(value!),
        )
      );
      assertEquals(response.results.length, N);
      let agreed = 0;
      for (const result of response.results) {
        ok(result.outcome === "result", JSON.stringify(result));
        if (truth.get(result.commentId) === result.result.tag) agreed++;
      }
      ok(agreed / N >= 0.95, `${agreed} of ${N} agree`);
      // The server leaves first (see sentiment/server.ts on GOAWAY under Deno 2.9.6).
      assertEquals((await sentiment.stop()).code, 0);
      client.close();
      // An operator's log is JSON lines only: no deno download lines, no plain Node warnings.
      ok(producer.lines.length > 0 && sentiment.lines.length > 0, "both services logged");
      const plain = (lines: string[]) => lines.filter((line) => logRecords([line]).length === 0);
      assertEquals(plain(producer.lines), [], "the producer printed only JSON lines");
      assertEquals(plain(sentiment.lines), [], "the sentiment service printed only JSON lines");
    } finally {
      await sentiment.stop();
      await Deno.remove(truthPath).catch(() => {});
    }
  },
);

/**
 * Run 2 (pipeline throughput) and run 4 (resources during it): N comments produced in burst
 * mode through sentiment and 1 or 2 consumers into PostgreSQL and processed-comments, then
 * read back and verified. Publish times come from the processed-comments messages' own
 * timestamps (set by the consumer's producer when it sent them), so the bench reads nothing
 * while the run is measured and takes no CPU from the services beyond a count query.
 *
 * @module
 */
import { testKafka } from "@sentiment/testkit";
import { checkRawComment } from "@sentiment/contracts/messages";
import { readTopic, topicSize } from "./kafka.ts";
import {
  delay,
  infraCpu,
  infraCpuDelta,
  ResourceMonitor,
  round,
  type Service,
} from "./processes.ts";
import { createStage, type Stage, startConsumer, startProducer, startSentiment } from "./stage.ts";
import {
  type Completion,
  type EndState,
  type Throughput,
  throughput,
  verifyEndState,
} from "./stats.ts";

export interface PipelineOptions {
  consumers: number;
  count: number;
  /** Directory for the consumers' .cpuprofile files; no profiling when unset. */
  cpuProfileDir?: string;
  say: (line: string) => void;
  /** Runs on the filled raw topic before the stage is torn down (run 1 reuses it). */
  withRawTopic?: (topic: string) => Promise<void>;
  /**
   * Drain mode: the whole burst is on the raw topic before any consumer starts, so nothing
   * competes with the consumers for the cores, and throughput counts from their start.
   */
  drain?: boolean;
  /** Runs on the stage's fresh database before anything starts (run 7 drops an index). */
  prepareDatabase?: (sql: Stage["db"]["sql"]) => Promise<void>;
}

export interface PipelineResult {
  consumers: number;
  /** True for a drain run (see PipelineOptions.drain). */
  drain?: boolean;
  /** Drain runs: when the consumers were started (epoch ms), the clock of `throughput`. */
  consumersStartedAt?: number;
  profiled: boolean;
  produced: number;
  duplicatesSent: number;
  /** Produced messages / (last produce − first produce), messages/s. */
  producerPerSecond: number;
  throughput: Throughput;
  retried: number;
  maxRetryCount: number;
  endState:
    & Omit<EndState, "lost" | "doubled" | "unexpected" | "unpublished" | "storedAndDeadLettered">
    & {
      lost: number;
      doubled: number;
      unexpected: number;
      unpublished: number;
      storedAndDeadLettered: number;
      processedMessages: number;
    };
  resources: Record<string, { peakRssMiB: number; cpuSeconds: number }>;
  /** CPU seconds of Kafka, PostgreSQL and Redis during the run (machine-wide, approximate). */
  infraCpuSeconds: Record<string, number>;
  /** 1-minute load average at the end of the run (other work on the machine shows here). */
  loadAverage: number;
  /** The consumers' own per-step timings (ms summed over passes), from their health endpoint. */
  consumerCounters: Record<string, Record<string, number>>;
}

/** Runs one pipeline measurement; throws when the end state is wrong. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const { say } = options;
  const stage = await createStage();
  await options.prepareDatabase?.(stage.db.sql);
  const services: Service[] = [];
  try {
    const sentiment = await startSentiment();
    services.push(sentiment.service);
    const group = `bench-consumer-${crypto.randomUUID().slice(0, 8)}`;
    const consumers: Service[] = [];
    const healthPorts = new Map<string, string>();
    let preloaded: Awaited<ReturnType<typeof startProducer>>["summary"] | undefined;
    if (options.drain) {
      say(`drain: producing ${options.count} comments before any consumer starts`);
      const loader = startProducer(stage, ["--burst", "--count", String(options.count)]);
      services.push(loader.service);
      preloaded = loader.summary;
      await preloaded;
    }
    const consumersStartedAt = Date.now();
    for (let i = 1; i <= options.consumers; i++) {
      const consumer = await startConsumer(stage, {
        name: `consumer-${i}`,
        group,
        sentimentAddress: sentiment.address,
        denoFlags: options.cpuProfileDir
          ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`]
          : [],
      });
      consumers.push(consumer);
      services.push(consumer);
      const start = consumer.lines.find((line) => line.includes("Health endpoint listening"));
      if (start) healthPorts.set(consumer.name, String(JSON.parse(start).port));
    }
    if (options.consumers > 1) {
      // Let the group settle so every instance owns its share before the burst.
      await Promise.all(consumers.map((c) =>
        c.waitForLog(
          (_line, record) =>
            record?.message === "Joined the consumer group" &&
            Array.isArray(record.partitions) && record.partitions.length < 6,
          60_000,
        )
      ));
    }
    say(`services ready (sentiment, ${options.consumers} consumer(s)); producing ${options.count}`);

    const before = await infraCpu();
    const producer = preloaded
      ? { summary: preloaded, service: services[services.length - 1] }
      : startProducer(stage, ["--burst", "--count", String(options.count)]);
    if (!preloaded) services.push(producer.service);
    const monitor = new ResourceMonitor(
      options.drain ? [...consumers, sentiment.service] : services,
    );
    await monitor.start();

    const kafka = testKafka("bench-pipeline");
    const admin = kafka.admin();
    await admin.connect();
    let expected: number | undefined;
    let producerDoneAt = 0;
    void producer.summary.then((summary) => {
      expected = summary.published - summary.duplicates;
      producerDoneAt = Date.now();
    }, () => {});
    const startedAt = Date.now();
    let lastStored = 0;
    let lastAt = startedAt;
    for (;;) {
      await delay(2_000);
      const [{ stored }] = await stage.db.sql<{ stored: number }[]>`
        SELECT count(*)::int AS stored FROM comments`;
      const [raw, dlq] = await Promise.all([
        topicSize(admin, stage.topics.raw),
        topicSize(admin, stage.topics.deadLetter),
      ]);
      const now = Date.now();
      const rate = (stored - lastStored) / ((now - lastAt) / 1000);
      lastStored = stored;
      lastAt = now;
      say(
        `  ${
          ((now - startedAt) / 1000).toFixed(0).padStart(3)
        } s  produced ${raw}  stored ${stored}` +
          `  dead-lettered ${dlq}  (${rate.toFixed(0)}/s)` +
          (expected !== undefined ? `  expecting ${expected}` : ""),
      );
      if (producer.service.exited && expected === undefined) {
        throw new Error(`producer failed:\n${producer.service.lines.slice(-10).join("\n")}`);
      }
      for (const c of consumers) {
        if (c.exited) throw new Error(`${c.name} exited:\n${c.lines.slice(-10).join("\n")}`);
      }
      if (expected !== undefined && stored + dlq >= expected) break;
      // Retries wait at most 1+2+4+8+16 s; far more than that after the producer means stuck.
      if (producerDoneAt > 0 && now - producerDoneAt > 120_000) {
        say(`  not complete 120 s after the producer finished; verifying what is there`);
        break;
      }
    }
    await monitor.stop();
    const infraSeconds = infraCpuDelta(before, await infraCpu());
    const consumerCounters: Record<string, Record<string, number>> = {};
    for (const [name, port] of healthPorts) {
      try {
        const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
        consumerCounters[name] = health.counters;
        if (Array.isArray(health.down) && health.down.length > 0) {
          say(`  ${name} reports dependencies down: ${JSON.stringify(health.down)}`);
        }
      } catch { /* reported as missing */ }
    }
    await admin.disconnect();
    say("stopping the services");
    // Consumers first so their final commits and profiles are written.
    await Promise.all(consumers.map((c) => c.stop(30_000)));
    await Promise.all(services.map((s) => s.stop()));

    say("reading raw-comments, processed-comments and the dead-letter queue back");
    const rawValidIds: string[] = [];
    let firstProducedAt = Infinity;
    let lastProducedAt = 0;
    const produced = await readTopic(kafka, stage.topics.raw, (message) => {
      if (message.timestamp < firstProducedAt) firstProducedAt = message.timestamp;
      if (message.timestamp > lastProducedAt) lastProducedAt = message.timestamp;
      const check = checkRawComment(message.value);
      if (check.ok) rawValidIds.push(check.comment.commentId);
    });
    const firstPublish = new Map<string, number>();
    const processedMessages = await readTopic(kafka, stage.topics.processed, (message) => {
      const { commentId } = JSON.parse(new TextDecoder().decode(message.value!));
      const seen = firstPublish.get(commentId);
      if (seen === undefined || message.timestamp < seen) {
        firstPublish.set(commentId, message.timestamp);
      }
    });
    const deadLetteredIds: string[] = [];
    await readTopic(kafka, stage.topics.deadLetter, (message) => {
      const letter = JSON.parse(new TextDecoder().decode(message.value!));
      if (letter.reason === "sentiment_retries_exhausted" && letter.commentId) {
        deadLetteredIds.push(letter.commentId);
      }
    });
    const rows = await stage.db.sql<{ id: string; retry: number }[]>`
      SELECT comment_id::text AS id, retry_count AS retry FROM comments`;
    const endState = verifyEndState({
      rawValidIds,
      storedIds: rows.map((row) => row.id),
      deadLetteredIds,
      publishedIds: firstPublish.keys(),
    });
    const completions: Completion[] = [];
    let retried = 0;
    let maxRetryCount = 0;
    for (const row of rows) {
      const publishedAt = firstPublish.get(row.id);
      if (publishedAt === undefined) continue;
      completions.push({ publishedAt, retryCount: row.retry });
      if (row.retry > 0) retried++;
      if (row.retry > maxRetryCount) maxRetryCount = row.retry;
    }
    const result: PipelineResult = {
      consumers: options.consumers,
      ...(options.drain ? { drain: true, consumersStartedAt } : {}),
      profiled: options.cpuProfileDir !== undefined,
      produced,
      duplicatesSent: produced - endState.distinctValid,
      producerPerSecond: round(
        produced / Math.max(0.001, (lastProducedAt - firstProducedAt) / 1000),
      ),
      throughput: throughput(options.drain ? consumersStartedAt : firstProducedAt, completions),
      retried,
      maxRetryCount,
      endState: {
        ...endState,
        lost: endState.lost.length,
        doubled: endState.doubled.length,
        unexpected: endState.unexpected.length,
        unpublished: endState.unpublished.length,
        storedAndDeadLettered: endState.storedAndDeadLettered.length,
        processedMessages,
      },
      resources: monitor.report(),
      infraCpuSeconds: Object.fromEntries(
        Object.entries(infraSeconds).map(([name, seconds]) => [name, round(seconds, 1)]),
      ),
      consumerCounters,
      loadAverage: round(Deno.loadavg()[0], 2),
    };
    if (!endState.ok) {
      for (const service of services) {
        say(`last lines of ${service.name}:\n    ${service.lines.slice(-8).join("\n    ")}`);
      }
      const sample = (ids: string[]) => ids.slice(0, 5).join(", ") || "-";
      throw new EndStateError(
        `END STATE WRONG with ${options.consumers} consumer(s): ` +
          `lost ${endState.lost.length} (${sample(endState.lost)}), ` +
          `doubled ${endState.doubled.length} (${sample(endState.doubled)}), ` +
          `unexpected ${endState.unexpected.length}, ` +
          `stored but not published ${endState.unpublished.length} (${
            sample(endState.unpublished)
          }), ` +
          `stored and dead-lettered ${endState.storedAndDeadLettered.length}`,
        result,
      );
    }
    await options.withRawTopic?.(stage.topics.raw);
    return result;
  } finally {
    await Promise.all(services.map((s) => s.stop(5_000)));
    await stage.close();
  }
}

/** A run whose end state is wrong; carries what was measured for the record. */
export class EndStateError extends Error {
  constructor(message: string, readonly result: PipelineResult) {
    super(message);
  }
}

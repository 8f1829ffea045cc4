/**
 * A single-node Apache Kafka (KRaft, broker and controller in one process) run from the jars on
 * Maven Central, on the Debian JDK. Jars are fetched once into the cache folder; storage is
 * formatted once and reused.
 *
 * @module
 */
import { join } from "node:path";
import { type Admin, type ITopicConfig, Kafka, logLevel } from "kafkajs";
import type { DataPaths } from "./paths.ts";
import { PROJECT_ROOT } from "./paths.ts";
import {
  background,
  delay,
  isListening,
  lastLines,
  run,
  runningPid,
  spawnBackground,
  stopBackground,
  waitUntil,
} from "./processes.ts";
import { listensOn } from "./proc.ts";
import { hostPort, type InfraSettings } from "./settings.ts";
import {
  applyTopicRetention,
  retentionConfigEntries,
  type TopicRetention,
} from "./topic_retention.ts";

/** Pinned in infra/kafka/pom.xml; read from there so the two cannot disagree. */
async function kafkaVersion(): Promise<string> {
  const pom = await Deno.readTextFile(join(PROJECT_ROOT, "infra/kafka/pom.xml"));
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match) throw new Error("infra/kafka/pom.xml has no <kafka.version>");
  return match[1];
}

export async function kafkaLibDir(paths: DataPaths): Promise<string> {
  return join(paths.cache, "kafka", await kafkaVersion(), "libs");
}

/** Fetches the broker jars with Maven unless they are already in the cache. */
export async function ensureKafkaJars(
  paths: DataPaths,
  log: (line: string) => void,
): Promise<string> {
  const libs = await kafkaLibDir(paths);
  const marker = join(libs, ".complete");
  if (await Deno.stat(marker).then(() => true, () => false)) return libs;
  log(`fetching Kafka ${await kafkaVersion()} jars from Maven Central into ${libs}`);
  await Deno.mkdir(libs, { recursive: true });
  await run("mvn", [
    "-q",
    "-B",
    "-f",
    join(PROJECT_ROOT, "infra/kafka/pom.xml"),
    "dependency:copy-dependencies",
    `-DoutputDirectory=${libs}`,
    "-DincludeScope=runtime",
  ], { what: "fetching the Kafka jars with Maven" });
  await Deno.writeTextFile(marker, new Date().toISOString());
  return libs;
}

export function kafkaProcess(paths: DataPaths) {
  return background("kafka", paths.run, paths.logs);
}

function serverProperties(settings: InfraSettings, dataDir: string): string {
  const { hostname, port } = hostPort(settings.kafkaBrokers[0]);
  const controller = `${hostname}:${settings.kafkaControllerPort}`;
  return [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.bootstrap.servers=${controller}`,
    `listeners=PLAINTEXT://${hostname}:${port},CONTROLLER://${controller}`,
    `advertised.listeners=PLAINTEXT://${hostname}:${port}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    `log.dirs=${join(dataDir, "storage")}`,
    `num.partitions=${settings.kafkaPartitions}`,
    // One node: every internal topic has one replica.
    "offsets.topic.replication.factor=1",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    // Topics are created on purpose, with the configured partition count.
    "auto.create.topics.enable=false",
    "log.retention.hours=168",
    "",
  ].join("\n");
}

const LOG4J2_PROPERTIES = `
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.org.name = org.apache.kafka
logger.org.level = WARN
`;

/** Starts Kafka unless it is already listening; returns true when this call started it. */
export async function startKafka(
  settings: InfraSettings,
  paths: DataPaths,
  log: (line: string) => void,
  timeoutMs = 90_000,
): Promise<boolean> {
  const { hostname, port } = hostPort(settings.kafkaBrokers[0]);
  if (await isListening(hostname, port)) return false;
  if (!settings.kafkaIsDefault) {
    throw new Error(`KAFKA_BROKERS: nothing answers at ${settings.kafkaBrokers.join(",")}`);
  }
  const command = await prepareKafka(settings, paths, log);
  const proc = kafkaProcess(paths);
  const pid = await spawnBackground(proc, command);
  await waitUntil(
    async () => {
      if ((await runningPid(proc)) === undefined) {
        throw new Error(
          `Kafka exited during start-up; see ${proc.logFile}:\n${await lastLines(proc.logFile)}`,
        );
      }
      // Its own socket, not whatever else answers the port.
      return await listensOn(pid, port);
    },
    timeoutMs,
    () =>
      `Kafka did not listen on ${hostname}:${port} within ${
        timeoutMs / 1000
      } s; see ${proc.logFile}`,
  );
  return true;
}

/**
 * Everything before the broker runs: the jars, its configuration files and (on first use) its
 * formatted storage under `paths.data`; returns the command that runs it.
 */
export async function prepareKafka(
  settings: InfraSettings,
  paths: DataPaths,
  log: (line: string) => void,
): Promise<string[]> {
  const libs = await ensureKafkaJars(paths, log);
  const dataDir = join(paths.data, "kafka");
  await Deno.mkdir(dataDir, { recursive: true });
  const properties = join(dataDir, "server.properties");
  await Deno.writeTextFile(properties, serverProperties(settings, dataDir));
  await Deno.writeTextFile(join(dataDir, "log4j2.properties"), LOG4J2_PROPERTIES);
  const classpath = `${libs}/*`;
  const formatted = await Deno.stat(join(dataDir, "storage", "meta.properties")).then(
    () => true,
    () => false,
  );
  if (!formatted) {
    log("formatting Kafka storage (first start)");
    const clusterId =
      (await run("java", ["-cp", classpath, "kafka.tools.StorageTool", "random-uuid"]))
        .trim().split("\n").pop()!;
    await run("java", [
      "-cp",
      classpath,
      "kafka.tools.StorageTool",
      "format",
      "--standalone",
      "-t",
      clusterId,
      "-c",
      properties,
    ], { what: "formatting Kafka storage" });
  }
  return [
    "java",
    `-Xms${Math.min(512, settings.kafkaHeapMb)}m`,
    `-Xmx${settings.kafkaHeapMb}m`,
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${join(dataDir, "log4j2.properties")}`,
    `-Dkafka.logs.dir=${paths.logs}`,
    "-cp",
    classpath,
    "kafka.Kafka",
    properties,
  ];
}

export async function stopKafka(paths: DataPaths): Promise<boolean> {
  return await stopBackground(kafkaProcess(paths), 60_000);
}

function adminClient(brokers: string[]) {
  return new Kafka({
    clientId: "sentiment-infra",
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 200 },
  }).admin();
}

/**
 * Creates the topics that do not exist yet, with their retention (topic_retention.ts) when one
 * is given; an existing topic keeps its partitions but gets that retention if it differs
 * (`onRetentionSet` hears which). Returns the topics created.
 */
export async function ensureTopics(
  brokers: string[],
  topics: string[],
  partitions: number,
  retention: ReadonlyMap<string, TopicRetention> = new Map(),
  onRetentionSet: (topics: string[]) => void = () => {},
): Promise<string[]> {
  const admin = adminClient(brokers);
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await createTopicsWithLeaders(
        admin,
        missing.map((topic) => {
          const limits = retention.get(topic);
          return {
            topic,
            numPartitions: partitions,
            replicationFactor: 1,
            ...(limits ? { configEntries: retentionConfigEntries(limits) } : {}),
          };
        }),
      );
    }
    const older = new Map([...retention].filter(([topic]) => existing.has(topic)));
    const changed = await applyTopicRetention(admin, older);
    if (changed.length > 0) onRetentionSet(changed);
    return missing;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates topics and returns once every partition has a leader. kafkajs's own
 * `waitForLeaders` gives up with "This server does not host this topic-partition" when the
 * broker's metadata does not list a topic it has just created, which a KRaft broker does for a
 * moment; here that answer, like a missing leader, means "not yet".
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: ITopicConfig[],
  timeoutMs = 30_000,
): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((topic) => topic.topic);
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0;; attempt++) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      const ready = names.every((name) => {
        const partitions = found.find((topic) => topic.name === name)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
      });
      if (ready) return;
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type !== "UNKNOWN_TOPIC_OR_PARTITION" && type !== "LEADER_NOT_AVAILABLE") throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`topics ${names.join(", ")} have no leader after ${timeoutMs} ms`);
    }
    await delay(Math.min(50 * 2 ** attempt, 500));
  }
}

/** True when the broker answers metadata requests (not just TCP). */
export async function kafkaHealthy(brokers: string[]): Promise<boolean> {
  const admin = adminClient(brokers);
  try {
    await Promise.race([
      (async () => {
        await admin.connect();
        await admin.describeCluster();
      })(),
      delay(5_000).then(() => {
        throw new Error("timeout");
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Lag of every consumer group, per topic: the sum over partitions of end offset − committed. */
export async function consumerGroupLag(
  brokers: string[],
): Promise<{ group: string; topic: string; lag: number }[]> {
  const admin = adminClient(brokers);
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const rows: { group: string; topic: string; lag: number }[] = [];
    for (const { groupId } of groups) {
      const committed = await admin.fetchOffsets({ groupId });
      for (const { topic, partitions } of committed) {
        const ends = new Map(
          (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]),
        );
        let lag = 0;
        for (const { partition, offset } of partitions) {
          const end = ends.get(partition) ?? 0;
          lag += Number(offset) < 0 ? end : Math.max(0, end - Number(offset));
        }
        rows.push({ group: groupId, topic, lag });
      }
    }
    return rows;
  } finally {
    await admin.disconnect();
  }
}

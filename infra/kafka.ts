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

/** One broker (with its KRaft controller in the same process) of a local Kafka. */
export interface KafkaNodeSpec {
  nodeId: number;
  /** The address both listeners bind to and the broker advertises. */
  host: string;
  port: number;
  controllerPort: number;
  /**
   * The controller quorum as `id@host:port`. One entry is a standalone quorum (formatted with
   * `--standalone`); several are a static quorum every node is formatted with.
   */
  voters: string[];
  /** Its configuration and storage. */
  dataDir: string;
  /** Where the broker writes its own log files. */
  logsDir: string;
  partitions: number;
  /** Replicas of the internal topics (offsets, transactions, share state). */
  replicationFactor: number;
  minInsyncReplicas: number;
  heapMb: number;
}

/** Node names: `kafka` alone, `kafka-1` … `kafka-n` in a cluster (pid files, logs, data). */
export function kafkaNodeName(nodeId: number, nodes: number): string {
  return nodes === 1 ? "kafka" : `kafka-${nodeId}`;
}

/** The local nodes the settings describe, each with its own ports and storage. */
export function kafkaNodeSpecs(settings: InfraSettings, paths: DataPaths): KafkaNodeSpec[] {
  const nodes = settings.kafkaNodes;
  const addresses = Array.from({ length: nodes }, (_, n) => {
    const { hostname, port } = hostPort(settings.kafkaBrokers[n] ?? settings.kafkaBrokers[0]);
    return {
      nodeId: n + 1,
      host: hostname,
      port,
      controllerPort: settings.kafkaControllerPort + 2 * n,
    };
  });
  const voters = addresses.map((node) => `${node.nodeId}@${node.host}:${node.controllerPort}`);
  return addresses.map((address) => ({
    ...address,
    voters,
    dataDir: join(paths.data, kafkaNodeName(address.nodeId, nodes)),
    logsDir: paths.logs,
    partitions: settings.kafkaPartitions,
    replicationFactor: settings.kafkaReplicationFactor,
    minInsyncReplicas: settings.kafkaMinInsyncReplicas,
    heapMb: settings.kafkaHeapMb,
  }));
}

export function kafkaProcess(paths: DataPaths, name = "kafka") {
  return background(name, paths.run, paths.logs);
}

/** The process of every node a data folder may hold pid files for (either mode). */
async function kafkaProcesses(paths: DataPaths) {
  const names = new Set(["kafka"]);
  try {
    for await (const entry of Deno.readDir(paths.run)) {
      const match = /^(kafka-\d+)\.pid$/.exec(entry.name);
      if (match) names.add(match[1]);
    }
  } catch {
    // No run folder: nothing was started from here.
  }
  return [...names].map((name) => kafkaProcess(paths, name));
}

function serverProperties(node: KafkaNodeSpec): string {
  const controller = `${node.host}:${node.controllerPort}`;
  const quorum = node.voters.length === 1
    ? `controller.quorum.bootstrap.servers=${controller}`
    : `controller.quorum.voters=${node.voters.join(",")}`;
  return [
    "process.roles=broker,controller",
    `node.id=${node.nodeId}`,
    quorum,
    `listeners=PLAINTEXT://${node.host}:${node.port},CONTROLLER://${controller}`,
    `advertised.listeners=PLAINTEXT://${node.host}:${node.port}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    `log.dirs=${join(node.dataDir, "storage")}`,
    `num.partitions=${node.partitions}`,
    // The internal topics have as many replicas as the cluster gives its own (1 on one node).
    `offsets.topic.replication.factor=${node.replicationFactor}`,
    `transaction.state.log.replication.factor=${node.replicationFactor}`,
    `transaction.state.log.min.isr=${node.minInsyncReplicas}`,
    `share.coordinator.state.topic.replication.factor=${node.replicationFactor}`,
    `share.coordinator.state.topic.min.isr=${node.minInsyncReplicas}`,
    `default.replication.factor=${node.replicationFactor}`,
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

/**
 * Starts every local node that is not already listening; returns true when this call started
 * one. A cluster's nodes are all spawned before any is waited for: none serves before the
 * quorum has a majority.
 */
export async function startKafka(
  settings: InfraSettings,
  paths: DataPaths,
  log: (line: string) => void,
  timeoutMs = 90_000,
): Promise<boolean> {
  const nodes = kafkaNodeSpecs(settings, paths);
  const down = [];
  for (const node of nodes) if (!(await isListening(node.host, node.port))) down.push(node);
  if (down.length === 0) return false;
  if (!settings.kafkaIsDefault) {
    throw new Error(`KAFKA_BROKERS: nothing answers at ${settings.kafkaBrokers.join(",")}`);
  }
  const libs = await ensureKafkaJars(paths, log);
  const clusterId = await kafkaClusterId(nodes, paths, libs);
  const spawned = [];
  for (const node of down) {
    const command = await prepareKafkaNode(node, libs, clusterId, log);
    const proc = kafkaProcess(paths, kafkaNodeName(node.nodeId, nodes.length));
    spawned.push({ node, proc, pid: await spawnBackground(proc, command) });
  }
  await Promise.all(spawned.map(({ node, proc, pid }) =>
    waitUntil(
      async () => {
        if ((await runningPid(proc)) === undefined) {
          throw new Error(
            `Kafka exited during start-up; see ${proc.logFile}:\n${await lastLines(proc.logFile)}`,
          );
        }
        // Its own socket, not whatever else answers the port.
        return await listensOn(pid, node.port);
      },
      timeoutMs,
      () =>
        `Kafka did not listen on ${node.host}:${node.port} within ${
          timeoutMs / 1000
        } s; see ${proc.logFile}`,
    )
  ));
  return true;
}

/**
 * The id every node of this data folder is formatted with: read from a formatted node's
 * storage, else from the folder's record of it, else made and recorded (so a node formatted
 * later, or again after its storage was removed, joins the same cluster).
 */
async function kafkaClusterId(
  nodes: KafkaNodeSpec[],
  paths: DataPaths,
  libs: string,
): Promise<string> {
  for (const node of nodes) {
    const meta = await Deno.readTextFile(join(node.dataDir, "storage", "meta.properties")).catch(
      () => "",
    );
    const id = /^cluster\.id=(\S+)$/m.exec(meta)?.[1];
    if (id) return id;
  }
  const record = join(paths.data, nodes.length === 1 ? "kafka" : "kafka-cluster", "cluster.id");
  const recorded = (await Deno.readTextFile(record).catch(() => "")).trim();
  if (recorded) return recorded;
  const id = (await run("java", ["-cp", `${libs}/*`, "kafka.tools.StorageTool", "random-uuid"]))
    .trim().split("\n").pop()!;
  await Deno.mkdir(join(record, ".."), { recursive: true });
  await Deno.writeTextFile(record, id);
  return id;
}

/**
 * Everything before a node runs: its configuration files and (on first use) its formatted
 * storage under `node.dataDir`; returns the command that runs it.
 */
export async function prepareKafkaNode(
  node: KafkaNodeSpec,
  libs: string,
  clusterId: string,
  log: (line: string) => void,
): Promise<string[]> {
  const dataDir = node.dataDir;
  await Deno.mkdir(dataDir, { recursive: true });
  const properties = join(dataDir, "server.properties");
  await Deno.writeTextFile(properties, serverProperties(node));
  await Deno.writeTextFile(join(dataDir, "log4j2.properties"), LOG4J2_PROPERTIES);
  const classpath = `${libs}/*`;
  const formatted = await Deno.stat(join(dataDir, "storage", "meta.properties")).then(
    () => true,
    () => false,
  );
  if (!formatted) {
    log(`formatting Kafka storage of node ${node.nodeId} (first start)`);
    await run("java", [
      "-cp",
      classpath,
      "kafka.tools.StorageTool",
      "format",
      ...(node.voters.length === 1 ? ["--standalone"] : []),
      "-t",
      clusterId,
      "-c",
      properties,
    ], { what: `formatting Kafka storage of node ${node.nodeId}` });
  }
  return [
    "java",
    `-Xms${Math.min(512, node.heapMb)}m`,
    `-Xmx${node.heapMb}m`,
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${join(dataDir, "log4j2.properties")}`,
    `-Dkafka.logs.dir=${node.logsDir}`,
    "-cp",
    classpath,
    "kafka.Kafka",
    properties,
  ];
}

/** The jars, the one node's files and storage; returns the command that runs it. */
export async function prepareKafka(
  settings: InfraSettings,
  paths: DataPaths,
  log: (line: string) => void,
): Promise<string[]> {
  const nodes = kafkaNodeSpecs({ ...settings, kafkaNodes: 1 }, paths);
  const libs = await ensureKafkaJars(paths, log);
  return await prepareKafkaNode(nodes[0], libs, await kafkaClusterId(nodes, paths, libs), log);
}

/** Stops every node this data folder started, in either mode; true when one was running. */
export async function stopKafka(paths: DataPaths): Promise<boolean> {
  const stopped = await Promise.all(
    (await kafkaProcesses(paths)).map((proc) => stopBackground(proc, 60_000)),
  );
  return stopped.some(Boolean);
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
  replication: { factor: number; minInsync: number } = { factor: 1, minInsync: 1 },
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
          const config = topicConfig(topic, partitions, replication);
          const limits = retention.get(topic);
          if (limits) {
            config.configEntries = [
              ...(config.configEntries ?? []),
              ...retentionConfigEntries(limits),
            ];
          }
          return config;
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
 * A topic with `factor` replicas; writes (acks=all) need `minInsync` of them, so with 3 and 2
 * one broker may be down without losing a write or refusing one.
 */
export function topicConfig(
  topic: string,
  partitions: number,
  replication: { factor: number; minInsync: number },
): ITopicConfig {
  return {
    topic,
    numPartitions: partitions,
    replicationFactor: replication.factor,
    configEntries: [{ name: "min.insync.replicas", value: String(replication.minInsync) }],
  };
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

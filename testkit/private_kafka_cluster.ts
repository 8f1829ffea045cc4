/**
 * A Kafka cluster of a test's own: three KRaft nodes (each broker and controller in one
 * process) with replication factor 3 and min.insync.replicas 2, on free ports in a temporary
 * folder, so a test can kill -9 a node, restart one after another, or run the whole cluster in
 * a network namespace, while other test files keep the shared broker. Same jars and
 * configuration as `KAFKA_NODES=3 deno task infra start` (`prepareKafkaNode`), with small heaps.
 * The nodes are this process's children: a test sandbox needs only `run`.
 *
 * @module
 */
import { join } from "node:path";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { dataPaths, PROJECT_ROOT } from "@sentiment/infra/paths";
import {
  createTopicsWithLeaders,
  ensureKafkaJars,
  type KafkaNodeSpec,
  prepareKafkaNode,
  topicConfig,
} from "@sentiment/infra/kafka";
import { delay, run } from "@sentiment/infra/processes";

/** One node of a {@link PrivateKafkaCluster}. */
export interface PrivateKafkaNode {
  nodeId: number;
  /** `host:port` of its broker listener. */
  address: string;
  /** Whether its process runs (started and not yet ended). */
  readonly running: boolean;
  /** kill -9, and waits until the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a controlled shutdown: it hands its leaderships over first), then waits. */
  stop(): Promise<void>;
  /** Starts it again on the same storage; resolves once it says it has started. */
  start(): Promise<void>;
}

/** A cluster started by {@link startPrivateKafkaCluster}. */
export interface PrivateKafkaCluster {
  /** Every broker's `host:port`, for KAFKA_BROKERS. */
  brokers: string[];
  nodes: PrivateKafkaNode[];
  replication: { factor: number; minInsync: number };
  /** Creates topics with the cluster's replication; resolves once each partition has a leader. */
  createTopics(names: string[], partitions: number): Promise<void>;
  /** How many partitions of `topics` each node leads. */
  leaderCounts(topics: string[]): Promise<Map<number, number>>;
  /** Partitions of `topics` whose in-sync replicas are fewer than their replicas. */
  underReplicated(topics: string[]): Promise<number>;
  /** Stops every node (SIGTERM, then SIGKILL) and removes the data folder. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@link startPrivateKafkaCluster}. */
export interface PrivateClusterOptions {
  nodes?: number;
  /** The address every node binds to (default 127.0.0.1). */
  host?: string;
  /** Ports to use, two per node (broker, controller); default free loopback ports. */
  ports?: number[];
  /** A prefix for each node's command, e.g. `["ip", "netns", "exec", "kafka-ns"]`. */
  wrap?: string[];
  heapMb?: number;
  /**
   * Whether this process can reach the nodes (false for a cluster in another network
   * namespace: then the admin helpers cannot be used).
   */
  reachable?: boolean;
}

async function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return await Promise.resolve(port);
}

/** The line a KRaft node logs once its broker serves (kafka.server.KafkaRaftServer). */
const STARTED = /Kafka Server started/;
const START_TIMEOUT_MS = 120_000;

/** Starts a private cluster and waits until every node has started. */
export async function startPrivateKafkaCluster(
  options: PrivateClusterOptions = {},
): Promise<PrivateKafkaCluster> {
  const count = options.nodes ?? 3;
  const host = options.host ?? "127.0.0.1";
  const ports = options.ports ?? [];
  for (let i = ports.length; i < 2 * count; i++) ports.push(await freePort());
  const root = await Deno.makeTempDir({ prefix: "private-kafka-cluster-" });
  const logs = join(root, "logs");
  await Deno.mkdir(logs, { recursive: true });
  const replication = {
    factor: Math.min(count, 3),
    minInsync: Math.max(1, Math.min(count, 3) - 1),
  };
  const specs: KafkaNodeSpec[] = Array.from({ length: count }, (_, n) => ({
    nodeId: n + 1,
    host,
    port: ports[2 * n],
    controllerPort: ports[2 * n + 1],
    voters: [],
    dataDir: join(root, `kafka-${n + 1}`),
    logsDir: join(logs, `kafka-${n + 1}`),
    partitions: 3,
    replicationFactor: replication.factor,
    minInsyncReplicas: replication.minInsync,
    heapMb: options.heapMb ?? 384,
  }));
  const voters = specs.map((spec) => `${spec.nodeId}@${host}:${spec.controllerPort}`);
  for (const spec of specs) spec.voters = voters;
  const libs = await ensureKafkaJars(dataPaths(), () => {});
  const clusterId =
    (await run("java", ["-cp", `${libs}/*`, "kafka.tools.StorageTool", "random-uuid"]))
      .trim().split("\n").pop()!;
  const nodes = specs.map((spec) => privateNode(spec, libs, clusterId, options.wrap ?? []));
  // A test process that ends without disposing must not leave brokers behind.
  const killOnExit = () => nodes.forEach((node) => node.killNow());
  globalThis.addEventListener("unload", killOnExit);
  const brokers = specs.map((spec) => `${host}:${spec.port}`);
  const withAdmin = async <T>(work: (admin: Admin) => Promise<T>): Promise<T> => {
    if (options.reachable === false) throw new Error("the cluster is not reachable from here");
    const admin = new Kafka({ clientId: "private-cluster", brokers, logLevel: logLevel.NOTHING })
      .admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  };
  const cluster: PrivateKafkaCluster = {
    brokers,
    nodes,
    replication,
    createTopics: (names, partitions) =>
      options.reachable === false
        ? createTopicsFrom(options.wrap ?? [], brokers, names, partitions, replication)
        : withAdmin((admin) =>
          createTopicsWithLeaders(
            admin,
            names.map((name) => topicConfig(name, partitions, replication)),
          )
        ),
    leaderCounts: (topics) =>
      withAdmin(async (admin) => {
        const counts = new Map(specs.map((spec) => [spec.nodeId, 0]));
        const { topics: found } = await admin.fetchTopicMetadata({ topics });
        for (const topic of found) {
          for (const partition of topic.partitions) {
            counts.set(partition.leader, (counts.get(partition.leader) ?? 0) + 1);
          }
        }
        return counts;
      }),
    underReplicated: (topics) =>
      withAdmin(async (admin) => {
        const { topics: found } = await admin.fetchTopicMetadata({ topics });
        return found.flatMap((topic) => topic.partitions)
          .filter((partition) => partition.isr.length < partition.replicas.length).length;
      }),
    async [Symbol.asyncDispose]() {
      await Promise.all(nodes.map((node) => node.stop()));
      globalThis.removeEventListener("unload", killOnExit);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
  try {
    await Promise.all(nodes.map((node) => node.start()));
  } catch (error) {
    await cluster[Symbol.asyncDispose]();
    throw error;
  }
  return cluster;
}

/** Creates topics from where the cluster is reachable (inside its network namespace). */
async function createTopicsFrom(
  wrap: string[],
  brokers: string[],
  names: string[],
  partitions: number,
  replication: { factor: number; minInsync: number },
): Promise<void> {
  const [program, ...prefix] = [...wrap, Deno.execPath()];
  const output = await new Deno.Command(program, {
    args: [
      ...prefix,
      "run",
      "-P=infra",
      join(PROJECT_ROOT, "infra", "create_topics.ts"),
      brokers.join(","),
      String(partitions),
      String(replication.factor),
      String(replication.minInsync),
      ...names,
    ],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`creating topics failed: ${new TextDecoder().decode(output.stderr)}`);
  }
}

/** A node as this process's child, with its output appended to its own log file. */
function privateNode(
  spec: KafkaNodeSpec,
  libs: string,
  clusterId: string,
  wrap: string[],
): PrivateKafkaNode & { killNow(): void } {
  const logFile = join(spec.logsDir, "kafka.log");
  let child: Deno.ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let running = false;
  const signal = (name: Deno.Signal) => {
    try {
      if (running) child?.kill(name);
    } catch {
      // Already gone.
    }
  };
  const start = async () => {
    await Deno.mkdir(spec.logsDir, { recursive: true });
    const [command, ...args] = [
      ...wrap,
      ...await prepareKafkaNode(spec, libs, clusterId, () => {}),
    ];
    const log = await Deno.open(logFile, { create: true, append: true, write: true });
    child = new Deno.Command(command, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
    running = true;
    let started: () => void = () => {};
    const ready = new Promise<void>((resolve) => started = resolve);
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      let pending = "";
      for await (const chunk of stream) {
        await log.write(chunk);
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        if (lines.some((line) => STARTED.test(line))) started();
      }
    };
    const output = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
    exited = child.status.then(async () => {
      running = false;
      await output;
      log.close();
    });
    const outcome = await Promise.race([
      ready.then(() => "started"),
      exited.then(() => "exited"),
      delay(START_TIMEOUT_MS).then(() => "timeout"),
    ]);
    if (outcome !== "started") {
      signal("SIGKILL");
      await exited;
      const tail = (await Deno.readTextFile(logFile)).split("\n").slice(-30).join("\n");
      throw new Error(`private Kafka node ${spec.nodeId} ${outcome}; ${logFile}:\n${tail}`);
    }
  };
  const kill = async () => {
    signal("SIGKILL");
    await exited;
  };
  const stop = async () => {
    signal("SIGTERM");
    // A node whose quorum is gone (the others stopped first) may wait for it: not for long.
    const timer = setTimeout(() => signal("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    nodeId: spec.nodeId,
    address: `${spec.host}:${spec.port}`,
    get running() {
      return running;
    },
    kill,
    stop,
    start,
    killNow: () => signal("SIGKILL"),
  };
}

/**
 * What `status` says about a local Kafka cluster (KAFKA_NODES > 1): each node and whether it
 * serves, which node is the active controller, and how many partitions have fewer in-sync
 * replicas than replicas (a node down or still catching up).
 *
 * The active controller is read from the nodes' own KRaft quorum state (the file each voter
 * keeps beside its metadata log) rather than from a broker's metadata answer, in which a KRaft
 * broker names a random broker as "controller" because clients cannot reach the quorum.
 *
 * @module
 */
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { DataPaths } from "./paths.ts";
import { kafkaNodeName, kafkaNodeSpecs } from "./kafka.ts";
import { delay, isListening } from "./processes.ts";
import type { InfraSettings } from "./settings.ts";

/** One status row: a name, whether it is all right, what to print. */
export interface ClusterRow {
  name: string;
  healthy: boolean;
  detail: string;
}

/** The quorum leader a node last knew, from its `quorum-state` file. */
export function parseQuorumState(text: string): { leaderId: number; epoch: number } | undefined {
  try {
    const state = JSON.parse(text);
    if (Number.isInteger(state.leaderId) && Number.isInteger(state.leaderEpoch)) {
      return { leaderId: state.leaderId, epoch: state.leaderEpoch };
    }
  } catch {
    // Half written or not ours: no answer from this node.
  }
  return undefined;
}

/** The leader of the newest epoch among the nodes that serve (-1 when none knows one). */
export function activeController(
  states: ({ leaderId: number; epoch: number } | undefined)[],
): number {
  const known = states.filter((state) => state !== undefined && state.leaderId >= 0);
  known.sort((a, b) => b!.epoch - a!.epoch);
  return known[0]?.leaderId ?? -1;
}

/** Partition counts over every topic: led by each node, and under-replicated. */
async function partitionFigures(brokers: string[]) {
  const admin = new Kafka({ clientId: "sentiment-status", brokers, logLevel: logLevel.NOTHING })
    .admin();
  try {
    return await Promise.race([
      (async () => {
        await admin.connect();
        const { topics } = await admin.fetchTopicMetadata();
        const partitions = topics.flatMap((topic) => topic.partitions);
        const leads = new Map<number, number>();
        for (const partition of partitions) {
          leads.set(partition.leader, (leads.get(partition.leader) ?? 0) + 1);
        }
        const under = partitions.filter((p) => p.isr.length < p.replicas.length).length;
        const offline = partitions.filter((p) => p.leader < 0).length;
        return { leads, under, offline, total: partitions.length };
      })(),
      delay(8_000).then(() => undefined),
    ]);
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** The rows `status` prints for a local cluster, after the `kafka` row. */
export async function kafkaClusterRows(
  settings: InfraSettings,
  paths: DataPaths,
): Promise<ClusterRow[]> {
  const specs = kafkaNodeSpecs(settings, paths);
  const serving = await Promise.all(specs.map((spec) => isListening(spec.host, spec.port)));
  const states = await Promise.all(specs.map(async (spec, i) => {
    if (!serving[i]) return undefined;
    const file = join(spec.dataDir, "storage", "__cluster_metadata-0", "quorum-state");
    return parseQuorumState(await Deno.readTextFile(file).catch(() => ""));
  }));
  const up = specs.filter((_, i) => serving[i]).map((spec) => `${spec.host}:${spec.port}`);
  const figures = up.length > 0 ? await partitionFigures(up) : undefined;
  const rows: ClusterRow[] = specs.map((spec, i) => ({
    name: kafkaNodeName(spec.nodeId, specs.length),
    healthy: serving[i],
    detail: [
      `node ${spec.nodeId} at ${spec.host}:${spec.port}`,
      serving[i] && figures ? `leads ${figures.leads.get(spec.nodeId) ?? 0} partitions` : "",
    ].filter(Boolean).join(", "),
  }));
  const controller = activeController(states);
  rows.push({
    name: "controller",
    healthy: controller >= 0,
    detail: controller >= 0 ? `node ${controller} (active KRaft controller)` : "no quorum leader",
  });
  rows.push(
    figures
      ? {
        name: "replicas",
        // A node catching up after a restart is normal for a while: shown, not a failure.
        healthy: figures.offline === 0,
        detail: `${figures.under} of ${figures.total} partitions under-replicated` +
          (figures.offline > 0 ? `, ${figures.offline} OFFLINE (no leader)` : ""),
      }
      : { name: "replicas", healthy: false, detail: "partition metadata not readable" },
  );
  return rows;
}

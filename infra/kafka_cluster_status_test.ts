import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { activeController, parseQuorumState } from "./kafka_cluster_status.ts";
import { kafkaNodeSpecs } from "./kafka.ts";
import { dataPaths } from "./paths.ts";
import { readInfraSettings, serviceKafkaEnv } from "./settings.ts";
import { envFrom } from "@sentiment/kit/config";

Deno.test("the active controller is the leader of the newest epoch any serving node knows", () => {
  const state = (leaderId: number, leaderEpoch: number) =>
    parseQuorumState(JSON.stringify({ leaderId, leaderEpoch, votedId: -1, data_version: 1 }));
  assertEquals(activeController([state(1, 4), state(3, 6), undefined]), 3);
  // A node in an election knows no leader (-1); a half-written file is no answer.
  assertEquals(activeController([state(-1, 7), parseQuorumState('{"leaderId":')]), -1);
  assertEquals(activeController([]), -1);
});

Deno.test("KAFKA_NODES=3: three nodes on their own ports and storage, replication 3, min ISR 2", () => {
  const settings = readInfraSettings(envFrom({ KAFKA_NODES: "3" }));
  assertEquals(settings.kafkaBrokers, ["127.0.0.1:9092", "127.0.0.1:9094", "127.0.0.1:9096"]);
  assertEquals([settings.kafkaReplicationFactor, settings.kafkaMinInsyncReplicas], [3, 2]);
  assertEquals(settings.kafkaHeapMb, 384);
  const nodes = kafkaNodeSpecs(settings, dataPaths("/data"));
  assertEquals(nodes.map((n) => [n.nodeId, n.port, n.controllerPort, n.dataDir]), [
    [1, 9092, 9093, "/data/kafka-1"],
    [2, 9094, 9095, "/data/kafka-2"],
    [3, 9096, 9097, "/data/kafka-3"],
  ]);
  assertEquals(nodes[0].voters, ["1@127.0.0.1:9093", "2@127.0.0.1:9095", "3@127.0.0.1:9097"]);
  // The services are told every broker, so any one that is up bootstraps them.
  assertEquals(serviceKafkaEnv(settings), {
    KAFKA_BROKERS: "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096",
  });
});

Deno.test("the default stays one node on 9092 with its storage where it always was", () => {
  const settings = readInfraSettings(envFrom({}));
  assertEquals(settings.kafkaBrokers, ["127.0.0.1:9092"]);
  assertEquals([settings.kafkaReplicationFactor, settings.kafkaMinInsyncReplicas], [1, 1]);
  const [node] = kafkaNodeSpecs(settings, dataPaths("/data"));
  assertEquals([node.port, node.controllerPort, node.dataDir, node.voters.length], [
    9092,
    9093,
    "/data/kafka",
    1,
  ]);
  assertEquals(serviceKafkaEnv(settings), {});
});

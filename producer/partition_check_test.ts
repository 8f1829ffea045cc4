import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { PartitionMetadata } from "kafkajs";
import { recordingPartitioner, unansweredPartitions } from "./partition_check.ts";

Deno.test("a send whose answer lacks a partition its messages went to is caught", () => {
  const targeted = new Set<number>();
  const partition = recordingPartitioner(targeted)();
  const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({
    partitionId,
    leader: partitionId % 3,
    replicas: [],
    isr: [],
  } as unknown as PartitionMetadata));
  const chosen = ["a", "b", "c", "d", "e", "f", "g", "h"].map((key) =>
    partition({ topic: "t", partitionMetadata, message: { key, value: "" } })
  );
  assertEquals([...targeted].sort(), [...new Set(chosen)].sort());
  const all = [...targeted].map((p) => ({ partition: p }));
  assertEquals(unansweredPartitions(targeted, all), []);
  // The kafkajs failure: one broker's partitions are missing from the answer.
  const [first, ...rest] = [...targeted].sort();
  assertEquals(unansweredPartitions(targeted, rest.map((p) => ({ partition: p }))), [first]);
});

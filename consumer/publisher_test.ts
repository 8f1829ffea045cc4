import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { kafkaRefusalOf, splitBySize, unwrittenPartitions } from "./publisher.ts";
import { partitionOfKey } from "./partitioner.ts";
import { present } from "./test_support.ts";

const sized = (sizes: number[]) => sizes.map((size, id) => ({ id, size }));

Deno.test("requests stay under the size limit, in order", () => {
  const chunks = splitBySize(sized([400, 400, 400, 100, 900, 50]), 1000);
  assertEquals(chunks.map((chunk) => chunk.map((item) => item.id)), [[0, 1], [2, 3], [4, 5]]);
});

Deno.test("a message larger than the limit goes alone; nothing is dropped", () => {
  const chunks = splitBySize(sized([10, 5000, 10]), 1000);
  assertEquals(chunks.map((chunk) => chunk.map((item) => item.id)), [[0], [1], [2]]);
  assertEquals(splitBySize([], 1000), []);
});

Deno.test("requests also stay under the message count limit", () => {
  const chunks = splitBySize(sized([1, 1, 1, 1, 1, 1, 1]), 1000, 3);
  assertEquals(chunks.map((chunk) => chunk.map((item) => item.id)), [[0, 1, 2], [3, 4, 5], [6]]);
});

Deno.test("a broker refusal of the message itself is found through kafkajs's wrapping; an outage is not one", () => {
  const protocol = (type: string, retriable = false) =>
    Object.assign(new Error(type), { name: "KafkaJSProtocolError", type, retriable });
  const wrapped = (cause: Error) =>
    Object.assign(new Error(cause.message), { name: "KafkaJSNonRetriableError", cause });
  assertEquals(kafkaRefusalOf(protocol("MESSAGE_TOO_LARGE")), "MESSAGE_TOO_LARGE");
  assertEquals(kafkaRefusalOf(wrapped(protocol("RECORD_LIST_TOO_LARGE"))), "RECORD_LIST_TOO_LARGE");
  assertEquals(
    kafkaRefusalOf(Object.assign(new Error("many"), { errors: [protocol("INVALID_RECORD")] })),
    "INVALID_RECORD",
  );
  assertEquals(kafkaRefusalOf(protocol("NOT_LEADER_FOR_PARTITION", true)), null);
  assertEquals(
    kafkaRefusalOf(Object.assign(new Error("refused"), { name: "KafkaJSConnectionError" })),
    null,
  );
  assertEquals(kafkaRefusalOf("a string"), null);
});

Deno.test("a send whose answer lacks a partition its string-keyed messages went to is caught", () => {
  const counts = new Map([["processed", 6], ["dlq", 3]]);
  const chunk = ["a", "b", "c", "d", "e", "f", "g", "h"].map((key) => ({
    topic: "processed",
    key,
  }));
  const all = [
    ...new Set(chunk.map(({ key }) => present(partitionOfKey(key, 6), `partition of ${key}`))),
  ].map((partition) => ({
    topicName: "processed",
    partition,
  }));
  assertEquals(unwrittenPartitions(chunk, all, counts), []);
  // The kafkajs failure: one broker's partitions are missing from an answer that succeeded.
  const [lost, ...rest] = all;
  assertEquals(unwrittenPartitions(chunk, rest, counts), [`processed:${lost.partition}`]);
  // A dead letter keyed by its original bytes cannot be placed, so it is not checked.
  assertEquals(
    unwrittenPartitions([{ topic: "dlq", key: Buffer.from([0xff]) }], [], counts),
    [],
  );
});

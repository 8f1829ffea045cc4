import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { kafkaRefusalOf, splitBySize } from "./publisher.ts";

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

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Partitioners } from "kafkajs";
import { FastDefaultPartitioner } from "./partitioner.ts";

const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
  partitionErrorCode: 0,
}));

Deno.test("the fast partitioner picks the partition kafkajs's default picks", () => {
  const fast = FastDefaultPartitioner();
  const slow = Partitioners.DefaultPartitioner();
  const keys = [
    ...Array.from({ length: 2000 }, () => crypto.randomUUID()),
    ...Array.from({ length: 64 }, (_, n) => "k".repeat(n)),
    "é-not-ascii",
    "almost ascii ü",
    "日本語のキー",
  ];
  for (const count of [1, 3, 6, 12]) {
    const metadata = partitionMetadata.slice(0, count);
    for (const key of keys) {
      const args = { topic: "t", partitionMetadata: metadata, message: { key, value: "v" } };
      assertEquals(fast(args), slow(args), `key ${JSON.stringify(key)}, ${count} partitions`);
    }
    const buffer = { key: Buffer.from("buffer key"), value: "v" };
    assertEquals(
      fast({ topic: "t", partitionMetadata: metadata, message: buffer }),
      slow({ topic: "t", partitionMetadata: metadata, message: buffer }),
    );
  }
  const explicit = { key: "x", value: "v", partition: 4 };
  assertEquals(fast({ topic: "t", partitionMetadata, message: explicit }), 4);
});

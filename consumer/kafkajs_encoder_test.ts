import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
// @ts-types="./kafkajs_encoder.d.ts"
import Encoder from "kafkajs/src/protocol/encoder.js";
import {
  type BatchContext,
  crc32C,
  decodeRecord,
  encodeRecord,
  type GroupingInput,
  groupMessagesPerPartition,
  type KafkajsRecord,
  originalEncoder,
  speedUpKafkajsEncoder,
} from "./kafkajs_encoder.ts";

function bytes(write: (encoder: Encoder) => void): number[] {
  const encoder = new Encoder(1);
  write(encoder);
  return [...encoder.buffer];
}

/** Runs `write` with kafkajs's own Encoder methods in place, then puts the current ones back. */
function withOriginalEncoder<T>(write: () => T): T {
  const proto = Encoder.prototype;
  const current = {
    writeUVarInt: proto.writeUVarInt,
    writeVarLong: proto.writeVarLong,
    writeEncoder: proto.writeEncoder,
    writeEncoderArray: proto.writeEncoderArray,
    ensureAvailable: proto.ensureAvailable,
  };
  Object.assign(proto, {
    writeUVarInt: originalEncoder.writeUVarInt,
    writeVarLong: originalEncoder.writeVarLong,
    writeEncoder: originalEncoder.writeEncoder,
    writeEncoderArray: originalEncoder.writeEncoderArray,
    ensureAvailable: originalEncoder.ensureAvailable,
  });
  try {
    return write();
  } finally {
    Object.assign(proto, current);
  }
}

/** A deterministic pseudo-random source, so a failure can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

const TEXTS = ["", "a", "comment-42", "ünïcødé ✓ 😀", "x".repeat(127), "y".repeat(128)];

function sampleRecords(): KafkajsRecord[] {
  const next = random(7);
  const field = (): unknown => {
    const pick = Math.floor(next() * 5);
    const length = Math.floor(next() * 3000);
    if (pick === 0) return null;
    if (pick === 1) return TEXTS[Math.floor(next() * TEXTS.length)];
    if (pick === 2) return Buffer.from(JSON.stringify({ text: "é".repeat(length % 400) }));
    if (pick === 3) return "k".repeat(length);
    return Buffer.alloc(length, length & 0xff);
  };
  const records: KafkajsRecord[] = [];
  for (let i = 0; i < 600; i++) {
    records.push({
      offsetDelta: i * 37,
      timestampDelta: i % 50 === 0 ? 2 ** 40 + i : Math.floor((next() - 0.2) * 2 ** 20),
      key: field(),
      value: field(),
      ...(i % 40 === 0 ? { headers: { reason: "invalid", many: ["a", "b"] } } : {}),
      ...(i % 41 === 0 ? { headers: {} } : {}),
    });
  }
  records.push({ key: "only-a-key" }, { value: Buffer.from([1, 2, 3]) }, {});
  return records;
}

Deno.test("the faster varint writers write exactly kafkajs's bytes", () => {
  const values = [0, 1, -1, 63, 64, -64, -65, 127, 128, 300, -300, 2 ** 20, -(2 ** 20)];
  for (let shift = 0; shift < 31; shift++) values.push(2 ** shift - 1, 2 ** shift, -(2 ** shift));
  for (let i = 0; i < 2000; i++) values.push(Math.floor((Math.random() - 0.5) * 2 ** 31));
  const longs = [...values, 2 ** 31, -(2 ** 31) - 1, 2 ** 40, -(2 ** 45), Date.now(), -Date.now()];
  const unsigned = values.filter((value) => value >= 0).concat([2 ** 31, 2 ** 32 - 1]);
  const before = {
    varInt: values.map((v) => bytes((e) => e.writeVarInt(v))),
    uVarInt: unsigned.map((v) => bytes((e) => originalEncoder.writeUVarInt.call(e, v))),
    varLong: longs.map((v) => bytes((e) => originalEncoder.writeVarLong.call(e, v))),
  };
  speedUpKafkajsEncoder();
  speedUpKafkajsEncoder();
  assertEquals(values.map((v) => bytes((e) => e.writeVarInt(v))), before.varInt);
  assertEquals(unsigned.map((v) => bytes((e) => e.writeUVarInt(v))), before.uVarInt);
  assertEquals(longs.map((v) => bytes((e) => e.writeVarLong(v))), before.varLong);
  // Growing the buffer mid-way keeps what was written.
  const many = bytes((e) => {
    for (let i = 0; i < 1000; i++) e.writeVarInt(i * 1000);
  });
  assertEquals(many.length > 1000, true);
});

Deno.test("records are encoded exactly as kafkajs encodes them", () => {
  speedUpKafkajsEncoder();
  for (const record of sampleRecords()) {
    const expected = withOriginalEncoder(() => [...originalEncoder.record(record).buffer]);
    assertEquals([...encodeRecord(record).buffer], expected, JSON.stringify(record).slice(0, 200));
  }
});

Deno.test("encoders are appended exactly as kafkajs appends them", () => {
  speedUpKafkajsEncoder();
  const records = sampleRecords();
  const append = () => {
    const parts = records.map((record) => originalEncoder.record(record));
    const encoder = new Encoder().writeInt32(7).writeEncoderArray(parts);
    for (const part of parts.slice(0, 20)) encoder.writeEncoder(part);
    return [...new Encoder(1).writeInt32(encoder.size()).writeEncoder(encoder).buffer];
  };
  const expected = withOriginalEncoder(append);
  assertEquals(append(), expected);
  let refused = "";
  try {
    new Encoder().writeEncoderArray([new Encoder(), {} as Encoder]);
  } catch (error) {
    refused = (error as Error).message;
  }
  assertEquals(refused, "all values should be an instance of Encoder[]");
});

Deno.test("crc32C matches the known check value and kafkajs's own at every length and offset", () => {
  assertEquals(crc32C(new TextEncoder().encode("123456789")), 0xe3069283);
  assertEquals(crc32C(new Uint8Array(0)), 0);
  assertEquals(crc32C(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  assertEquals(crc32C(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // and of ones
  const next = random(11);
  const data = Buffer.alloc(4096);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  for (let length = 0; length < 100; length++) {
    for (let start = 0; start < 9; start++) {
      const slice = data.subarray(start, start + length);
      assertEquals(crc32C(slice), originalEncoder.crc32C(slice));
    }
  }
  assertEquals(crc32C(data), originalEncoder.crc32C(data));
});

Deno.test("a produce request uses the replacements and carries a correct CRC", async () => {
  assertEquals(speedUpKafkajsEncoder(), {
    encoder: true,
    record: true,
    crc32C: true,
    groupMessagesPerPartition: true,
    decodeRecord: true,
  });
  const kafkajsRequire = createRequire(import.meta.resolve("kafkajs/src/protocol/encoder.js"));
  const produce = kafkajsRequire("./requests/produce/v3/request.js");
  const messages = sampleRecords().filter((record) => record.headers === undefined)
    .map(({ key, value }) => ({ key, value, timestamp: 1_800_000_000_000 }));
  const request = await produce({
    acks: -1,
    timeout: 30_000,
    topicData: [{ topic: "t", partitions: [{ partition: 3, firstSequence: 9, messages }] }],
  }).encode();
  const buf: Buffer = Buffer.from(request.buffer);
  // transactional id (int16 -1), acks, timeout, [topic "t"], [partition, size, record batch]
  let at = 2 + 2 + 4 + 4 + 2 + 1 + 4 + 4 + 4;
  const batchSize = buf.readInt32BE(at - 4);
  const batch = buf.subarray(at, at + batchSize);
  at = 8 + 4 + 4 + 1; // base offset, length, leader epoch, magic
  const crc = batch.readUInt32BE(at);
  assertEquals(crc, originalEncoder.crc32C(batch.subarray(at + 4)));
  // The records decode back with kafkajs's own decoder.
  const decode = kafkajsRequire("./recordBatch/v0/decoder.js");
  const Decoder = kafkajsRequire("./decoder.js");
  const decoded = await decode(new Decoder(batch));
  assertEquals(decoded.records.length, messages.length);
  const asBytes = (field: unknown) => field == null ? null : [...Buffer.from(field as string)];
  assertEquals(
    decoded.records.map((r: { key: Buffer | null; value: Buffer | null }) => [
      asBytes(r.key),
      asBytes(r.value),
    ]),
    messages.map(({ key, value }) => [asBytes(key), asBytes(value)]),
  );
});

Deno.test("messages are grouped by partition exactly as kafkajs groups them", async () => {
  const messages = Array.from({ length: 2_000 }, (_, i) => ({ key: `k${i}`, n: i }));
  // The same partitioner draws for both: a fresh pseudo-random sequence each time.
  const input = (): GroupingInput => {
    const draw = random(3);
    return {
      topic: "t",
      partitionMetadata: [{}, {}, {}, {}, {}, {}],
      messages,
      partitioner: ({ message }) =>
        (message as { n: number }).n % 7 === 0 ? 5 : Math.floor(draw() * 6),
    };
  };
  const grouped = groupMessagesPerPartition(input());
  assertEquals(grouped, originalEncoder.groupMessagesPerPartition(input()));
  assertEquals(Object.keys(grouped), ["0", "1", "2", "3", "4", "5"]);
  assertEquals(groupMessagesPerPartition({ ...input(), partitionMetadata: [] }), {});
  // kafkajs's producer, loaded after the replacement, groups with it.
  await import("kafkajs");
  const kafkajsRequire = createRequire(import.meta.resolve("kafkajs/src/protocol/encoder.js"));
  assertEquals(
    kafkajsRequire("../producer/groupMessagesPerPartition.js") === groupMessagesPerPartition,
    true,
  );
});

Deno.test("fetched records are decoded exactly as kafkajs decodes them", () => {
  speedUpKafkajsEncoder();
  const kafkajsRequire = createRequire(import.meta.resolve("kafkajs/src/protocol/encoder.js"));
  const Decoder = kafkajsRequire("./decoder.js");
  const contexts: (BatchContext | undefined)[] = [
    {
      firstOffset: "100",
      firstTimestamp: "1800000000000",
      magicByte: 2,
      isControlBatch: false,
      timestampType: 0,
      maxTimestamp: "1800000000999",
    },
    { firstOffset: "0", firstTimestamp: "-1", magicByte: 2, timestampType: 0 },
    { firstOffset: "7", firstTimestamp: "5", timestampType: 1, maxTimestamp: "1800000000999" },
    { firstOffset: "7", firstTimestamp: "5", timestampType: 1, isControlBatch: true },
    // Sums a number cannot hold exactly: kafkajs's Long arithmetic decides.
    { firstOffset: "9007199254740990", firstTimestamp: "1800000000000", timestampType: 0 },
    { firstOffset: "9223372036854775000", firstTimestamp: "9007199254740000", timestampType: 0 },
    undefined,
  ];
  let decoded = 0;
  for (const record of sampleRecords()) {
    const bytes = withOriginalEncoder(() => originalEncoder.record(record).buffer);
    for (const context of contexts) {
      const read = (decode: typeof decodeRecord) => {
        const body = new Decoder(bytes).readVarIntBytes();
        const decoder = new Decoder(body);
        try {
          const result = context === undefined ? decode(decoder) : decode(decoder, context);
          return { result, rest: decoder.offset - body.length };
        } catch (error) {
          // kafkajs's own answer to a batch context without base values.
          return { error: String(error) };
        }
      };
      const expected = read(originalEncoder.decodeRecord);
      assertEquals(read(decodeRecord), expected, JSON.stringify([record.timestampDelta, context]));
      decoded++;
    }
  }
  assertEquals(decoded > 4_000, true);
});

/**
 * Faster encoding of kafkajs 2.2.4's produce requests, byte for byte the same
 * (`kafkajs_encoder_test.ts` compares every replaced piece with kafkajs's own):
 *
 * - varints: kafkajs builds each one as a JS array turned into a `Buffer.from(array)` and
 *   copied, four to six per record; the replacement writes the bytes into the encoder's buffer.
 * - records: kafkajs encodes each record into a fresh `Encoder` (a zero-filled 512-byte
 *   `Buffer.alloc`, ≈ 0.7 µs under Deno, grown to 1 024 for a larger record) and sizes the varint
 *   timestamp with `Long` objects; the replacement computes the exact size first and writes into
 *   one pooled `Buffer.allocUnsafe` of that size (≈ 0.2 µs). Records with headers, or keys and
 *   values other than strings and Buffers, take kafkajs's own code.
 * - copying encoders into encoders: kafkajs slices every record (`encoder.buffer`, a new Buffer
 *   object) and grows the batch's buffer by doubling while appending them one by one; the
 *   replacement sizes the buffer once for the whole array and copies without slicing.
 * - the record batch's CRC-32C: kafkajs's byte-at-a-time table loop, replaced by slicing-by-8.
 * - grouping a send's messages by partition: kafkajs copies a partition's array for every
 *   message added to it (quadratic time and garbage); the replacement appends.
 * - decoding fetched records: kafkajs reads each record's timestamp delta as a `Long` and
 *   computes its timestamp and offset by parsing the batch's base values from decimal text
 *   into `Long`s, adding and formatting again (about a dozen `Long` objects a record); the
 *   replacement does the same sums in numbers while they are exact, else kafkajs's code.
 *
 * Records and the CRC are modules kafkajs loads on its first produce request (the produce
 * request's encoder requires them lazily), so they are replaced in its module cache before
 * that; the grouping is captured when kafkajs itself loads, so it is replaced when this module
 * is evaluated, which is why the consumer imports it before anything that imports kafkajs.
 * {@link speedUpKafkajsEncoder} says which replacements took effect.
 *
 * @module
 */
// @ts-types="./kafkajs_encoder.d.ts"
import Encoder from "kafkajs/src/protocol/encoder.js";
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";

const MORE = 0x80;
const LOW7 = 0x7f;
/** Values whose zigzag form is the same in 32 and 64 bits (so writeVarInt writes them). */
const INT31 = 0x40000000;

/** kafkajs's modules, loaded through its own module cache (the one its `require`s share). */
const kafkajsRequire = createRequire(import.meta.resolve("kafkajs/src/protocol/encoder.js"));
const RECORD_PATH = kafkajsRequire.resolve("./recordBatch/record/v0/index.js");
const RECORD_DECODER_PATH = kafkajsRequire.resolve("./recordBatch/record/v0/decoder.js");
const CRC_PATH = kafkajsRequire.resolve("./recordBatch/crc32C/index.js");
/** The modules that capture the record encoder and the CRC when they load. */
const CAPTURING_PATHS = [
  kafkajsRequire.resolve("./recordBatch/v0/index.js"),
  kafkajsRequire.resolve("./requests/produce/v3/request.js"),
];
/** The module that captures the record decoder when it loads (with the first fetch answer). */
const DECODING_PATH = kafkajsRequire.resolve("./recordBatch/v0/decoder.js");
const GROUPING_PATH = kafkajsRequire.resolve("../producer/groupMessagesPerPartition.js");
/** The module that captures the grouping (loaded with kafkajs's index). */
const SENDING_PATH = kafkajsRequire.resolve("../producer/sendMessages.js");

/** What kafkajs's groupMessagesPerPartition is given. */
export interface GroupingInput {
  topic: string;
  partitionMetadata: unknown[];
  messages: unknown[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;
}

/** A kafkajs record as the produce request hands it to the record encoder. */
export interface KafkajsRecord {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
}

/** The pieces as kafkajs ships them, for the test. */
export const originalEncoder = {
  writeUVarInt: Encoder.prototype.writeUVarInt,
  writeVarLong: Encoder.prototype.writeVarLong,
  writeEncoder: Encoder.prototype.writeEncoder,
  writeEncoderArray: Encoder.prototype.writeEncoderArray,
  ensureAvailable: Encoder.prototype.ensureAvailable,
  record: kafkajsRequire(RECORD_PATH) as (record: KafkajsRecord) => Encoder,
  crc32C: kafkajsRequire(CRC_PATH) as (buffer: Uint8Array) => number,
  decodeRecord: kafkajsRequire(RECORD_DECODER_PATH) as (
    decoder: KafkajsDecoder,
    batchContext?: BatchContext,
  ) => DecodedRecord,
  groupMessagesPerPartition: kafkajsRequire(GROUPING_PATH) as (
    input: GroupingInput,
  ) => Record<string, unknown[]>,
};

/**
 * kafkajs's groupMessagesPerPartition: the messages of one topic by the partition the
 * partitioner gives each, in their order (as kafkajs's `reduce`, `forEach` skips holes).
 */
export function groupMessagesPerPartition(
  { topic, partitionMetadata, messages, partitioner }: GroupingInput,
): Record<string, unknown[]> {
  const groups: Record<string, unknown[]> = {};
  if (partitionMetadata.length === 0) return groups;
  messages.forEach((message) => {
    const partition = partitioner({ topic, partitionMetadata, message });
    const group = groups[partition];
    if (group) group.push(message);
    else groups[partition] = [message];
  });
  return groups;
}

/** Whether the grouping was replaced before kafkajs's producer captured it. */
const groupingReplaced = (() => {
  const cache = kafkajsRequire.cache;
  const grouping = cache[GROUPING_PATH];
  if (cache[SENDING_PATH] !== undefined || grouping === undefined) return false;
  grouping.exports = groupMessagesPerPartition;
  return true;
})();

/** Which replacements took effect (the module ones only if kafkajs had not loaded them yet). */
export interface EncoderPatches {
  encoder: boolean;
  record: boolean;
  crc32C: boolean;
  groupMessagesPerPartition: boolean;
  decodeRecord: boolean;
}

let applied: EncoderPatches | null = null;

/** Installs the faster encoding in kafkajs (once; later calls report the first call's result). */
export function speedUpKafkajsEncoder(): EncoderPatches {
  if (applied !== null) return applied;
  patchEncoderPrototype();
  // Once a capturing module is loaded it holds kafkajs's functions: replacing the cached
  // modules then would change nothing, so both stay as they are (correct, only slower).
  const cache = kafkajsRequire.cache;
  const capturedAlready = CAPTURING_PATHS.some((path) => cache[path] !== undefined);
  const recordModule = cache[RECORD_PATH];
  const crcModule = cache[CRC_PATH];
  const modules = !capturedAlready && recordModule !== undefined && crcModule !== undefined;
  if (modules) {
    recordModule.exports = encodeRecord;
    crcModule.exports = crc32C;
  }
  const decoderModule = cache[RECORD_DECODER_PATH];
  const decoding = cache[DECODING_PATH] === undefined && decoderModule !== undefined;
  if (decoding) decoderModule.exports = decodeRecord;
  applied = {
    encoder: true,
    record: modules,
    crc32C: modules,
    groupMessagesPerPartition: groupingReplaced,
    decodeRecord: decoding,
  };
  return applied;
}

function patchEncoderPrototype(): void {
  const proto = Encoder.prototype;
  proto.writeUVarInt = function (this: Encoder, value: number) {
    this.ensureAvailable(5);
    const buf = this.buf;
    let offset = this.offset;
    while ((value & 0xffffff80) !== 0) {
      buf[offset++] = (value & LOW7) | MORE;
      value >>>= 7;
    }
    buf[offset++] = value & LOW7;
    this.offset = offset;
    return this;
  };
  const writeVarLong = originalEncoder.writeVarLong;
  proto.writeVarLong = function (this: Encoder, value: unknown) {
    // Record timestamp deltas are small numbers; anything else takes kafkajs's Long path.
    if (typeof value === "number" && Number.isInteger(value) && value >= -INT31 && value < INT31) {
      return this.writeVarInt(value);
    }
    return writeVarLong.call(this, value);
  };
  // Only the bytes below `offset` are ever read (`buffer` slices there), so a grown buffer
  // need not be zero-filled: small ones then come from Buffer's pool.
  proto.ensureAvailable = function (this: Encoder, length: number) {
    const needed = this.offset + length;
    if (needed > this.buf.length) {
      const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(needed));
      grown.set(viewOf(this.buf, this.offset), 0);
      this.buf = grown;
    }
  };
  proto.writeEncoder = function (this: Encoder, value: Encoder) {
    if (value == null || !Buffer.isBuffer(value.buf)) {
      throw new Error("value should be an instance of Encoder");
    }
    this.ensureAvailable(value.offset);
    this.buf.set(viewOf(value.buf, value.offset), this.offset);
    this.offset += value.offset;
    return this;
  };
  proto.writeEncoderArray = function (this: Encoder, value: Encoder[]) {
    let total = 0;
    const valid = Array.isArray(value) && value.every((v) => {
      if (v == null || !Buffer.isBuffer(v.buf)) return false;
      total += v.offset;
      return true;
    });
    if (!valid) throw new Error("all values should be an instance of Encoder[]");
    this.ensureAvailable(total);
    const buf = this.buf;
    let offset = this.offset;
    for (const v of value) {
      buf.set(viewOf(v.buf, v.offset), offset);
      offset += v.offset;
    }
    this.offset = offset;
    return this;
  };
}

/** The first `length` bytes of `buf`, without a new Buffer object when that is all of it. */
function viewOf(buf: Uint8Array, length: number): Uint8Array {
  return length === buf.length ? buf : new Uint8Array(buf.buffer, buf.byteOffset, length);
}

/** Bytes of the zigzag varint of `value` (a 32-bit integer), as Encoder.sizeOfVarInt. */
function varIntSize(value: number): number {
  let zigzag = (value << 1) ^ (value >> 31);
  let bytes = 1;
  while ((zigzag & 0xffffff80) !== 0) {
    bytes++;
    zigzag >>>= 7;
  }
  return bytes;
}

function writeVarIntAt(buf: Uint8Array, offset: number, value: number): number {
  let zigzag = (value << 1) ^ (value >> 31);
  while ((zigzag & 0xffffff80) !== 0) {
    buf[offset++] = (zigzag & LOW7) | MORE;
    zigzag >>>= 7;
  }
  buf[offset++] = zigzag & LOW7;
  return offset;
}

/** UTF-8 length of a string, or -1 when it is not plain ASCII (then Buffer measures it). */
function asciiLength(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return -1;
  return text.length;
}

/** A key or value as the record writes it: its byte length (-1 for null) and how to copy it. */
function byteLengthOf(field: string | Buffer | null): number {
  if (field === null) return -1;
  if (typeof field !== "string") return field.length;
  const ascii = asciiLength(field);
  return ascii >= 0 ? ascii : Buffer.byteLength(field, "utf8");
}

function writeFieldAt(buf: Buffer, offset: number, field: string | Buffer, length: number): void {
  if (typeof field !== "string") buf.set(field, offset);
  else if (length === field.length) {
    for (let i = 0; i < length; i++) buf[offset + i] = field.charCodeAt(i);
  } else buf.write(field, offset, length, "utf8");
}

function hasOwnKeys(headers: Record<string, unknown>): boolean {
  for (const key in headers) if (Object.hasOwn(headers, key)) return true;
  return false;
}

/** kafkajs's record encoder (recordBatch/record/v0), one exact-sized buffer per record. */
export function encodeRecord(record: KafkajsRecord): Encoder {
  const { offsetDelta = 0, timestampDelta = 0, key = null, value = null, headers } = record;
  const plain = (field: unknown): field is string | Buffer | null =>
    field === null || typeof field === "string" || Buffer.isBuffer(field);
  if (
    (headers !== undefined && (headers === null || hasOwnKeys(headers))) ||
    !plain(key) || !plain(value) ||
    !Number.isInteger(timestampDelta) || timestampDelta < -INT31 || timestampDelta >= INT31 ||
    !Number.isInteger(offsetDelta) || offsetDelta < -INT31 || offsetDelta >= INT31
  ) {
    return originalEncoder.record(record);
  }
  const keyLength = byteLengthOf(key);
  const valueLength = byteLengthOf(value);
  const body = 1 + varIntSize(timestampDelta) + varIntSize(offsetDelta) +
    varIntSize(keyLength) + Math.max(keyLength, 0) +
    varIntSize(valueLength) + Math.max(valueLength, 0) +
    1; // no headers: their count, 0
  const total = varIntSize(body) + body;
  const buf = Buffer.allocUnsafe(total);
  let offset = writeVarIntAt(buf, 0, body);
  buf[offset++] = 0; // attributes
  offset = writeVarIntAt(buf, offset, timestampDelta);
  offset = writeVarIntAt(buf, offset, offsetDelta);
  offset = writeVarIntAt(buf, offset, keyLength);
  if (key !== null) writeFieldAt(buf, offset, key, keyLength), offset += keyLength;
  offset = writeVarIntAt(buf, offset, valueLength);
  if (value !== null) writeFieldAt(buf, offset, value, valueLength), offset += valueLength;
  buf[offset++] = 0; // header count
  const encoder: Encoder = Object.create(Encoder.prototype);
  encoder.buf = buf;
  encoder.offset = offset;
  return encoder;
}

/** CRC-32C (Castagnoli, reflected 0x82F63B78) tables for slicing-by-8: TABLE[k * 256 + byte]. */
const TABLE = (() => {
  const table = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n];
    for (let k = 1; k < 8; k++) {
      c = table[c & 0xff] ^ (c >>> 8);
      table[k * 256 + n] = c;
    }
  }
  return table;
})();

/** CRC-32C of `bytes` as an unsigned number, 8 bytes per step (kafkajs's crc32C/index.js). */
export function crc32C(bytes: Uint8Array): number {
  const t = TABLE;
  let crc = -1;
  let i = 0;
  const length = bytes.length;
  for (const end = length - 8; i <= end; i += 8) {
    const low = crc ^
      (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    crc = t[1792 + (low & 0xff)] ^ t[1536 + ((low >>> 8) & 0xff)] ^
      t[1280 + ((low >>> 16) & 0xff)] ^ t[1024 + (low >>> 24)] ^
      t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^ t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < length; i++) crc = t[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** The part of kafkajs's protocol Decoder the record decoder uses. */
export interface KafkajsDecoder {
  buffer: Uint8Array;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (decoder: KafkajsDecoder) => T): T[];
}

/** What kafkajs's record batch decoder hands each record (base values as decimal text). */
export interface BatchContext {
  firstOffset?: string;
  firstTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: string;
}

/** A record as kafkajs's record decoder returns it. */
export interface DecodedRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string | undefined;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

const LOG_APPEND_TIME = 1; // kafkajs's TimestampTypes.LOG_APPEND_TIME
const readHeader = kafkajsRequire("./recordBatch/header/v0/decoder.js") as (
  decoder: KafkajsDecoder,
) => { key: string; value: Buffer | null };

/** A decimal integer text as an exact number, or null when a number cannot hold it exactly. */
function exactNumber(text: string | undefined): number | null {
  if (typeof text !== "string") return null;
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : null;
}

/**
 * The zigzag varint at the decoder's position when it has at most four bytes (|value| < 2^27,
 * as timestamp deltas within a batch are), advancing past it; else null, nothing consumed.
 */
function readSmallVarLong(decoder: KafkajsDecoder): number | null {
  const buf = decoder.buffer;
  let offset = decoder.offset;
  let byte = buf[offset++];
  let zigzag = byte & LOW7;
  for (let shift = 7; byte & MORE; shift += 7) {
    if (shift > 21) return null;
    byte = buf[offset++];
    zigzag |= (byte & LOW7) << shift;
  }
  decoder.offset = offset;
  return (zigzag >>> 1) ^ -(zigzag & 1);
}

/** kafkajs's record decoder (recordBatch/record/v0/decoder), the same record in numbers. */
export function decodeRecord(
  decoder: KafkajsDecoder,
  batchContext: BatchContext = {},
): DecodedRecord {
  const {
    firstOffset,
    firstTimestamp,
    magicByte,
    isControlBatch = false,
    timestampType,
    maxTimestamp,
  } = batchContext;
  const start = decoder.offset;
  const attributes = decoder.readInt8();
  const timestampDelta = readSmallVarLong(decoder);
  const baseOffset = exactNumber(firstOffset);
  const appendTime = timestampType === LOG_APPEND_TIME && maxTimestamp;
  const sum = appendTime ? 0 : (exactNumber(firstTimestamp) ?? NaN) + (timestampDelta ?? NaN);
  const offset = timestampDelta === null || baseOffset === null
    ? NaN
    : baseOffset + decoder.readVarInt();
  if (!Number.isSafeInteger(sum) || !Number.isSafeInteger(offset)) {
    // Not exact in numbers (or not the usual batch context): kafkajs's Long arithmetic.
    decoder.offset = start;
    return originalEncoder.decodeRecord(decoder, batchContext);
  }
  const timestamp = appendTime ? maxTimestamp : String(sum);
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const headerCount = decoder.buffer[decoder.offset];
  let headers: DecodedRecord["headers"];
  if (headerCount === 0) {
    decoder.offset++;
    headers = {};
  } else {
    // As kafkajs gathers them: a repeated key collects its values in an array.
    headers = decoder.readVarIntArray(readHeader).reduce(
      (obj: DecodedRecord["headers"], { key, value }) => {
        const seen = obj[key];
        return {
          ...obj,
          [key]: seen === undefined ? value : Array.isArray(seen) ? seen.concat([value]) : [
            seen,
            value,
          ],
        };
      },
      {},
    );
  }
  return {
    magicByte,
    attributes,
    timestamp,
    offset: String(offset),
    key,
    value,
    headers,
    isControlRecord: isControlBatch,
    batchContext,
  };
}

/**
 * The batch answer (`AnalyzeSentimentBatchResponse` of `proto/sentiment.proto`) written straight
 * into one buffer. protobufjs, which @grpc/proto-loader uses, first copies each of a thousand
 * answers into message objects and then queues one operation object per field: a third of the
 * service's time on a batch went there, most of it to the garbage collector. This writer
 * measures the message, allocates once and writes; its output decodes to the same objects
 * (`wire_test.ts` checks that against protobufjs, and that every field of the contract is
 * written). Fields equal to proto3's defaults are left out, as the format allows.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type {
  AnalyzeSentimentBatchResponse,
  AnalyzeSentimentResponse,
  ItemError,
} from "@sentiment/contracts/grpc";
import type { Tag } from "@sentiment/contracts/messages";

/** The enum values of `SentimentTag`. */
const TAG_NUMBERS: Readonly<Record<Tag, number>> = {
  POSITIVE: 1,
  NEGATIVE: 2,
  NEUTRAL: 3,
  UNRELATED: 4,
};

const utf8 = new TextEncoder();

const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2 } as const;
const key = (field: number, wireType: number) => (field << 3) | wireType;

/**
 * The fields written, by message, named as proto-loader names them (camelCase):
 * `wire_test.ts` compares them with the .proto file.
 */
export const WRITTEN_FIELDS = {
  AnalyzeSentimentBatchResponse: { results: 1 },
  BatchItemResult: { commentId: 1, result: 2, error: 3 },
  AnalyzeSentimentResponse: {
    commentId: 1,
    tag: 2,
    processingTime: 3,
    cached: 4,
    score: 5,
    language: 6,
    reasons: 7,
  },
  ItemError: { code: 1, message: 2 },
} as const;

const F = WRITTEN_FIELDS;
const RESULTS_KEY = key(F.AnalyzeSentimentBatchResponse.results, WireType.LENGTH_DELIMITED);
const ITEM_ID_KEY = key(F.BatchItemResult.commentId, WireType.LENGTH_DELIMITED);
const ITEM_RESULT_KEY = key(F.BatchItemResult.result, WireType.LENGTH_DELIMITED);
const ITEM_ERROR_KEY = key(F.BatchItemResult.error, WireType.LENGTH_DELIMITED);
const R = F.AnalyzeSentimentResponse;
const ID_KEY = key(R.commentId, WireType.LENGTH_DELIMITED);
const TAG_KEY = key(R.tag, WireType.VARINT);
const TIME_KEY = key(R.processingTime, WireType.FIXED64);
const CACHED_KEY = key(R.cached, WireType.VARINT);
const SCORE_KEY = key(R.score, WireType.FIXED64);
const LANGUAGE_KEY = key(R.language, WireType.LENGTH_DELIMITED);
const REASON_KEY = key(R.reasons, WireType.LENGTH_DELIMITED);
const CODE_KEY = key(F.ItemError.code, WireType.VARINT);
const MESSAGE_KEY = key(F.ItemError.message, WireType.LENGTH_DELIMITED);

/** Bytes of a varint; every key here is below 128, so a key takes one byte. */
function varintSize(value: number): number {
  // A negative int32 is sign-extended to 64 bits, ten bytes, as protobuf writes it.
  if (value < 0) return 10;
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

// Code units, not code points (no "u" flag): a surrogate half counts as non-ASCII.
const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 length of a string; ASCII (ids, language codes, most reasons) found by one native test. */
function utf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        index++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/** A double proto3 may leave out: +0 only (-0 and NaN are written, as protobufjs does). */
const isDefault = (value: number) => Object.is(value, 0);

const stringField = (bytes: number) => 1 + varintSize(bytes) + bytes;

/** Byte lengths measured in the first pass, reused by the second. */
class Sizes {
  readonly values: number[] = [];
  add(value: number): number {
    this.values.push(value);
    return value;
  }
}

function responseSize(response: AnalyzeSentimentResponse, sizes: Sizes): number {
  let size = 0;
  if (response.commentId) size += stringField(sizes.add(utf8Length(response.commentId)));
  size += 2; // the tag is never the default: a result always has one
  if (!isDefault(response.processingTime)) size += 9;
  if (response.cached) size += 2;
  if (!isDefault(response.score)) size += 9;
  if (response.language) size += stringField(sizes.add(utf8Length(response.language)));
  for (const reason of response.reasons ?? []) size += stringField(sizes.add(utf8Length(reason)));
  return size;
}

function errorSize(error: ItemError, sizes: Sizes): number {
  let size = 0;
  if (error.code) size += 1 + varintSize(error.code);
  if (error.message) size += stringField(sizes.add(utf8Length(error.message)));
  return size;
}

/** Writes into one buffer, reading the lengths the first pass measured. */
class Writer {
  position = 0;
  private next = 0;
  private readonly view: DataView;
  /** The buffer as a plain byte array: indexing Node's Buffer subclass is slower under Deno. */
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: Buffer, private readonly sizes: readonly number[]) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    this.bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /** The next length measured in the first pass. */
  measured(): number {
    return this.sizes[this.next++];
  }

  byte(value: number): void {
    this.bytes[this.position++] = value;
  }

  varint(value: number): void {
    if (value < 0) {
      let rest = BigInt.asUintN(64, BigInt(value));
      while (rest >= 0x80n) {
        this.byte(Number(rest & 0x7fn) | 0x80);
        rest >>= 7n;
      }
      this.byte(Number(rest));
      return;
    }
    while (value >= 0x80) {
      this.byte((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.byte(value);
  }

  double(value: number): void {
    this.view.setFloat64(this.position, value, true);
    this.position += 8;
  }

  /** A string field whose UTF-8 length the first pass measured. */
  string(fieldKey: number, text: string): void {
    const bytes = this.measured();
    this.byte(fieldKey);
    this.varint(bytes);
    if (bytes === text.length) {
      // ASCII: one byte per character.
      const bytesOut = this.bytes;
      const start = this.position;
      for (let index = 0; index < bytes; index++) bytesOut[start + index] = text.charCodeAt(index);
    } else utf8.encodeInto(text, this.bytes.subarray(this.position, this.position + bytes));
    this.position += bytes;
  }
}

function writeResponse(writer: Writer, response: AnalyzeSentimentResponse): void {
  if (response.commentId) writer.string(ID_KEY, response.commentId);
  writer.byte(TAG_KEY);
  writer.byte(TAG_NUMBERS[response.tag]);
  if (!isDefault(response.processingTime)) {
    writer.byte(TIME_KEY);
    writer.double(response.processingTime);
  }
  if (response.cached) {
    writer.byte(CACHED_KEY);
    writer.byte(1);
  }
  if (!isDefault(response.score)) {
    writer.byte(SCORE_KEY);
    writer.double(response.score);
  }
  if (response.language) writer.string(LANGUAGE_KEY, response.language);
  for (const reason of response.reasons ?? []) writer.string(REASON_KEY, reason);
}

function writeError(writer: Writer, error: ItemError): void {
  if (error.code) {
    writer.byte(CODE_KEY);
    writer.varint(error.code);
  }
  if (error.message) writer.string(MESSAGE_KEY, error.message);
}

/** Encodes a batch answer; a drop-in for the method's `responseSerialize`. */
export function encodeBatchResponse(message: AnalyzeSentimentBatchResponse): Buffer {
  const sizes = new Sizes();
  // Lengths are recorded in the order the writer needs them: an item's, its id's, its
  // outcome's, then the outcome's strings.
  let total = 0;
  for (const item of message.results) {
    // The item's length goes before the lengths measured inside it.
    const slot = sizes.values.length;
    sizes.add(0);
    let size = 0;
    if (item.commentId) size += stringField(sizes.add(utf8Length(item.commentId)));
    const innerSlot = sizes.values.length;
    sizes.add(0);
    const inner = item.outcome === "result"
      ? responseSize(item.result, sizes)
      : errorSize(item.error, sizes);
    sizes.values[innerSlot] = inner;
    size += 1 + varintSize(inner) + inner;
    sizes.values[slot] = size;
    total += 1 + varintSize(size) + size;
  }
  const writer = new Writer(Buffer.allocUnsafe(total), sizes.values);
  for (const item of message.results) {
    writer.byte(RESULTS_KEY);
    writer.varint(writer.measured());
    if (item.commentId) writer.string(ITEM_ID_KEY, item.commentId);
    if (item.outcome === "result") {
      writer.byte(ITEM_RESULT_KEY);
      writer.varint(writer.measured());
      writeResponse(writer, item.result);
    } else {
      writer.byte(ITEM_ERROR_KEY);
      writer.varint(writer.measured());
      writeError(writer, item.error);
    }
  }
  if (writer.position !== total) {
    throw new Error(`batch answer measured ${total} bytes but wrote ${writer.position}`);
  }
  return writer.buffer;
}

/**
 * A faster varint writer for kafkajs 2.2.4's protocol encoder. Every record of a produce
 * request writes four to six varints, and kafkajs builds each one as a JS array turned into a
 * `Buffer.from(array)` and copied: under Deno that allocation was the largest single cost of
 * the consumer (≈ 10 % of its CPU in `FastBuffer`). The replacement writes the same bytes
 * straight into the encoder's buffer; `kafkajs_encoder_test.ts` checks it byte for byte
 * against the original.
 *
 * @module
 */
// @ts-types="./kafkajs_encoder.d.ts"
import Encoder from "kafkajs/src/protocol/encoder.js";

const MORE = 0x80;
const LOW7 = 0x7f;
/** Values whose zigzag form is the same in 32 and 64 bits (so writeVarInt writes them). */
const INT31 = 0x40000000;

let applied = false;

/** The methods as kafkajs ships them, for the test. */
export const originalEncoder = {
  writeUVarInt: Encoder.prototype.writeUVarInt,
  writeVarLong: Encoder.prototype.writeVarLong,
};

/** Installs the faster writers on kafkajs's Encoder (once; later calls do nothing). */
export function speedUpKafkajsEncoder(): void {
  if (applied) return;
  applied = true;
  Encoder.prototype.writeUVarInt = function (this: Encoder, value: number) {
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
  Encoder.prototype.writeVarLong = function (this: Encoder, value: unknown) {
    // Record timestamp deltas are small numbers; anything else takes kafkajs's Long path.
    if (typeof value === "number" && Number.isInteger(value) && value >= -INT31 && value < INT31) {
      return this.writeVarInt(value);
    }
    return writeVarLong.call(this, value);
  };
}

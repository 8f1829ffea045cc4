import { deepStrictEqual as assertEquals } from "node:assert/strict";
// @ts-types="./kafkajs_encoder.d.ts"
import Encoder from "kafkajs/src/protocol/encoder.js";
import { originalEncoder, speedUpKafkajsEncoder } from "./kafkajs_encoder.ts";

function bytes(write: (encoder: Encoder) => void): number[] {
  const encoder = new Encoder(1);
  write(encoder);
  return [...encoder.buffer];
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

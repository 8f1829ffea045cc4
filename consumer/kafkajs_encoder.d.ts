/** The part of kafkajs's (untyped) protocol encoder that kafkajs_encoder.ts touches. */
declare class Encoder {
  constructor(initialSize?: number);
  buf: Uint8Array;
  offset: number;
  get buffer(): Uint8Array;
  ensureAvailable(length: number): void;
  writeVarInt(value: number): Encoder;
  // deno-lint-ignore no-explicit-any -- kafkajs passes numbers or Long objects
  writeUVarInt(value: any): Encoder;
  // deno-lint-ignore no-explicit-any -- kafkajs passes numbers or Long objects
  writeVarLong(value: any): Encoder;
}
export default Encoder;

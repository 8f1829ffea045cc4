/** The part of kafkajs's (untyped) protocol encoder that kafkajs_encoder.ts touches. */
declare class Encoder {
  constructor(initialSize?: number);
  static nextPowerOfTwo(value: number): number;
  buf: Uint8Array;
  offset: number;
  get buffer(): Uint8Array;
  ensureAvailable(length: number): void;
  size(): number;
  writeInt32(value: number): Encoder;
  writeVarInt(value: number): Encoder;
  // deno-lint-ignore no-explicit-any -- kafkajs passes numbers or Long objects
  writeUVarInt(value: any): Encoder;
  // deno-lint-ignore no-explicit-any -- kafkajs passes numbers or Long objects
  writeVarLong(value: any): Encoder;
  writeEncoder(value: Encoder): Encoder;
  writeEncoderArray(value: Encoder[]): Encoder;
}
export default Encoder;

/**
 * kafkajs's default partitioner, minus its cost: the same murmur2 of the key (so every key lands
 * on the partition Java clients and kafkajs would choose), computed with 32-bit integer math on
 * the string's char codes instead of a Buffer and a Long per key. Keys that are not ASCII
 * strings go to kafkajs's own partitioner.
 *
 * @module
 */
import { type ICustomPartitioner, Partitioners } from "kafkajs";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (Utils.murmur2) of an ASCII string; -1 for a string with other characters. */
export function murmur2Ascii(key: string): number {
  const length = key.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    const c0 = key.charCodeAt(i4);
    const c1 = key.charCodeAt(i4 + 1);
    const c2 = key.charCodeAt(i4 + 2);
    const c3 = key.charCodeAt(i4 + 3);
    if ((c0 | c1 | c2 | c3) > 0x7f) return -1;
    let k = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  for (let i = tail; i < length; i++) if (key.charCodeAt(i) > 0x7f) return -1;
  // The fall-through switch of the original, unrolled.
  const rest = length & 3;
  if (rest === 3) h ^= key.charCodeAt(tail + 2) << 16;
  if (rest >= 2) h ^= key.charCodeAt(tail + 1) << 8;
  if (rest >= 1) {
    h ^= key.charCodeAt(tail);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Partitions of each topic as the producer last saw them, so that the publisher can tell
 * where a string key went (see `unwrittenPartitions` in publisher.ts).
 */
export const partitionCounts: Map<string, number> = new Map();

/** The partition an ASCII string key goes to among `count`, or undefined for other keys. */
export function partitionOfKey(key: string, count: number): number | undefined {
  const hash = murmur2Ascii(key);
  if (hash === -1 && key.length > 0) return undefined;
  return (hash & 0x7fffffff) % count;
}

/** A drop-in for `Partitioners.DefaultPartitioner` that chooses the same partitions. */
export const FastDefaultPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    partitionCounts.set(args.topic, partitionMetadata.length);
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const key = message.key;
    if (typeof key === "string") {
      const hash = murmur2Ascii(key);
      if (hash !== -1 || key.length === 0) {
        return (hash & 0x7fffffff) % partitionMetadata.length;
      }
    }
    return fallback(args);
  };
};

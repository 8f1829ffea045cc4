/**
 * The seeded random source the producer's entry point uses; it lives in the shared kit
 * (`@sentiment/proto/random`) since the sentiment service and the tests use the same one.
 *
 * @module
 */
export { createRandom, type Random, randomSeed } from "@sentiment/proto/random";

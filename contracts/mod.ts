/**
 * Every contract between the services: Kafka message schemas and topic names, the gRPC
 * definition, the HTTP bodies of the api, the database schema, and the shared configuration
 * and log conventions.
 *
 * @module
 */
export * from "./messages.ts";
export * from "./api.ts";

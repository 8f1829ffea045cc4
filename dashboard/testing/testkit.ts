/**
 * The parts of `@sentiment/infra/testkit` the end-to-end test uses, loaded at run time.
 *
 * Why not a static import: this member type-checks with the DOM library (its islands run in
 * the browser), and under DOM + Deno types the testkit's `pipeThrough(new TextDecoderStream())`
 * does not type-check (the two `WritableStream` declarations conflict). A dynamic import keeps
 * the testkit out of this member's type check; the signatures below are the testkit's own.
 *
 * @module
 */
import type { Producer } from "kafkajs";
import type postgres from "postgres";

/** A fresh, migrated database (see the testkit). */
export interface TestDatabase {
  url: string;
  sql: postgres.Sql;
  drop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real service process (see the testkit). */
export interface ServiceProcess {
  lines: string[];
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

/** The testkit functions used here. */
export interface Testkit {
  integrationTest(
    name: string,
    fn: (t: Deno.TestContext) => Promise<void>,
    options?: Omit<Deno.TestDefinition, "name" | "fn">,
  ): void;
  createTestDatabase(): Promise<TestDatabase>;
  createTestTopics(
    partitions?: number,
  ): Promise<{ processed: string; env: Record<string, string> }>;
  testKafka(clientId?: string): { producer(): Producer };
  startService(member: string, env?: Record<string, string>): ServiceProcess;
  freePort(): Promise<number>;
  eventually<T>(
    check: () => Promise<T | undefined> | T | undefined,
    timeoutMs?: number,
    what?: string,
  ): Promise<T>;
}

const specifier = "@sentiment/infra/testkit";

/** Loads the testkit. */
export async function loadTestkit(): Promise<Testkit> {
  return await import(specifier) as Testkit;
}

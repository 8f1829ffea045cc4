/**
 * The `deno` runtime flags a service always runs with, wherever it is launched: `up`
 * (service_identity.ts), the testkit's startService (tests and `deno task bench`), compose.yaml
 * and `deno task compile` (baked into the binary). One table, so that the process measured is
 * the process deployed. They are not permissions: a service's permission set stays its
 * deno.json's.
 *
 * @module
 */

/**
 * V8 heap bounds per service. The consumer's (issue 16, BENCHMARKS.md "Consumer memory: V8 heap
 * bounds"): V8's default young generation grows to two 32 MiB semi-spaces, most of it garbage
 * of passes that ended; 4 MiB semi-spaces took the drain run's peak RSS from ~350–375 MiB to
 * ~270–340 MiB at the same CPU per comment. An old-space cap (`--max-old-space-size=192`) gets it
 * to ~210 MiB but V8 then collects so often that the consumer paid 10–50 % more CPU per comment,
 * so it is left to deployments short of memory (CONSUMER_DENO_FLAGS).
 */
export const SERVICE_V8_FLAGS: Readonly<Record<string, readonly string[]>> = {
  consumer: ["--max-semi-space-size=4"],
};

/**
 * The runtime flags of `service` for `deno run` / `deno compile`, before any flags of the
 * user's (a later `--v8-flags` appends to these, and V8 lets the last value of a flag win).
 */
export function runtimeFlags(service: string): string[] {
  const v8 = SERVICE_V8_FLAGS[service];
  return v8 === undefined || v8.length === 0 ? [] : [`--v8-flags=${v8.join(",")}`];
}

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
 * V8 heap bounds per service. The consumer's (issue 16, BENCHMARKS.md "Memory"): V8's default
 * young generation grows to two 32 MiB semi-spaces, and the old generation to ~3× its live
 * ~40–60 MiB between full collections, which took the drain run's peak RSS to ~340–370 MiB.
 * 4 MiB semi-spaces cost no measurable CPU there; the old-space cap makes the collector run
 * before the old generation reaches it.
 */
export const SERVICE_V8_FLAGS: Readonly<Record<string, readonly string[]>> = {
  consumer: ["--max-semi-space-size=4", "--max-old-space-size=192"],
};

/**
 * The runtime flags of `service` for `deno run` / `deno compile`, before any flags of the
 * user's (a later `--v8-flags` appends to these, and V8 lets the last value of a flag win).
 */
export function runtimeFlags(service: string): string[] {
  const v8 = SERVICE_V8_FLAGS[service];
  return v8 === undefined || v8.length === 0 ? [] : [`--v8-flags=${v8.join(",")}`];
}

/**
 * What `deno task compile` builds: one binary per service, each compiled with the service's own
 * named permission set (`deno compile -P=<member>` bakes it into the binary) and the data files
 * it reads at run time embedded.
 *
 * @module
 */
import { runtimeFlags } from "@sentiment/infra/runtime_flags";

export interface ServiceBuild {
  /** Workspace member, its permission set name and the binary's name. */
  name: string;
  /** Files or folders (from the repo root) embedded in the binary. */
  includes: string[];
  /** Run before compiling (`deno run -P=<name>-build <member>/<prebuild>`), e.g. a bundle. */
  prebuild?: string;
}

export const SERVICES: ServiceBuild[] = [
  { name: "producer", includes: [] },
  { name: "sentiment", includes: ["proto/sentiment.proto", "sentiment/grpc"] },
  { name: "consumer", includes: ["proto/sentiment.proto"] },
  { name: "api", includes: [] },
  // The island bundle is built first and embedded with the rest of static/.
  { name: "dashboard", includes: ["dashboard/static"], prebuild: "build.ts" },
];

/** The `deno compile` arguments for one service, run from the repo root. */
export function compileArgs(service: ServiceBuild, outDir: string): string[] {
  return [
    "compile",
    // The binary never stops to ask for a permission it was not given: it fails instead.
    "--no-prompt",
    `-P=${service.name}`,
    // Its heap bounds, baked in as `deno run` gets them (infra/runtime_flags.ts).
    ...runtimeFlags(service.name),
    // Without it the whole workspace's npm snapshot is embedded (browser tooling included), and
    // deno 2.9.6 overflows its stack writing it.
    "--exclude-unused-npm",
    ...service.includes.flatMap((path) => ["--include", path]),
    "--output",
    `${outDir}/${service.name}`,
    `${service.name}/main.ts`,
  ];
}

/** The permission sets a member's deno.json declares (empty when none or unreadable). */
export function permissionSetNames(denoJson: string): string[] {
  try {
    const parsed = JSON.parse(denoJson) as { permissions?: Record<string, unknown> };
    return Object.keys(parsed.permissions ?? {});
  } catch {
    return [];
  }
}

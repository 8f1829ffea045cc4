/**
 * How a process of one of this stack's services is recognised, with or without a pid file:
 * its command line is the one `up` gives it (`deno run -P=<service> <root>/<service>/main.ts`
 * under this checkout's root) and its environment carries the stack's data folder in
 * {@link STACK_VARIABLE}, which only `up` sets.
 *
 * The command line alone is not enough: the tests start the very same command through the
 * testkit, and a test's private stack (its own SENTIMENT_DATA_DIR) runs the same services as
 * the main one; a process counted as another stack's orphan would be killed by this one's
 * `up` or `down`.
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { PROJECT_ROOT } from "./paths.ts";
import { netFlagsFor } from "./net_permissions.ts";
import { runtimeFlags } from "./runtime_flags.ts";
import type { DataPaths } from "./paths.ts";
import { listPids, type ProcessInfo, readEnvironVariable, readProcess } from "./proc.ts";

/** Set by `up` in each service's environment to the stack's data folder (absolute). */
export const STACK_VARIABLE = "SENTIMENT_INFRA_STACK";

/** The stack's name in {@link STACK_VARIABLE}: its data folder, absolute. */
export function stackId(paths: DataPaths): string {
  return resolve(paths.data);
}

/** The variable holding extra `deno run` flags for a service, e.g. DASHBOARD_DENO_FLAGS. */
export function denoFlagsVariable(name: string): string {
  return `${name.toUpperCase()}_DENO_FLAGS`;
}

/**
 * The arguments `up` starts a service with: its permission set, its runtime flags
 * (runtime_flags.ts), then the flags in `<SERVICE>_DENO_FLAGS` (split at spaces), e.g.
 * `--allow-net=…` for a port outside the ones its set allows (a flag replaces that part of the
 * set), or `--cpu-prof`.
 */
export function serviceCommand(
  name: string,
  env: { get(name: string): string | undefined },
): string[] {
  const flags = (env.get(denoFlagsVariable(name)) ?? "").split(/\s+/).filter(Boolean);
  // The set names only the default addresses: widen it to the ones the variables give, unless
  // the user's own flags already say what the service may reach.
  const net = flags.some((flag) => flag.startsWith("--allow-net")) ? [] : netFlagsFor(name, env);
  return [
    Deno.execPath(),
    "run",
    // Without deno's own "Download"/"Check" lines on stderr, the log holds only the service's
    // JSON lines.
    "-q",
    `-P=${name}`,
    ...net,
    ...runtimeFlags(name),
    ...flags,
    join(PROJECT_ROOT, name, "main.ts"),
  ];
}

/**
 * Whether `argv` runs this checkout's service `name` with its permission set, whichever deno
 * binary runs it (an orphan may come from an `up` run through another one, e.g. npx).
 */
export function isServiceCommand(name: string, argv: readonly string[]): boolean {
  return basename(argv[0] ?? "").startsWith("deno") && argv[1] === "run" &&
    argv.includes(`-P=${name}`) && argv.includes(join(PROJECT_ROOT, name, "main.ts"));
}

/**
 * Every running process of the service `name` that belongs to this stack, tracked or not.
 * Reads the environment only of the few processes whose command line matches.
 */
export async function stackServiceProcesses(
  name: string,
  paths: DataPaths,
): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  const id = stackId(paths);
  for (const pid of await listPids()) {
    if (pid === Deno.pid) continue;
    const info = await readProcess(pid);
    if (info === undefined || !isServiceCommand(name, info.argv)) continue;
    if ((await readEnvironVariable(pid, STACK_VARIABLE)) === id) found.push(info);
  }
  return found;
}

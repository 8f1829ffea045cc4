/**
 * `deno task compile [service...]`: one self-contained binary per service in dist/, each with
 * its own permission set baked in.
 *
 * `deno compile` needs the denort runtime, which it downloads from a host that is not reachable
 * here; the task therefore uses DENORT_BIN (a denort binary of the same Deno version) and stops
 * with one line when it is not set.
 *
 * Exit status: 0 all built, 1 something not built (or no DENORT_BIN), 2 bad arguments.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { compileArgs, permissionSetNames, type ServiceBuild, SERVICES } from "./compile_plan.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const USAGE = `usage: deno task compile [--out-dir dist/DIR] [${
  SERVICES.map((s) => s.name).join(" | ")
} ...]`;

function fail(message: string, code: number): never {
  console.error(`compile: ${message}`);
  if (code === 2) console.error(USAGE);
  Deno.exit(code);
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

function parseArgs(args: string[]): { services: ServiceBuild[]; outDir: string } {
  let outDir = "dist";
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--out-dir") {
      const value = args[++i];
      if (!value) fail("--out-dir needs a folder", 2);
      outDir = value.replace(/\/+$/, "");
    } else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else if (arg.startsWith("-")) fail(`unknown option ${arg}`, 2);
    else names.push(arg);
  }
  if (outDir !== "dist" && !outDir.startsWith("dist/")) {
    fail(`--out-dir must be dist or a folder inside it (got "${outDir}")`, 2);
  }
  const services = names.length === 0 ? SERVICES : names.map((name) => {
    const service = SERVICES.find((s) => s.name === name);
    if (!service) fail(`unknown service "${name}"`, 2);
    return service;
  });
  return { services, outDir };
}

async function checkRuntime(): Promise<void> {
  const denort = Deno.env.get("DENORT_BIN")?.trim();
  if (!denort) {
    fail(
      "DENORT_BIN is not set: deno compile needs the denort runtime (Deno " +
        `${Deno.version.deno}), which it cannot download here; set DENORT_BIN to a denort binary`,
      1,
    );
  }
  const info = await Deno.stat(denort).catch(() => undefined);
  if (!info?.isFile) fail(`DENORT_BIN=${denort} is not a file`, 1);
  const real = (path: string) => Deno.realPath(path).catch(() => path);
  if ((await real(denort)) === (await real(Deno.execPath()))) {
    // Builds, but the result is the deno CLI with a payload it ignores.
    console.error(
      "compile: warning: DENORT_BIN is the deno CLI itself, not denort: the binaries will not run",
    );
  }
}

/** Builds one service; returns a line saying what happened and whether it worked. */
async function build(service: ServiceBuild, outDir: string): Promise<[boolean, string]> {
  const member = `${ROOT}${service.name}`;
  if (!(await exists(`${member}/main.ts`))) {
    return [false, `${service.name}: not built: ${service.name}/main.ts does not exist`];
  }
  const denoJson = await Deno.readTextFile(`${member}/deno.json`).catch(() => "");
  if (!permissionSetNames(denoJson).includes(service.name)) {
    return [
      false,
      `${service.name}: not built: ${service.name}/deno.json has no permission set "${service.name}"`,
    ];
  }
  if (service.prebuild) {
    const step = await run([
      "run",
      `-P=${service.name}-build`,
      `${service.name}/${service.prebuild}`,
    ]);
    if (!step.ok) {
      return [false, `${service.name}: not built: ${service.prebuild} failed:\n${step.tail}`];
    }
  }
  const compiled = await run(compileArgs(service, outDir));
  if (!compiled.ok) return [false, `${service.name}: deno compile failed:\n${compiled.tail}`];
  const size = (await Deno.stat(`${ROOT}${outDir}/${service.name}`)).size;
  return [true, `${service.name}: built ${outDir}/${service.name} (${Math.round(size / 1e6)} MB)`];
}

async function run(args: string[]): Promise<{ ok: boolean; tail: string }> {
  // By name, as the permission set allows it ("run": ["deno"]): the deno on PATH.
  const output = await new Deno.Command("deno", {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const lines = new TextDecoder().decode(new Uint8Array([...output.stdout, ...output.stderr]))
    .split("\n").filter((line) => line.trim() !== "" && !line.includes("experimental feature"));
  return { ok: output.success, tail: lines.slice(-15).map((line) => `  ${line}`).join("\n") };
}

const { services, outDir } = parseArgs(Deno.args);
await checkRuntime();
await Deno.mkdir(`${ROOT}${outDir}`, { recursive: true });
let failures = 0;
for (const service of services) {
  const [ok, line] = await build(service, outDir);
  if (!ok) failures++;
  (ok ? console.log : console.error)(`compile: ${line}`);
}
if (failures > 0) fail(`${failures} of ${services.length} services not built`, 1);

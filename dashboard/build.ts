/**
 * Builds the browser bundle of the islands into static/build/ with `deno bundle` (platform
 * browser, minified). Run by `deno task up`, by the tests, and by hand:
 * `deno run -P=dashboard-build dashboard/build.ts`.
 *
 * @module
 */
import { join } from "node:path";
import { BUNDLE_PATH, STATIC_DIR } from "./server.tsx";

/** The bundle's entry module. */
export const ENTRY = join(import.meta.dirname!, "client.ts");

/** Bundles the islands; resolves to the output path, throws with deno's output on failure. */
export async function buildBundle(
  { outFile = join(STATIC_DIR, BUNDLE_PATH), minify = true } = {},
): Promise<string> {
  const args = ["bundle", "--platform", "browser", "--quiet", "--output", outFile];
  if (minify) args.push("--minify");
  args.push(ENTRY);
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: join(import.meta.dirname!, ".."),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
    throw new Error(`deno bundle failed:\n${text}`);
  }
  return outFile;
}

if (import.meta.main) {
  const started = performance.now();
  const file = await buildBundle();
  const { size } = await Deno.stat(file);
  console.log(JSON.stringify({
    level: "info",
    service: "dashboard",
    message: "bundle built",
    file,
    bytes: size,
    ms: Math.round(performance.now() - started),
    time: new Date().toISOString(),
  }));
}

/**
 * Builds the browser bundles into static/build/ with `deno bundle` (platform browser,
 * minified): the islands (`client.js`) and the service worker (`sw.js`). Run by `deno task up`,
 * by the tests, and by hand: `deno run -P=dashboard-build dashboard/build.ts`.
 *
 * @module
 */
import { join } from "node:path";
import { BUNDLE_PATH, STATIC_DIR, SW_BUNDLE_PATH } from "./shell.tsx";

/** The islands bundle's entry module. */
export const ENTRY = join(import.meta.dirname!, "client.ts");
/** The service worker's entry module. */
export const SW_ENTRY = join(import.meta.dirname!, "sw", "main.ts");

/** Bundles one entry; resolves to the output path, throws with deno's output on failure. */
async function bundle(entry: string, outFile: string, minify: boolean): Promise<string> {
  const args = ["bundle", "--platform", "browser", "--quiet", "--output", outFile];
  if (minify) args.push("--minify");
  args.push(entry);
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: join(import.meta.dirname!, ".."),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
    throw new Error(`deno bundle of ${entry} failed:\n${text}`);
  }
  return outFile;
}

/** Bundles the islands and the service worker into `staticDir`; resolves to both paths. */
export async function buildBundle(
  { staticDir = STATIC_DIR, minify = true } = {},
): Promise<{ client: string; serviceWorker: string }> {
  // One after the other: on a machine where deno has not bundled yet, two `deno bundle` runs at
  // once both install esbuild into the cache and one fails copying it ("failed to copy esbuild
  // binary"). The service worker's bundle takes tens of milliseconds.
  const client = await bundle(ENTRY, join(staticDir, BUNDLE_PATH), minify);
  const serviceWorker = await bundle(SW_ENTRY, join(staticDir, SW_BUNDLE_PATH), minify);
  return { client, serviceWorker };
}

if (import.meta.main) {
  const started = performance.now();
  const files = await buildBundle();
  const bytes: Record<string, number> = {};
  for (const [name, file] of Object.entries(files)) bytes[name] = (await Deno.stat(file)).size;
  console.log(JSON.stringify({
    level: "info",
    service: "dashboard",
    message: "bundles built",
    files,
    bytes,
    ms: Math.round(performance.now() - started),
    time: new Date().toISOString(),
  }));
}

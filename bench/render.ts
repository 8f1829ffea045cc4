/**
 * Run 5: the dashboard's render benchmark (dashboard/render_bench.ts) in Chromium: with 5 000
 * comments stored in the page, a batch of 100 every 100 ms, how long until each is on screen.
 *
 * @module
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "@sentiment/testkit";

/** Median, 90th percentile and maximum, ms, and how many exceeded one 60 Hz frame. */
export interface Spread {
  median: number;
  p90: number;
  max: number;
  overOneFrame: number;
}

/** What dashboard/render_bench.ts --json prints. */
export interface RenderResult {
  collection: number;
  batch: number;
  batches: number;
  batchEveryMs: number;
  localStorageChars: number;
  applyMs: Spread;
  domMs: Spread;
  nextFrameMs: Spread;
  longTasks: { count: number; perSecond: number; ms: Spread | null };
  /** Commits of the comments to localStorage per second, and the characters each wrote. */
  storageWritesPerSecond: number;
  storageCharsPerWrite: number;
  storageWriteMs: Spread;
  chromium: string;
}

/** Runs the render benchmark in its own process and returns its figures. */
export async function runRender(): Promise<RenderResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=dashboard-bench",
      join(PROJECT_ROOT, "dashboard", "render_bench.ts"),
      "--json",
    ],
    cwd: PROJECT_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `dashboard/render_bench.ts failed:\n${stderr.split("\n").slice(-15).join("\n")}`,
    );
  }
  const result = JSON.parse(stdout.split("\n").at(-1) ?? "") as RenderResult;
  if (typeof result?.domMs?.median !== "number") {
    throw new Error(`dashboard/render_bench.ts printed no figures: ${stdout.slice(0, 200)}`);
  }
  return result;
}

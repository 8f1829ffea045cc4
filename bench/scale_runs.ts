/**
 * Run 7 as `deno task bench` runs it: the scale measurement (scale.ts), then run 6's drain
 * alternately with and without migration 6's trigram index, then its own results file and
 * part of BENCHMARKS.md.
 *
 * @module
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "@sentiment/testkit";
import { runPipeline } from "./pipeline.ts";
import type { Machine } from "./report.ts";
import { runScale } from "./scale.ts";
import { scaleMarkdown, type ScaleReport, spliceScaleMarkdown } from "./scale_report.ts";

export interface ScaleRunSettings {
  rows: number;
  /** Comments per drain of the A/B; 0 skips it. */
  abCount: number;
  fullText: boolean;
}

export async function runScaleRuns(
  settings: ScaleRunSettings,
  machine: Machine,
  say: (line: string) => void,
): Promise<ScaleReport> {
  const t0 = performance.now();
  const report: ScaleReport = {
    startedAt: new Date().toISOString().slice(0, 19) + "Z",
    durationSeconds: 0,
    machine: { ...machine, loadAtStart: Deno.loadavg()[0] },
    failures: [],
  };
  try {
    report.scale = await runScale({ rows: settings.rows, say, compareFullText: settings.fullText });
  } catch (error) {
    report.failures.push(`run 7 scale: ${(error as Error).message.split("\n")[0]}`);
    console.error(`[bench] run 7 scale FAILED: ${(error as Error).stack}`);
  }
  if (settings.abCount > 0) {
    try {
      report.pipelineAB = { count: settings.abCount, withIndex: [], withoutIndex: [] };
      // Alternating, so a change in the machine's load falls on both sides.
      for (const withIndex of [true, false, true, false]) {
        say(
          `run 7: drain of ${settings.abCount} ${withIndex ? "with" : "without"} the trigram index`,
        );
        const result = await runPipeline({
          consumers: 1,
          count: settings.abCount,
          say,
          drain: true,
          prepareDatabase: withIndex
            ? undefined
            : async (sql) => void await sql`DROP INDEX comments_text_trgm_idx`,
        });
        const rate = Math.round(result.throughput.sustainedPerSecond);
        (withIndex ? report.pipelineAB.withIndex : report.pipelineAB.withoutIndex).push(rate);
        say(`run 7: ${rate} comments/s`);
      }
    } catch (error) {
      report.failures.push(`run 7 pipeline A/B: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  report.durationSeconds = Math.round((performance.now() - t0) / 1000);
  await writeScaleResults(report);
  return report;
}

async function writeScaleResults(report: ScaleReport): Promise<void> {
  const results = join(PROJECT_ROOT, "bench", "results", "scale.json");
  const benchmarks = join(PROJECT_ROOT, "BENCHMARKS.md");
  await Deno.mkdir(join(PROJECT_ROOT, "bench", "results"), { recursive: true });
  await Deno.writeTextFile(results, JSON.stringify(report, null, 2) + "\n");
  const existing = await Deno.readTextFile(benchmarks).catch(() => "# Benchmarks\n");
  await Deno.writeTextFile(benchmarks, spliceScaleMarkdown(existing, scaleMarkdown(report)));
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", results, benchmarks],
    cwd: PROJECT_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
}

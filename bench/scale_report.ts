/**
 * Run 7's part of BENCHMARKS.md (between its own markers, so runs 1–6 and run 7 can be
 * measured at different times without one erasing the other) and bench/results/scale.json.
 *
 * @module
 */
import { type Machine, n, replaceMarkedBlock } from "./report.ts";
import type { ScaleResult, Timed } from "./scale.ts";

/** The insert-rate A/B of the pipeline (run 6's drain) with and without migration 6's index. */
export interface PipelineAB {
  count: number;
  /** comments/s of each drain, in the order run. */
  withIndex: number[];
  withoutIndex: number[];
}

export interface ScaleReport {
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  scale?: ScaleResult;
  pipelineAB?: PipelineAB;
  failures: string[];
}

const BEGIN =
  "<!-- bench:scale:begin (written by `deno task bench` run 7; edits here are lost) -->";
const END = "<!-- bench:scale:end -->";

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

const pct = (value: number, base: number) => `${n((value / base - 1) * 100, 0)} %`;

function timedRows(rows: Timed[]): string[] {
  return rows.map((t) =>
    `| ${t.label} | \`${t.request.replace(/\|/g, "\\|")}\` | ${t.items} | ${n(t.p50, 1)} | ${
      n(t.p95, 1)
    } | ${n(t.max, 1)} |`
  );
}

/** The timed runs of a search in SQL when its time budget does not stop it (scale.ts REPEAT). */
const SQL_SEARCH_RUNS = 40;

/** Items and p50 / p95 of one search in SQL, or that its statement was cancelled. */
function sqlCells(t: Timed): string {
  if (t.timedOutAfterMs === undefined) {
    // Slow plans stop repeating after the step's time budget: say how few runs the figure has.
    const runs = t.count < SQL_SEARCH_RUNS ? ` (${t.count} run${t.count === 1 ? "" : "s"})` : "";
    return `${t.items} | ${n(t.p50, 1)} / ${n(t.p95, 1)}${runs}`;
  }
  const before = t.count > 0 ? ` after ${t.count} runs (p50 ${n(t.p50, 1)})` : "";
  return `– | timed out (> ${n(t.timedOutAfterMs)} ms)${before}`;
}

export function scaleMarkdown(report: ScaleReport): string {
  const m = report.machine;
  const out: string[] = [
    `Measured ${report.startedAt} in ${n(report.durationSeconds)} s by ` +
    "`BENCH_RUNS=7 deno task bench`.",
    "",
    `Machine: ${m.cores} cores (${m.cpuModel}), ${
      n(m.memoryGiB, 1)
    } GiB, PostgreSQL ${m.postgres}; ` +
    `shared with other work: load average ${n(m.loadAtStart, 2)} at start` +
    (report.scale ? `, ${n(report.scale.loadAverage.end, 2)} at the end of the scale part` : "") +
    `. Code: ${m.commit}.`,
    "",
  ];
  if (report.failures.length > 0) {
    out.push("**FAILED:**", "", ...report.failures.map((f) => `- ${f}`), "");
  }
  const s = report.scale;
  if (s) {
    out.push(
      `**${n(s.rows)} rows** loaded by COPY in ${n(s.loadSeconds)} s (${
        n(s.loadRowsPerSecond)
      } rows/s), ` +
        "indexes built afterwards: " +
        Object.entries(s.indexBuildSeconds).map(([name, sec]) => `${name} ${n(sec, 0)} s`).join(
          ", ",
        ) +
        ".",
      "",
      ...(s.failures.length > 0
        ? ["**Steps that failed:**", "", ...s.failures.map((f) => `- ${f}`), ""]
        : []),
      "Answers of the api (sequential requests, wall time at the client, " +
        "40 after 3 warm-up):",
      "",
      "| request | query | items | p50 ms | p95 ms | max ms |",
      "| --- | --- | --- | --- | --- | --- |",
      ...timedRows(s.api ?? []),
      "",
      "Search index on the same rows, one statement in SQL (`ILIKE` or `@@`, LIMIT 51, newest " +
        "first, the planner's own plan; the api does not run it this way, see " +
        "`api/comments_query.ts` searchRows):",
      "",
      "| search | term | trigram items | trigram p50 / p95 ms | full-text items | full-text p50 / p95 ms |",
      "| --- | --- | --- | --- | --- | --- |",
      ...(s.search?.trigram ?? []).map((t, i) => {
        const f = s.search?.fullText?.[i];
        return `| ${t.label} | \`${t.request}\` | ${sqlCells(t)} | ` +
          (f ? sqlCells(f) : "– | –") + " |";
      }),
      "",
      `Index size: trigram ${n(s.sizesMiB.indexes.comments_text_trgm_idx ?? NaN, 0)} MiB ` +
        `(built in ${n(s.indexBuildSeconds.comments_text_trgm_idx ?? NaN)} s)` +
        (s.search?.fullTextIndexMiB !== undefined
          ? `, full-text ${n(s.search.fullTextIndexMiB, 0)} MiB (built in ${
            n(s.search.fullTextBuildSeconds ?? NaN)
          } s)`
          : "") +
        ".",
      "",
      "Disk (after VACUUM):",
      "",
      "| | MiB | MiB per million rows |",
      "| --- | --- | --- |",
      `| table (heap + TOAST) | ${n(s.sizesMiB.table)} | ${n(s.perMillionMiB.table, 1)} |`,
      ...Object.entries(s.sizesMiB.indexes).map(([name, mib]) =>
        `| ${name} | ${n(mib)} | ${n(mib / (s.rows / 1e6), 1)} |`
      ),
      `| **total** | **${n(s.sizesMiB.total)}** | **${n(s.perMillionMiB.total, 1)}** |`,
      "",
      `The consumer's insert statement (3 000 rows, ON CONFLICT DO NOTHING, RETURNING) into the ` +
        `full table: ${n(s.storeRate.withoutTrigram)} rows/s without a text index, ` +
        (s.storeRate.withFullText !== undefined
          ? `${n(s.storeRate.withFullText)} rows/s with the full-text index alone (${
            pct(s.storeRate.withFullText, s.storeRate.withoutTrigram)
          }), `
          : "") +
        `${n(s.storeRate.withTrigram)} rows/s with the trigram index (${
          pct(s.storeRate.withTrigram, s.storeRate.withoutTrigram)
        })` +
        (s.storeRate.withTrigramNoFastupdate !== undefined
          ? `, ${n(s.storeRate.withTrigramNoFastupdate)} rows/s with it and fastupdate off (${
            pct(s.storeRate.withTrigramNoFastupdate, s.storeRate.withoutTrigram)
          })`
          : "") +
        ".",
      "",
    );
    const r = s.retention;
    if (r) {
      out.push(
        `Retention pass (the consumer's retentionPass, chunks of 2 000): deleted ${n(r.deleted)} ` +
          `rows (the oldest day) in ${n(r.seconds, 1)} s, ${n(r.chunks)} chunks, ` +
          `${n(r.rowsPerSecond)} rows/s, longest chunk ${n(r.longestChunkMs)} ms. ` +
          `A writer inserting 100-row statements meanwhile: p50 / p95 / max ` +
          `${n(r.writerBefore.p50, 1)} / ${n(r.writerBefore.p95, 1)} / ` +
          `${n(r.writerBefore.max, 1)} ms before the pass, ` +
          `${n(r.writerDuring.p50, 1)} / ${n(r.writerDuring.p95, 1)} / ` +
          `**${n(r.writerDuring.max, 1)} ms** during it; the VACUUM after it ` +
          (r.vacuumSettings ? `(${r.vacuumSettings}) ` : "") +
          `took ${n(r.vacuumSeconds)} s, the writer's p95 / max meanwhile ` +
          `${n(r.writerDuringVacuum.p95, 1)} / **${n(r.writerDuringVacuum.max, 1)} ms**.` +
          (r.manual
            ? ` The next day (${n(r.manual.deleted)} rows) the same way in ${
              n(r.manual.seconds, 1)
            } s, writer's max ${n(r.manual.writerDuring.max, 1)} ms, then a manual ` +
              `\`VACUUM comments\` (no cost delay, parallel index workers: not what the ` +
              `product runs) in ${n(r.manual.vacuumSeconds)} s, the writer's p95 / max ` +
              `meanwhile ${n(r.manual.writerDuringVacuum.p95, 1)} / ` +
              `${n(r.manual.writerDuringVacuum.max, 1)} ms.`
            : ""),
        "",
      );
    }
  }
  const ab = report.pipelineAB;
  if (ab) {
    const w = median(ab.withIndex);
    const wo = median(ab.withoutIndex);
    out.push(
      `Pipeline insert rate (run 6's drain of ${n(ab.count)} comments, 1 consumer, alternating): ` +
        `with the trigram index ${ab.withIndex.map((v) => n(v)).join(", ")} comments/s ` +
        `(median ${n(w)}), without ${ab.withoutIndex.map((v) => n(v)).join(", ")} ` +
        `(median ${n(wo)}): ${n((w / wo - 1) * 100, 0)} %.`,
      "",
    );
  }
  return out.join("\n");
}

/** Puts the generated block between run 7's markers (appended at the end the first time). */
export function spliceScaleMarkdown(existing: string, generated: string): string {
  const block = `${BEGIN}\n\n${generated.trimEnd()}\n\n${END}`;
  return replaceMarkedBlock(existing, "<!-- bench:scale:begin", END, block) ??
    `${existing.trimEnd()}\n\n## Scale (run 7)\n\n${block}\n`;
}

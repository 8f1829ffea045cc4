/**
 * Writes the results: bench/results/latest.json, and the generated part of BENCHMARKS.md
 * (between its markers; the hand-written text around them is kept).
 *
 * @module
 */
import type { LatencyResult } from "./latency.ts";
import type { PipelineResult } from "./pipeline.ts";
import type { RenderResult } from "./render.ts";
import type { ProfileSummary } from "./profile.ts";
import type { TransportResult } from "./transport.ts";

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpuModel: string;
  deno: string;
  v8: string;
  kafka: string;
  postgres: string;
  redis: string;
  os: string;
  /** The commit measured, with a note when the services had uncommitted changes. */
  commit: string;
  /** 1-minute load average when the bench started (other work on the machine shows here). */
  loadAtStart: number;
}

export interface Results {
  startedAt: string;
  durationSeconds: number;
  settings: Record<string, string | number | boolean>;
  machine: Machine;
  transport?: TransportResult;
  pipeline: PipelineResult[];
  latency: LatencyResult[];
  dashboard?: RenderResult;
  /** Where the consumer's time went in the profiled run, when one was profiled. */
  profile?: ProfileSummary & { run: string; takenAt: string };
  failures: string[];
}

const BEGIN = "<!-- bench:results:begin (written by `deno task bench`; edits here are lost) -->";
const END = "<!-- bench:results:end -->";

/** A figure with thousands separators and `digits` decimals; "–" when there is none. */
export const n = (value: number, digits = 0): string =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
    : "–";

/** The generated markdown. */
export function markdown(results: Results): string {
  const { machine: m } = results;
  const out: string[] = [];
  out.push(
    `Measured ${results.startedAt} in ${n(results.durationSeconds)} s by \`deno task bench\`.`,
    "",
    `Machine: ${m.cores} cores (${m.cpuModel}), ${n(m.memoryGiB, 1)} GiB memory, ${m.os}; ` +
      `Deno ${m.deno} (V8 ${m.v8}), Apache Kafka ${m.kafka} (KRaft, one node), ` +
      `PostgreSQL ${m.postgres}, Redis ${m.redis}; everything on this one machine. ` +
      `Load average at start: ${n(m.loadAtStart, 2)}. Code: ${m.commit}.`,
    "",
  );
  if (results.failures.length > 0) {
    out.push("**FAILED:**", "", ...results.failures.map((f) => `- ${f}`), "");
  }
  out.push("| run | figure |", "| --- | --- |");
  const t = results.transport;
  if (t) {
    out.push(
      `| 1. transport ceiling (kafkajs consume → produce, idempotent, acks=all) | ` +
        `**${n(t.perSecond)} msg/s** (${n(t.messages)} messages in ${n(t.seconds, 1)} s) |`,
    );
  }
  for (const p of results.pipeline) {
    const label = (p.drain ? "6. drain (200 000 pre-loaded, no producer running)" : "2. pipeline") +
      `, ${p.consumers} consumer${p.consumers > 1 ? "s" : ""}` +
      (p.profiled ? " (under --cpu-prof)" : "");
    const ceiling = t
      ? ` = ${n((p.throughput.sustainedPerSecond / t.perSecond) * 100)} % of run 1`
      : "";
    out.push(
      `| ${label}: sustained | **${n(p.throughput.sustainedPerSecond)} comments/s**${ceiling} ` +
        `(${n(p.throughput.firstAttempt)} first-attempt comments in ${
          n(p.throughput.sustainedSeconds, 1)
        } s) |`,
      `| ${label}: total wall time | ${n(p.throughput.totalSeconds, 1)} s for ${
        n(p.endState.stored)
      } ` +
        `stored (${
          n(p.throughput.overallPerSecond)
        }/s incl. the retry tail; 99 % published after ` +
        `${n(p.throughput.p99CompletionSeconds, 1)} s) |`,
      `| ${label}: end state | ${p.endState.ok ? "verified" : "**WRONG**"}: ${
        n(p.produced)
      } sent ` +
        `(${n(p.duplicatesSent)} duplicates), ${n(p.endState.distinctValid)} distinct, ` +
        `${n(p.endState.stored)} stored once, ${n(p.endState.deadLettered)} dead-lettered, ` +
        `lost ${p.endState.lost}, doubled ${p.endState.doubled}, unpublished ${p.endState.unpublished}; ` +
        `${n(p.retried)} needed retries (max retryCount ${p.maxRetryCount}); ` +
        `producer ${n(p.producerPerSecond)}/s; load average at the end ${n(p.loadAverage, 2)} |`,
    );
  }
  for (const l of results.latency) {
    const f = l.firstAttempt;
    const r = l.retried;
    out.push(
      `| 3. latency at ${n(l.rate)}/s (createdAt → SSE client), no retry | ` +
        `p50 **${n(f.p50)} ms**, p95 ${n(f.p95)} ms, p99 **${n(f.p99)} ms**, max ${n(f.max)} ms ` +
        `(${n(f.count)} comments after a ${l.warmupSeconds} s warm-up) |`,
      `| 3. latency at ${n(l.rate)}/s, after a retry | p50 ${n(r.p50)} ms, p99 ${n(r.p99)} ms, ` +
        `max ${n(r.max)} ms (${n(r.count)} comments); missing at the client: ${l.missing}; ` +
        `load average at the end ${n(l.loadAverage, 2)} |`,
    );
  }
  const d = results.dashboard;
  if (d) {
    const spread = (s: RenderResult["domMs"]) =>
      `median **${n(s.median, 1)} ms**, p90 ${n(s.p90, 1)} ms, max ${n(s.max, 1)} ms`;
    out.push(
      `| 5. dashboard (${d.chromium}): a batch of ${n(d.batch)} into ${n(d.collection)} stored ` +
        `comments, every ${n(d.batchEveryMs)} ms, until on screen | ${spread(d.domMs)}; ` +
        `${n(d.domMs.overOneFrame)} of ${n(d.batches)} batches over one frame (16.7 ms); ` +
        `of which applying to the collection and live queries ${spread(d.applyMs)} |`,
      `| 5. dashboard: tasks and localStorage writes (${n(d.localStorageChars)} characters ` +
        `stored) | ` +
        (d.longTasks.ms
          ? `longest task **${n(d.longTasks.ms.max)} ms**, tasks over 50 ms ` +
            `**${n(d.longTasks.perSecond, 1)}/s** (median ${n(d.longTasks.ms.median)} ms)`
          : "**no task over 50 ms**") +
        `; ${n(d.storageWritesPerSecond, 1)} writes/s of ${n(d.storageCharsPerWrite)} ` +
        `characters each; one write, asked for → committed, ${spread(d.storageWriteMs)} |`,
    );
  }
  out.push("");
  if (results.latency.length > 0) {
    const names = Object.keys(results.latency[0].hops ?? {});
    out.push(
      "Latency by hop (first-attempt comments; each hop from the timestamps it leaves: the raw " +
        "and processed messages' Kafka timestamps, the row's processed_at), p50 / p99 ms:",
      "",
      `| rate | ${names.join(" | ")} |`,
      `| --- | ${names.map(() => "---").join(" | ")} |`,
      ...results.latency.map((l) =>
        `| ${n(l.rate)}/s | ${
          names.map((name) => `${n(l.hops[name]?.p50)} / ${n(l.hops[name]?.p99)}`).join(" | ")
        } |`
      ),
      "",
    );
  }
  if (results.pipeline.length > 0) {
    out.push(
      "Resources during runs 2 and 6 (peak RSS = VmHWM over the process's life; CPU = " +
        "utime+stime from the first produced comment (run 6: from the consumers' start) to " +
        "completion, and per stored comment):",
      "",
      "| run | process | peak RSS | CPU | CPU per comment |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const p of results.pipeline) {
      const run = `${p.drain ? "drain, " : ""}${p.consumers} consumer(s)`;
      const perComment = (seconds: number) =>
        p.endState.stored > 0 ? `${n((seconds * 1e6) / p.endState.stored)} µs` : "–";
      for (const [name, r] of Object.entries(p.resources)) {
        out.push(
          `| ${run} | ${name} | ${n(r.peakRssMiB)} MiB | ${n(r.cpuSeconds, 1)} s | ${
            perComment(r.cpuSeconds)
          } |`,
        );
      }
      for (const [name, seconds] of Object.entries(p.infraCpuSeconds)) {
        out.push(
          `| ${run} | ${name} (machine-wide) | | ${n(seconds, 1)} s | ${perComment(seconds)} |`,
        );
      }
    }
    out.push("");
  }
  const prof = results.profile;
  if (prof) {
    out.push(
      `### Where the consumer's time goes (${prof.run}, profiled ${prof.takenAt})`,
      "",
      `Self time from \`--cpu-prof\`: ${n(prof.busyMs / 1000, 1)} s busy of ` +
        `${n(prof.totalMs / 1000, 1)} s sampled.`,
      "",
      "| by package / module | self ms | share of busy |",
      "| --- | --- | --- |",
      ...prof.groups.slice(0, 12).map((g) => `| ${g.name} | ${n(g.ms)} | ${n(g.percent, 1)} % |`),
      "",
      "| function | where | self ms | share of busy |",
      "| --- | --- | --- | --- |",
      ...prof.functions.slice(0, 20).map((f) =>
        `| \`${f.name}\` | ${f.where || "–"} | ${n(f.ms)} | ${n(f.percent, 1)} % |`
      ),
      "",
    );
  }
  return out.join("\n");
}

/** Replaces the generated part of `existing` (or builds a new file around it). */
export function spliceMarkdown(existing: string | null, generated: string): string {
  const block = `${BEGIN}\n\n${generated.trimEnd()}\n\n${END}`;
  const replaced = existing === null
    ? null
    : replaceMarkedBlock(existing, "<!-- bench:results:begin", END, block);
  if (replaced !== null) return replaced;
  return `# Benchmarks\n\n\`deno task bench\` measures the pipeline on this machine; see ` +
    `the doc comment of bench/main.ts for what each run does and its settings.\n\n## Latest figures\n\n${block}\n` +
    (existing ?? "");
}

/**
 * `existing` with the text from the marker starting `beginPrefix` through `end` replaced by
 * `block`; null when the markers are not there (in that order).
 */
export function replaceMarkedBlock(
  existing: string,
  beginPrefix: string,
  end: string,
  block: string,
): string | null {
  const begin = existing.indexOf(beginPrefix);
  const stop = existing.indexOf(end);
  if (begin < 0 || stop <= begin) return null;
  return existing.slice(0, begin) + block + existing.slice(stop + end.length);
}

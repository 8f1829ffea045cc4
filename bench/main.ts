/**
 * `deno task bench`: end-to-end benchmarks of the pipeline on this machine (issue 7).
 *
 *   run 1  transport ceiling: kafkajs consume → produce, messages/s
 *   run 2  pipeline: BENCH_COUNT comments in burst mode, 1 and 2 consumers, verified end state
 *   run 3  latency at steady rates, createdAt → SSE client, p50/p95/p99
 *   run 4  resources of each service during run 2 (from /proc)
 *   run 5  dashboard: batches of 100 into 5 000 comments in Chromium, time until on screen
 *   run 6  drain: BENCH_COUNT comments on the raw topic before one consumer starts, comments/s
 *          until all are stored and published (nothing else competing for the cores)
 *   run 7  scale (bench/scale.ts): BENCH_SCALE_ROWS (10 M) rows by COPY, the api's answers,
 *          trigram vs full-text search, disk per million rows, a retention pass under inserts,
 *          and run 6 with and without the trigram index (BENCH_SCALE_AB_COUNT, 100 000, twice
 *          each). Not in the default list: it takes 30–60 minutes on 2 shared cores. Its figures
 *          go to their own part of BENCHMARKS.md and bench/results/scale.json.
 *
 * Settings (environment): BENCH_COUNT (200000), BENCH_CONSUMERS ("1,2"),
 * BENCH_LATENCY_RATES ("1000,5000"), BENCH_LATENCY_SECONDS (20), BENCH_WARMUP_SECONDS (2),
 * BENCH_CPU_PROF=1 (profile the consumer in the 1-consumer run 2), BENCH_RUNS ("1,2,6,3,5"),
 * BENCH_ECHO=1 (print the services' log lines), BENCH_CONSUMER_ENV (JSON of extra consumer
 * variables) and BENCH_CONSUMER_DENO_FLAGS (extra deno flags of the consumers), for
 * experiments: their results go to bench/results/experiment.json only.
 *
 * Starts Kafka/PostgreSQL/Redis when they are not running (and stops them again at the end);
 * every run has its own topics, database and services, removed when it ends or on Ctrl-C.
 * Exits non-zero when any run fails, in particular when a comment was lost or doubled.
 *
 * @module
 */
import { join } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";
import { infraConfig, PROJECT_ROOT, unavailableInfrastructure } from "@sentiment/testkit";
import { runLatency } from "./latency.ts";
import { runRender } from "./render.ts";
import { EndStateError, runPipeline } from "./pipeline.ts";
import { cleanupAll, commandOutput, onCleanup } from "./processes.ts";
import { readProfiles, summarizeProfiles } from "./profile.ts";
import { type Machine, markdown, type Results, spliceMarkdown } from "./report.ts";
import { consumerDenoFlags, consumerOverrides } from "./stage.ts";
import { runTransport } from "./transport.ts";
import { runScaleRuns } from "./scale_runs.ts";

const say = (line: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

function envNumber(name: string, fallback: number): number {
  const text = Deno.env.get(name)?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`error: ${name}: "${text}" is not a positive number`);
    Deno.exit(2);
  }
  return value;
}

function envList(name: string, fallback: number[]): number[] {
  const text = Deno.env.get(name)?.trim();
  if (!text) return fallback;
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isFinite(value) || value <= 0)) {
    console.error(`error: ${name}: "${text}" is not a list of positive numbers`);
    Deno.exit(2);
  }
  return values;
}

const settings = {
  count: envNumber("BENCH_COUNT", 200_000),
  consumers: envList("BENCH_CONSUMERS", [1, 2]),
  latencyRates: envList("BENCH_LATENCY_RATES", [1_000, 5_000]),
  latencySeconds: envNumber("BENCH_LATENCY_SECONDS", 20),
  warmupSeconds: envNumber("BENCH_WARMUP_SECONDS", 2),
  cpuProfile: Deno.env.get("BENCH_CPU_PROF") === "1",
  runs: envList("BENCH_RUNS", [1, 2, 6, 3, 5]),
  scaleRows: envNumber("BENCH_SCALE_ROWS", 10_000_000),
  scaleAbCount: envNumber("BENCH_SCALE_AB_COUNT", 100_000),
  scaleFullText: Deno.env.get("BENCH_SCALE_FTS") !== "0",
};

const RESULTS_DIR = join(PROJECT_ROOT, "bench", "results");
const BENCHMARKS_MD = join(PROJECT_ROOT, "BENCHMARKS.md");

async function ensureInfrastructure(): Promise<void> {
  const missing = await unavailableInfrastructure();
  if (missing.length === 0) {
    say("Kafka, PostgreSQL and Redis answer; using them (private topics and database)");
    return;
  }
  say(`${missing.join(", ")} not running: starting the infrastructure (deno task infra start)`);
  // Its own output shows (first start may install packages and fetch the Kafka jars).
  const start = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=infra", join(PROJECT_ROOT, "infra", "cli.ts"), "start"],
    cwd: PROJECT_ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!start.success) throw new Error("deno task infra start failed");
  onCleanup("the infrastructure this bench started", async () => {
    say("stopping the infrastructure this bench started");
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "-P=infra", join(PROJECT_ROOT, "infra", "cli.ts"), "stop"],
      cwd: PROJECT_ROOT,
      stdin: "null",
    }).output();
  });
}

async function machine(): Promise<Machine> {
  const config = infraConfig();
  const cpuinfo = await commandOutput("head", ["-n", "30", "/proc/cpuinfo"]);
  const pom = await Deno.readTextFile(join(PROJECT_ROOT, "infra", "kafka", "pom.xml"))
    .catch(() => "");
  const sql = postgres(config.databaseUrl, { max: 1, onnotice: () => {} });
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const [{ server_version: pg }] = await sql`SHOW server_version`;
    await redis.connect();
    const info = await redis.info("server");
    return {
      cores: navigator.hardwareConcurrency,
      memoryGiB: Deno.systemMemoryInfo().total / 2 ** 30,
      cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      kafka: /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? "unknown",
      postgres: String(pg),
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
      os: `Linux ${Deno.osRelease()}`,
      loadAtStart: Deno.loadavg()[0],
      commit: await commitMeasured(),
    };
  } finally {
    await sql.end();
    redis.disconnect();
  }
}

/** HEAD, and whether the services' folders differ from it (work in progress is measured too). */
async function commitMeasured(): Promise<string> {
  // Set when the bench runs from an exported tree (git archive) of a known commit.
  const given = Deno.env.get("BENCH_COMMIT")?.trim();
  if (given) return given;
  const head = (await commandOutput("git", ["-C", PROJECT_ROOT, "rev-parse", "--short", "HEAD"]))
    .trim();
  const dirty = (await commandOutput("git", [
    "-C",
    PROJECT_ROOT,
    "status",
    "--porcelain",
    "--",
    "consumer",
    "api",
    "producer",
    "sentiment",
    "contracts",
    "kit",
  ])).trim();
  return head === "" ? "unknown" : dirty === "" ? head : `${head} + uncommitted service changes`;
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const results: Results = {
    startedAt: new Date().toISOString().slice(0, 19) + "Z",
    durationSeconds: 0,
    settings: {
      ...settings,
      consumers: settings.consumers.join(","),
      latencyRates: settings.latencyRates.join(","),
      runs: settings.runs.join(","),
    },
    machine: undefined as unknown as Machine,
    pipeline: [],
    latency: [],
    failures: [],
  };
  await ensureInfrastructure();
  results.machine = await machine();
  say(
    `machine: ${results.machine.cores} cores, ${results.machine.memoryGiB.toFixed(1)} GiB, ` +
      `load ${results.machine.loadAtStart.toFixed(2)}; Deno ${results.machine.deno}, ` +
      `Kafka ${results.machine.kafka}, PostgreSQL ${results.machine.postgres}`,
  );

  const attempt = async (what: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      const message = `${what}: ${(error as Error).message}`;
      results.failures.push(message.split("\n")[0]);
      console.error(`\n[bench] FAILED ${message}\n`);
      if (error instanceof EndStateError) results.pipeline.push(error.result);
    }
  };

  if (settings.runs.includes(2) || settings.runs.includes(1)) {
    for (const consumers of settings.consumers) {
      const profileDir = settings.cpuProfile && consumers === settings.consumers[0]
        ? join(PROJECT_ROOT, ".data", "bench", `cpuprof-${Date.now()}`)
        : undefined;
      if (profileDir) await Deno.mkdir(profileDir, { recursive: true });
      const withTransport = settings.runs.includes(1) && results.transport === undefined;
      await attempt(`run 2 with ${consumers} consumer(s)`, async () => {
        say(
          `run 2: pipeline, ${settings.count} comments in burst mode, ${consumers} consumer(s)` +
            (profileDir ? " under --cpu-prof" : ""),
        );
        const result = await runPipeline({
          consumers,
          count: settings.count,
          cpuProfileDir: profileDir,
          say,
          withRawTopic: withTransport
            ? async (topic) => {
              say(`run 1: transport ceiling over the ${settings.count} messages of that raw topic`);
              results.transport = await runTransport(topic, say);
              say(`run 1: ${results.transport.perSecond} messages/s`);
            }
            : undefined,
        });
        results.pipeline.push(result);
        const tp = result.throughput;
        say(
          `run 2 (${consumers}): sustained ${tp.sustainedPerSecond.toFixed(0)} comments/s, ` +
            `total ${tp.totalSeconds.toFixed(1)} s, end state verified ` +
            `(${result.endState.stored} stored once, ${result.endState.deadLettered} dead-lettered)`,
        );
      });
      if (profileDir) {
        const profiles = await readProfiles(profileDir).catch(() => []);
        if (profiles.length > 0) {
          results.profile = {
            ...summarizeProfiles(profiles),
            run: `run 2, ${consumers} consumer(s), ${settings.count} comments`,
            takenAt: new Date().toISOString().slice(0, 16) + "Z",
          };
          say(`profile: ${profiles.length} .cpuprofile file(s) in ${profileDir}`);
        } else {
          results.failures.push(`no .cpuprofile written in ${profileDir}`);
        }
      }
    }
  }
  if (settings.runs.includes(6)) {
    await attempt("run 6", async () => {
      say(`run 6: drain, ${settings.count} comments pre-loaded, then 1 consumer`);
      const result = await runPipeline({ consumers: 1, count: settings.count, say, drain: true });
      results.pipeline.push(result);
      const tp = result.throughput;
      const ceiling = results.transport
        ? ` = ${(tp.sustainedPerSecond / results.transport.perSecond).toFixed(2)} × run 1`
        : "";
      say(
        `run 6: drained at ${tp.sustainedPerSecond.toFixed(0)} comments/s${ceiling}, ` +
          `end state verified (${result.endState.stored} stored once)`,
      );
    });
  }
  if (settings.runs.includes(3)) {
    for (const rate of settings.latencyRates) {
      await attempt(`run 3 at ${rate}/s`, async () => {
        say(`run 3: latency at ${rate} comments/s for ${settings.latencySeconds} s`);
        const result = await runLatency({
          rate,
          seconds: settings.latencySeconds,
          warmupSeconds: settings.warmupSeconds,
          say,
        });
        results.latency.push(result);
        say(
          `run 3 (${rate}/s): p50 ${result.firstAttempt.p50} ms, p95 ${result.firstAttempt.p95} ms, ` +
            `p99 ${result.firstAttempt.p99} ms; retried p50 ${result.retried.p50} ms`,
        );
      });
    }
  }

  if (settings.runs.includes(5)) {
    await attempt("run 5", async () => {
      say("run 5: dashboard render, batches of 100 into 5 000 comments in Chromium");
      results.dashboard = await runRender();
      const { domMs, longTasks } = results.dashboard;
      say(
        `run 5: on screen after median ${domMs.median} ms, p90 ${domMs.p90} ms ` +
          `(${domMs.overOneFrame} of ${results.dashboard.batches} over one frame); ` +
          `${longTasks.perSecond} long tasks/s`,
      );
    });
  }

  if (settings.runs.includes(7)) {
    await attempt("run 7", async () => {
      const scale = await runScaleRuns(
        {
          rows: settings.scaleRows,
          abCount: settings.scaleAbCount,
          fullText: settings.scaleFullText,
        },
        results.machine,
        say,
      );
      results.failures.push(...scale.failures);
    });
  }

  results.durationSeconds = Math.round((performance.now() - t0) / 1000);
  // Run 7 alone keeps the figures of runs 1–6 in BENCHMARKS.md as they are.
  if (settings.runs.some((run) => run !== 7)) await writeResults(results);
  say(`done in ${results.durationSeconds} s`);
  if (results.failures.length > 0) {
    console.error(`[bench] ${results.failures.length} run(s) FAILED:`);
    for (const failure of results.failures) console.error(`  - ${failure}`);
    return 1;
  }
  return 0;
}

/** `deno fmt` on what the bench wrote, so `deno task check` stays clean after a run. */
async function formatFiles(paths: string[]): Promise<void> {
  const present = [];
  for (const path of paths) {
    if (await Deno.stat(path).then(() => true, () => false)) present.push(path);
  }
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", ...present],
    cwd: PROJECT_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!result.success) {
    say(`deno fmt of the results failed: ${new TextDecoder().decode(result.stderr).trim()}`);
  }
}

async function writeResults(results: Results): Promise<void> {
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  const overrides = consumerOverrides();
  const flags = consumerDenoFlags();
  if (Object.keys(overrides).length > 0 || flags.length > 0) {
    // An experiment: kept apart so that BENCHMARKS.md shows the services as configured.
    results.settings.consumerEnv = JSON.stringify(overrides);
    results.settings.consumerDenoFlags = flags.join(" ");
    await Deno.writeTextFile(
      join(RESULTS_DIR, "experiment.json"),
      JSON.stringify(results, null, 2) + "\n",
    );
    await formatFiles([join(RESULTS_DIR, "experiment.json")]);
    say("wrote bench/results/experiment.json (BENCH_CONSUMER_ENV set; BENCHMARKS.md untouched)");
    return;
  }
  // A run without a profile keeps the last profile taken, marked with its date.
  if (!results.profile) {
    try {
      const previous = JSON.parse(await Deno.readTextFile(join(RESULTS_DIR, "profile.json")));
      results.profile = previous;
    } catch { /* none yet */ }
  } else {
    await Deno.writeTextFile(
      join(RESULTS_DIR, "profile.json"),
      JSON.stringify(results.profile, null, 2) + "\n",
    );
  }
  await Deno.writeTextFile(
    join(RESULTS_DIR, "latest.json"),
    JSON.stringify(results, null, 2) + "\n",
  );
  const existing = await Deno.readTextFile(BENCHMARKS_MD).catch(() => null);
  await Deno.writeTextFile(BENCHMARKS_MD, spliceMarkdown(existing, markdown(results)));
  await formatFiles([
    BENCHMARKS_MD,
    join(RESULTS_DIR, "latest.json"),
    join(RESULTS_DIR, "profile.json"),
  ]);
  say(`wrote bench/results/latest.json and BENCHMARKS.md`);
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    if (interrupted) Deno.exit(130);
    interrupted = true;
    console.error(`\n[bench] ${signal}: stopping everything this bench started`);
    await cleanupAll(say);
    Deno.exit(130);
  });
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`[bench] FAILED: ${(error as Error).stack ?? error}`);
} finally {
  await cleanupAll();
}
Deno.exit(code);

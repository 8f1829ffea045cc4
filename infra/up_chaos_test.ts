/**
 * `up`, `status` and `down` with real processes on a private stack: every service on free
 * ports, a temporary data folder, and the running Kafka, PostgreSQL and Redis with a test
 * database, test topics and a test Redis index (so `up` reuses them and starts only the
 * services). Then each service in turn is killed with SIGKILL and `up` must start exactly that
 * one, `status` must tell the truth before and after, no untracked process may remain, and
 * `down` must leave nothing running. Two `up` runs at once must not interleave. A service whose
 * pid file is lost is an orphan, which status shows, `up` replaces and `down` stops.
 *
 * UP_CHAOS_ROTATIONS=n repeats the kill rotation n times (default 1: each service once);
 * TEST_ECHO_SERVICES=1 prints what each command printed.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "./paths.ts";
import { listPids, readEnvironVariable, readProcess } from "./proc.ts";
import { readRecord } from "./processes.ts";
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  infraConfig,
  integrationTest,
  testRedisUrl,
} from "@sentiment/testkit";

const SERVICES = ["sentiment", "consumer", "api", "dashboard", "producer"] as const;
type Service = typeof SERVICES[number];

interface Run {
  code: number;
  lines: string[];
}

/** Runs `infra/cli.ts <command>` as `deno task <command>` would, with the stack's variables. */
async function cli(command: string, env: Record<string, string>): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=infra", join(PROJECT_ROOT, "infra/cli.ts"), command],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  if (Deno.env.get("TEST_ECHO_SERVICES") === "1") {
    console.log(`$ ${command} (exit ${output.code})\n${text}`);
  }
  return { code: output.code, lines: text.split("\n").filter((line) => line.trim() !== "") };
}

/** The services an `up` run says it started (`[infra] <name>: started in …`). */
function startedBy(run: Run): string[] {
  return run.lines.flatMap((line) => {
    const match = /^\[infra\] (\w+): started in /.exec(line);
    return match && (SERVICES as readonly string[]).includes(match[1]) ? [match[1]] : [];
  });
}

/**
 * Every running process of `service` in this stack, found without infra's own code: its
 * command line runs this checkout's `<service>/main.ts` with `-P=<service>`, and its
 * environment names this stack's data folder.
 */
async function stackProcesses(service: Service, dataDir: string): Promise<number[]> {
  const main = join(PROJECT_ROOT, service, "main.ts");
  const found: number[] = [];
  for (const pid of await listPids()) {
    const info = await readProcess(pid);
    if (!info?.argv.includes(main) || !info.argv.includes(`-P=${service}`)) continue;
    if ((await readEnvironVariable(pid, "SENTIMENT_INFRA_STACK")) === dataDir) found.push(pid);
  }
  return found;
}

async function trackedPids(dataDir: string): Promise<Record<Service, number | undefined>> {
  const entries = await Promise.all(
    SERVICES.map(async (service) => {
      const record = await readRecord({
        name: service,
        pidFile: join(dataDir, "run", `${service}.pid`),
        logFile: "",
      });
      return [service, record?.pid] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<Service, number | undefined>;
}

/** `status` rows by name: [state, detail]. */
function statusRows(run: Run): Map<string, [string, string]> {
  const rows = new Map<string, [string, string]>();
  for (const line of run.lines) {
    const match = /^(\S+)\s+(\S+(?: READY)?)\s*(.*)$/.exec(line);
    if (match) rows.set(match[1], [match[2], match[3]]);
  }
  return rows;
}

/** Checks that each service runs exactly once, as the process its pid file names. */
async function assertEachRunsOnce(dataDir: string, what: string) {
  const tracked = await trackedPids(dataDir);
  for (const service of SERVICES) {
    const running = await stackProcesses(service, dataDir);
    ok(tracked[service] !== undefined, `${what}: ${service} has a pid file`);
    assertEquals(
      running,
      [tracked[service]],
      `${what}: ${service} runs once, as its pid file says`,
    );
  }
  return tracked as Record<Service, number>;
}

/** Waits until `status` exits 0 with every service healthy under its tracked pid. */
async function assertStatusAllHealthy(env: Record<string, string>, pids: Record<Service, number>) {
  // The consumer is healthy at once but ready only once its group has rebalanced (the dead
  // member's session must expire first), so status is asked again until it says ready.
  const run = await eventually(
    async () => {
      const result = await cli("status", env);
      return result.code === 0 ? result : undefined;
    },
    90_000,
    "status exiting 0",
    1_000,
  );
  const rows = statusRows(run);
  for (const service of SERVICES) {
    const [state, detail] = rows.get(service) ?? ["(missing)", ""];
    assertEquals(state, "healthy", `${service}: ${detail}`);
    ok(detail.startsWith(`pid ${pids[service]}`), `${service}: ${detail}`);
    ok(!detail.includes("orphan"), `${service}: ${detail}`);
  }
}

async function waitGone(pid: number) {
  await eventually(async () => (await readProcess(pid)) === undefined || undefined, 10_000);
}

integrationTest(
  "up after kill -9 of each service starts exactly that one; status tells the truth; down stops all",
  async () => {
    const topics = await createTestTopics(3);
    await using db = await createTestDatabase();
    const dataDir = await Deno.makeTempDir({ prefix: "infra-up-chaos-" });
    const port = async () => String(await freePort());
    const ports = {
      SENTIMENT_PORT: await port(),
      SENTIMENT_METRICS_PORT: await port(),
      CONSUMER_HEALTH_PORT: await port(),
      API_PORT: await port(),
      DASHBOARD_PORT: await port(),
      PRODUCER_HEALTH_PORT: await port(),
    };
    const env: Record<string, string> = {
      NO_COLOR: "1",
      SENTIMENT_DATA_DIR: dataDir,
      KAFKA_BROKERS: infraConfig().kafkaBrokers.join(","),
      DATABASE_URL: db.url,
      REDIS_URL: await testRedisUrl(),
      ...topics.env,
      ...ports,
      SENTIMENT_HOST: "127.0.0.1",
      CONSUMER_HEALTH_HOST: "127.0.0.1",
      API_HOST: "127.0.0.1",
      DASHBOARD_HOST: "127.0.0.1",
      PRODUCER_HEALTH_HOST: "127.0.0.1",
      SENTIMENT_ADDRESS: `127.0.0.1:${ports.SENTIMENT_PORT}`,
      API_URL: `http://127.0.0.1:${ports.API_PORT}`,
      CONSUMER_GROUP: `test-up-chaos-${crypto.randomUUID().slice(0, 8)}`,
      // A killed consumer's group member expires sooner, so its successor is ready sooner.
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      API_TOKEN: "",
    };
    const rotations = Number(Deno.env.get("UP_CHAOS_ROTATIONS") ?? "1");
    let downDone = false;
    try {
      // Two `up` runs at once: the lock makes one wait; together they start each service once.
      const [first, second] = await Promise.all([cli("up", env), cli("up", env)]);
      assertEquals([first.code, second.code], [0, 0], [...first.lines, ...second.lines].join("\n"));
      assertEquals(
        [...startedBy(first), ...startedBy(second)].sort(),
        [...SERVICES].sort(),
        "each service started by exactly one of the two runs",
      );
      ok(
        [...first.lines, ...second.lines].some((line) => line.includes("waiting for `up` (pid")),
        "one run waited for the other",
      );
      let pids = await assertEachRunsOnce(dataDir, "after two concurrent ups");
      await assertStatusAllHealthy(env, pids);

      let right = 0;
      let tried = 0;
      for (let rotation = 0; rotation < rotations; rotation++) {
        for (const victim of SERVICES) {
          tried++;
          Deno.kill(pids[victim], "SIGKILL");
          await waitGone(pids[victim]);
          const before = await cli("status", env);
          ok(before.code !== 0, "status fails while a service is down");
          assertEquals(statusRows(before).get(victim)?.[0], "stopped", before.lines.join("\n"));

          const again = await cli("up", env);
          assertEquals(again.code, 0, again.lines.join("\n"));
          assertEquals(startedBy(again), [victim], again.lines.join("\n"));
          const now = await assertEachRunsOnce(dataDir, `after kill -9 of ${victim}`);
          for (const service of SERVICES) {
            if (service === victim) {
              ok(now[service] !== pids[service], `${victim} is a new process`);
            } else assertEquals(now[service], pids[service], `${service} was left running`);
          }
          await assertStatusAllHealthy(env, now);
          pids = now;
          right++;
        }
      }
      console.log(`up after kill -9: ${right} of ${tried} runs right`);

      // A process whose pid file is lost (as when an `up` dies between starting and recording
      // it) is an orphan: status says so, `up` replaces it with a tracked one.
      await Deno.remove(join(dataDir, "run", "consumer.pid"));
      const orphaned = await cli("status", env);
      ok(orphaned.code !== 0, "status fails while an orphan runs");
      assertEquals(
        statusRows(orphaned).get("consumer"),
        ["ORPHAN", `orphan pid ${pids.consumer}  (untracked: \`up\` replaces, \`down\` stops it)`],
      );
      const adopted = await cli("up", env);
      assertEquals(adopted.code, 0, adopted.lines.join("\n"));
      ok(
        adopted.lines.includes(
          `[infra] consumer: stopping orphan pid ${pids.consumer} (not tracked by a pid file)`,
        ),
        adopted.lines.join("\n"),
      );
      assertEquals(startedBy(adopted), ["consumer"]);
      pids = await assertEachRunsOnce(dataDir, "after up replaced an orphan");
      await assertStatusAllHealthy(env, pids);

      // `down` stops orphans too.
      await Deno.remove(join(dataDir, "run", "producer.pid"));

      const down = await cli("down", env);
      downDone = true;
      assertEquals(down.code, 0, down.lines.join("\n"));
      ok(down.lines.includes(`[infra] producer: stopped orphan pid ${pids.producer}`));
      for (const service of SERVICES) {
        assertEquals(await stackProcesses(service, dataDir), [], `${service} stopped by down`);
      }
      assertEquals(Object.values(await trackedPids(dataDir)), SERVICES.map(() => undefined));
      const after = await cli("status", env);
      ok(after.code !== 0, "status fails when everything is stopped");
      for (const service of SERVICES) {
        assertEquals(statusRows(after).get(service)?.[0], "stopped", after.lines.join("\n"));
      }
    } finally {
      if (!downDone) await cli("down", env).catch(() => {});
      // Whatever `down` missed (a failure above may be the reason) is killed, never left over.
      for (const service of SERVICES) {
        for (const pid of await stackProcesses(service, dataDir)) Deno.kill(pid, "SIGKILL");
      }
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "./paths.ts";

/** Runs `deno task up` (infra/cli.ts up) with a throw-away data folder and the given variables. */
async function up(env: Record<string, string>) {
  const dataDir = await Deno.makeTempDir({ prefix: "infra-cli-" });
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=infra", join(PROJECT_ROOT, "infra/cli.ts"), "up"],
    cwd: PROJECT_ROOT,
    env: { SENTIMENT_DATA_DIR: dataDir, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr).split("\n")
    .filter((line) => line.startsWith("error"));
  const started = [...Deno.readDirSync(dataDir)].map((entry) => entry.name);
  await Deno.remove(dataDir, { recursive: true });
  return { code: output.code, errors: stderr, started };
}

const cases: [string, Record<string, string>, string][] = [
  ["an unparsable port", { API_PORT: "30o1" }, "API_PORT"],
  ["a topic partition count of 0", { KAFKA_PARTITIONS: "0" }, "KAFKA_PARTITIONS"],
  [
    "an unreachable DATABASE_URL",
    { DATABASE_URL: "postgres://u:secret@127.0.0.1:1/db" },
    "DATABASE_URL",
  ],
  ["an unreachable REDIS_URL", { REDIS_URL: "redis://127.0.0.1:1" }, "REDIS_URL"],
  ["a broker list without a port", { KAFKA_BROKERS: "localhost" }, "KAFKA_BROKERS"],
];

for (const [what, env, variable] of cases) {
  Deno.test(`bad configuration (${what}) stops \`up\` with one line naming ${variable}`, async () => {
    const result = await up(env);
    ok(result.code !== 0, "exit code is not 0");
    assertEquals(result.errors.length, 1, `one error line, got ${JSON.stringify(result.errors)}`);
    ok(result.errors[0].includes(variable), result.errors[0]);
    ok(!result.errors[0].includes("secret"), "passwords are not printed");
    assertEquals(result.started, [], "nothing was started");
  });
}

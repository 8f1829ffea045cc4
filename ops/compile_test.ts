/**
 * `deno task compile` as a real process. Building a runnable binary needs a denort runtime
 * (DENORT_BIN), which cannot be downloaded here: that test skips loudly without one. What can be
 * checked without it is checked: the refusal without DENORT_BIN, argument errors, and (with the
 * deno CLI standing in for denort, which builds but does not run) that each binary carries its
 * member's own permission set and the data files it needs.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { freePort, PROJECT_ROOT } from "@sentiment/testkit";
import { runtimeFlags } from "@sentiment/infra/runtime_flags";
import { compileArgs, permissionSetNames, SERVICES } from "./compile_plan.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function compile(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const keep = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"];
  const base = Object.fromEntries(
    keep.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=ops-compile", join(PROJECT_ROOT, "ops/compile.ts"), ...args],
    cwd: PROJECT_ROOT,
    clearEnv: true,
    env: { ...base, NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

const problems = (run: Run) =>
  run.stderr.split("\n").filter((line) => line !== "" && !line.includes("experimental feature"));

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/** The permissions JSON `deno compile` embedded in a binary's metadata. */
async function bakedPermissions(binary: string): Promise<Record<string, unknown>> {
  const bytes = await Deno.readFile(binary);
  const marker = new TextEncoder().encode('"permissions":{"allow_env"');
  let start = -1;
  search: for (let i = 0; i <= bytes.length - marker.length; i++) {
    for (let j = 0; j < marker.length; j++) if (bytes[i + j] !== marker[j]) continue search;
    start = i + '"permissions":'.length;
    break;
  }
  ok(start >= 0, "no permissions in the binary's metadata");
  let depth = 0;
  for (let end = start; end < bytes.length; end++) {
    if (bytes[end] === 0x7b) depth++;
    if (bytes[end] === 0x7d && --depth === 0) {
      return JSON.parse(new TextDecoder().decode(bytes.subarray(start, end + 1)));
    }
  }
  throw new Error("unterminated permissions JSON");
}

async function permissionSet(member: string): Promise<Record<string, unknown>> {
  const json = JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, member, "deno.json")));
  return json.permissions[member];
}

Deno.test("compile without DENORT_BIN stops with one line saying so", async () => {
  const run = await compile(["sentiment"]);
  assertEquals(run.code, 1);
  assertEquals(problems(run).length, 1, run.stderr);
  ok(problems(run)[0].startsWith("compile: DENORT_BIN is not set"), run.stderr);
  const missing = await compile(["sentiment"], { DENORT_BIN: "/nonexistent/denort" });
  assertEquals(missing.code, 1);
  assertEquals(problems(missing), ["compile: DENORT_BIN=/nonexistent/denort is not a file"]);
});

Deno.test("compile refuses unknown services and options with the usage, exit 2", async () => {
  for (const args of [["frontend"], ["--fast"], ["--out-dir", "/tmp/x"], ["--out-dir"]]) {
    const run = await compile(args, { DENORT_BIN: Deno.execPath() });
    assertEquals(run.code, 2, args.join(" "));
    ok(problems(run)[1]?.startsWith("usage: deno task compile"), run.stderr);
  }
});

Deno.test("each service is compiled with its own permission set and its data files", () => {
  for (const service of SERVICES) {
    const args = compileArgs(service, "dist");
    ok(args.includes(`-P=${service.name}`));
    ok(args.includes("--no-prompt"));
    assertEquals(args.at(-1), `${service.name}/main.ts`);
  }
  const includes = (name: string) =>
    compileArgs(SERVICES.find((s) => s.name === name)!, "dist")
      .flatMap((arg, i, all) => all[i - 1] === "--include" ? [arg] : []);
  assertEquals(includes("sentiment"), ["proto/sentiment.proto", "sentiment/grpc"]);
  assertEquals(includes("consumer"), ["proto/sentiment.proto"]);
  assertEquals(includes("dashboard"), ["dashboard/static"]);
  // The consumer's heap bounds are baked in as `deno run` gets them.
  const consumerArgs = compileArgs(SERVICES.find((s) => s.name === "consumer")!, "dist");
  ok(runtimeFlags("consumer").length > 0);
  for (const flag of runtimeFlags("consumer")) ok(consumerArgs.includes(flag), flag);
  assertEquals(permissionSetNames('{"permissions":{"a":{},"a-build":{}}}'), ["a", "a-build"]);
  assertEquals(permissionSetNames("not json"), []);
});

Deno.test({
  name: "a compiled binary carries its member's permission set (deno CLI as stand-in runtime)",
  ignore: !(await exists(join(PROJECT_ROOT, "sentiment/main.ts"))),
  fn: async () => {
    const outDir = `dist/.test-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const run = await compile(["--out-dir", outDir, "sentiment"], {
        DENORT_BIN: Deno.execPath(),
      });
      assertEquals(run.code, 0, run.stderr);
      ok(run.stderr.includes("DENORT_BIN is the deno CLI itself"), run.stderr);
      ok(run.stdout.includes(`compile: sentiment: built ${outDir}/sentiment`), run.stdout);
      const binary = join(PROJECT_ROOT, outDir, "sentiment");
      const baked = await bakedPermissions(binary);
      const declared = await permissionSet("sentiment");
      assertEquals(baked.allow_net, declared.net);
      assertEquals(baked.allow_env, declared.env);
      assertEquals(baked.allow_write, null);
      assertEquals(baked.allow_run, null);
      assertEquals(baked.prompt, false);
      const bytes = await Deno.readFile(binary);
      ok(new TextDecoder("latin1").decode(bytes).includes("sentiment.proto"), "proto embedded");
    } finally {
      await Deno.remove(join(PROJECT_ROOT, outDir), { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "a compiled sentiment binary starts and answers its health check (needs DENORT_BIN)",
  fn: async () => {
    const denort = Deno.env.get("DENORT_BIN");
    const isCli = denort !== undefined &&
      (await Deno.realPath(denort).catch(() => denort)) === (await Deno.realPath(Deno.execPath()));
    if (!denort || isCli || !(await exists(denort))) {
      console.error(
        "\n!!! SKIPPED compiled-binary health check: DENORT_BIN does not name a denort runtime " +
          `(Deno ${Deno.version.deno}); deno compile cannot download one here.\n`,
      );
      return;
    }
    const outDir = `dist/.test-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const built = await compile(["--out-dir", outDir, "sentiment"], { DENORT_BIN: denort });
      assertEquals(built.code, 0, built.stderr);
      const port = await freePort();
      const child = new Deno.Command(join(PROJECT_ROOT, outDir, "sentiment"), {
        env: { SENTIMENT_PORT: String(port) },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        let healthy = false;
        for (let i = 0; i < 100 && !healthy; i++) {
          healthy = await Deno.connect({ hostname: "127.0.0.1", port }).then(
            (conn) => (conn.close(), true),
            () => false,
          );
          if (!healthy) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        ok(healthy, "the compiled sentiment service did not listen");
      } finally {
        child.kill("SIGTERM");
        await child.status;
      }
    } finally {
      await Deno.remove(join(PROJECT_ROOT, outDir), { recursive: true }).catch(() => {});
    }
  },
});

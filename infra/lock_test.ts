import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { dataPaths, PROJECT_ROOT } from "./paths.ts";
import { withInfraLock } from "./lock.ts";

/**
 * Another process (as another `up` would be) that takes the lock, prints "held", keeps it for
 * `holdMs`, and writes `holder-done` in the folder as its last act under the lock.
 */
function holder(dataDir: string, holdMs: number) {
  const lock = pathToFileURL(join(PROJECT_ROOT, "infra/lock.ts")).href;
  const paths = pathToFileURL(join(PROJECT_ROOT, "infra/paths.ts")).href;
  const code = `
    import { withInfraLock } from "${lock}";
    import { dataPaths } from "${paths}";
    await withInfraLock(dataPaths(Deno.env.get("DIR")), "up", () => {}, async () => {
      console.log("held");
      await new Promise((resolve) => setTimeout(resolve, Number(Deno.env.get("HOLD_MS"))));
      await Deno.writeTextFile(Deno.env.get("DIR") + "/holder-done", "");
    });`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    cwd: PROJECT_ROOT,
    env: { DIR: dataDir, HOLD_MS: String(holdMs) },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const held = (async () => {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    ok(new TextDecoder().decode(value).includes("held"), "the holder took the lock");
  })();
  return { child, held };
}

async function scratch() {
  const dir = await Deno.makeTempDir({ prefix: "infra-lock-" });
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("a second run waits for the holder, says for whom, and runs after it", async () => {
  await using s = await scratch();
  const other = holder(s.dir, 1_500);
  await other.held;
  const said: string[] = [];
  let holderWasDone = false;
  await withInfraLock(dataPaths(s.dir), "down", (line) => said.push(line), async () => {
    holderWasDone = await Deno.stat(join(s.dir, "holder-done")).then(() => true, () => false);
  });
  await other.child.status;
  await other.child.stdout.cancel().catch(() => {});
  ok(holderWasDone, "the second run started only after the holder's work ended");
  assertEquals(said.length, 1, JSON.stringify(said));
  ok(said[0].startsWith(`waiting for \`up\` (pid ${other.child.pid}, since `), said[0]);
});

Deno.test("a holder killed with -9 leaves no stale lock behind", async () => {
  await using s = await scratch();
  const other = holder(s.dir, 60_000);
  await other.held;
  other.child.kill("SIGKILL");
  await other.child.status;
  await other.child.stdout.cancel().catch(() => {});
  const said: string[] = [];
  const result = await withInfraLock(
    dataPaths(s.dir),
    "up",
    (line) => said.push(line),
    () => Promise.resolve("ran"),
  );
  assertEquals([result, said], ["ran", []]);
});

Deno.test("a run that waited too long refuses, naming the holder, and runs nothing", async () => {
  await using s = await scratch();
  const other = holder(s.dir, 60_000);
  await other.held;
  let ran = false;
  try {
    await rejects(
      withInfraLock(dataPaths(s.dir), "down", () => {}, () => {
        ran = true;
        return Promise.resolve();
      }, 500),
      (error: Error) => error.message.includes(`\`up\` (pid ${other.child.pid}`),
    );
    assertEquals(ran, false);
  } finally {
    other.child.kill("SIGKILL");
    await other.child.status;
    await other.child.stdout.cancel().catch(() => {});
  }
});

Deno.test("runs one after the other in one process release the lock each time", async () => {
  await using s = await scratch();
  const paths = dataPaths(s.dir);
  const first = await withInfraLock(paths, "up", () => {}, () => Promise.resolve(1));
  await rejects(withInfraLock(paths, "up", () => {}, () => Promise.reject(new Error("failed"))));
  const third = await withInfraLock(paths, "up", () => {}, () => Promise.resolve(3), 1_000);
  assertEquals([first, third], [1, 3]);
});

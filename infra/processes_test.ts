import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { readProcess } from "./proc.ts";
import {
  background,
  readRecord,
  runningPid,
  spawnBackground,
  stopBackground,
  stopProcess,
} from "./processes.ts";

/** A throw-away run/log folder and one background process description in it. */
async function scratch() {
  const dir = await Deno.makeTempDir({ prefix: "infra-processes-" });
  const proc = background("thing", join(dir, "run"), join(dir, "logs"));
  return {
    proc,
    async [Symbol.asyncDispose]() {
      await stopBackground(proc, 1_000);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const gone = async (pid: number) => (await readProcess(pid)) === undefined;

Deno.test("spawnBackground returns the pid it spawned, not the one a stale pid file names", async () => {
  await using s = await scratch();
  await Deno.mkdir(join(s.proc.pidFile, ".."), { recursive: true });
  // The stale file names a living process (this one), as after a crash and pid reuse.
  const self = await readProcess(Deno.pid);
  await Deno.writeTextFile(s.proc.pidFile, JSON.stringify({ ...self, startedAt: "" }));
  const pid = await spawnBackground(s.proc, ["sleep", "30"]);
  ok(pid !== Deno.pid);
  assertEquals((await readProcess(pid))?.argv, ["sleep", "30"]);
  const record = await readRecord(s.proc);
  assertEquals([record?.pid, record?.argv], [pid, ["sleep", "30"]]);
  assertEquals(record?.startTime, (await readProcess(pid))?.startTime);
  assertEquals(await runningPid(s.proc), pid);
});

Deno.test("a spawned process runs in a session of its own and writes to its log", async () => {
  await using s = await scratch();
  const pid = await spawnBackground(s.proc, [
    "bash",
    "-c",
    "echo started; while :; do sleep 0.1; done",
  ]);
  assertEquals((await readProcess(pid))?.session, pid);
  for (let i = 0; i < 100 && !(await Deno.readTextFile(s.proc.logFile)).includes("started"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assertEquals(await Deno.readTextFile(s.proc.logFile), "started\n");
});

Deno.test("runningPid answers only while pid, start time and command line all match", async () => {
  await using s = await scratch();
  const pid = await spawnBackground(s.proc, ["sleep", "30"]);
  const record = (await readRecord(s.proc))!;
  const write = (changes: object) =>
    Deno.writeTextFile(s.proc.pidFile, JSON.stringify({ ...record, ...changes }));

  await write({ startTime: record.startTime + 1 });
  assertEquals(await runningPid(s.proc), undefined, "another start time is another process");
  await write({ argv: ["sleep", "31"] });
  assertEquals(await runningPid(s.proc), undefined, "another command line is another process");
  await write({});
  assertEquals(await runningPid(s.proc), pid);

  Deno.kill(pid, "SIGKILL");
  for (let i = 0; i < 100 && !(await gone(pid)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assertEquals(await runningPid(s.proc), undefined, "killed with -9, the file names nothing");
  await Deno.writeTextFile(s.proc.pidFile, "not a record");
  assertEquals(await runningPid(s.proc), undefined);
});

Deno.test("a pid-only file of the earlier format counts only for a process started as it was written", async () => {
  await using s = await scratch();
  const pid = await spawnBackground(s.proc, ["sleep", "30"]);
  await Deno.writeTextFile(s.proc.pidFile, `${pid}\n`);
  assertEquals(await runningPid(s.proc), pid, "written right after the start: that process");
  assertEquals((await readRecord(s.proc))?.argv, ["sleep", "30"], "rewritten in the new format");

  // pid 1 started at boot, long before the file: its pid was reused by it, or never ours.
  await Deno.writeTextFile(s.proc.pidFile, "1\n");
  assertEquals(await runningPid(s.proc), undefined);
  await Deno.writeTextFile(s.proc.pidFile, `${pid}\n`);
  const hourAgo = new Date(Date.now() - 3_600_000);
  await Deno.utime(s.proc.pidFile, hourAgo, hourAgo);
  assertEquals(await runningPid(s.proc), undefined, "a process started after its file was written");
});

Deno.test("stopProcess leaves alone a process whose start time differs from the identity", async () => {
  await using s = await scratch();
  const pid = await spawnBackground(s.proc, ["sleep", "30"]);
  const { startTime } = (await readRecord(s.proc))!;
  assertEquals(await stopProcess({ pid, startTime: startTime - 1 }, 100), false);
  ok(!(await gone(pid)), "still running");
  assertEquals(await stopProcess({ pid, startTime }, 5_000), true);
  ok(await gone(pid));
});

Deno.test("stopBackground kills a process that ignores SIGTERM after the grace time", async () => {
  await using s = await scratch();
  const pid = await spawnBackground(s.proc, [
    "bash",
    "-c",
    "trap '' TERM; while :; do sleep 0.1; done",
  ]);
  assertEquals(await stopBackground(s.proc, 300), true);
  ok(await gone(pid));
  assertEquals(await Deno.stat(s.proc.pidFile).catch(() => undefined), undefined, "file removed");
  assertEquals(await stopBackground(s.proc, 300), false, "nothing left to stop");
});

import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import {
  listenerPids,
  listensOn,
  parseNetTcp,
  parseNulList,
  parseStat,
  readEnvironVariable,
  readProcess,
  socketInode,
  startTimeToEpochMs,
} from "./proc.ts";

// A real line of /proc/<pid>/stat, with a command name holding ") (" and spaces.
const STAT = "4242 (we ird) (x) S 1 4242 4242 0 -1 4194560 1165 0 0 0 12 3 0 0 20 0 1 0 " +
  "578764 3133440 382 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

Deno.test("parseStat counts fields after the last ')' so a name with ') (' cannot shift them", () => {
  assertEquals(parseStat(STAT), {
    pid: 4242,
    comm: "we ird) (x",
    state: "S",
    ppid: 1,
    session: 4242,
    startTime: 578764,
  });
});

Deno.test("parseStat refuses a line that is not a stat line", () => {
  throws(() => parseStat("hello"));
  throws(() => parseStat("12 (x) S 1 2"));
});

Deno.test("parseNulList splits cmdline and environ, the final NUL ending the last item", () => {
  const bytes = new TextEncoder().encode("deno\0run\0-P=api\0\0/a b/main.ts\0");
  assertEquals(parseNulList(bytes), ["deno", "run", "-P=api", "", "/a b/main.ts"]);
  assertEquals(parseNulList(new Uint8Array()), []);
});

Deno.test("parseNetTcp keeps only listening sockets, with their port and inode", () => {
  const table = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 24235 1 0000 100 0 0 10 0",
    "   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 25818 1 0000 100 0 0 10 0",
    "   2: 00000000000000000000000000000000:0BB9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000 100 0 0 10 0",
    "",
  ].join("\n");
  assertEquals(parseNetTcp(table), [
    { address: "0100007F", port: 5432, inode: 24235 },
    { address: "00000000000000000000000000000000", port: 3001, inode: 777 },
  ]);
});

Deno.test("socketInode reads a socket fd link and nothing else", () => {
  assertEquals(socketInode("socket:[123]"), 123);
  assertEquals(socketInode("pipe:[123]"), undefined);
  assertEquals(socketInode("/dev/null"), undefined);
});

Deno.test("readProcess names this process, with a start time before now", async () => {
  const self = await readProcess(Deno.pid);
  ok(self, "this process is found");
  assertEquals(self.pid, Deno.pid);
  ok(self.argv.includes("test"), self.argv.join(" "));
  const started = await startTimeToEpochMs(self.startTime);
  // btime has whole seconds, so a start a moment ago may read up to a second late.
  ok(started <= Date.now() + 1_000, `started ${started} is not in the future`);
  ok(started > Date.now() - 3_600_000, "started within the hour");
});

Deno.test("two processes have different start times or pids, and an ended one is gone", async () => {
  const child = new Deno.Command("sleep", { args: ["30"], stdout: "null", stderr: "null" }).spawn();
  try {
    // Until the child has exec'd, its cmdline is empty (CI read it that early once).
    let info = await readProcess(child.pid);
    for (let i = 0; i < 100 && info?.argv.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      info = await readProcess(child.pid);
    }
    ok(info, "the child is found");
    // Deno.Command runs the program by its full path, which becomes argv[0].
    assertEquals(info.argv, ["/usr/bin/sleep", "30"]);
    const self = await readProcess(Deno.pid);
    ok(info.startTime >= self!.startTime, "the child started after its parent");
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  assertEquals(await readProcess(child.pid), undefined);
});

Deno.test("readEnvironVariable reads a child's environment as it was given", async () => {
  const child = new Deno.Command("sleep", {
    args: ["30"],
    env: { PROC_TEST_MARK: "a=b c" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    // Until the child has exec'd, /proc shows the environment of the process that forked it.
    const deadline = Date.now() + 5_000;
    while ((await readProcess(child.pid))?.argv[0] !== "sleep" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assertEquals(await readEnvironVariable(child.pid, "PROC_TEST_MARK"), "a=b c");
    assertEquals(await readEnvironVariable(child.pid, "PROC_TEST_MARK_NOT_SET"), undefined);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});

Deno.test("listensOn and listenerPids find the process holding a port, not a client of it", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  // A client connected to the port holds a socket too, but not the listening one.
  const client = new Deno.Command("bash", {
    args: ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}; echo connected; sleep 30`],
    stdout: "piped",
  }).spawn();
  const reader = client.stdout.getReader();
  const accepted = await listener.accept();
  try {
    await reader.read();
    ok(await listensOn(Deno.pid, port), "this process listens");
    ok(!(await listensOn(client.pid, port)), "another process does not");
    assertEquals(await listenerPids(port), [Deno.pid]);
  } finally {
    accepted.close();
    listener.close();
    reader.releaseLock();
    await client.stdout.cancel();
    client.kill("SIGKILL");
    await client.status;
  }
  ok(!(await listensOn(Deno.pid, port)), "a closed listener no longer counts");
  assertEquals(await listenerPids(port), []);
});

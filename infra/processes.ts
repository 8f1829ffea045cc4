/**
 * Long-running background processes that outlive the command that started them, each tracked
 * by a pid file, with its output appended to a log file.
 *
 * A pid alone names whichever process holds that number now: after a crash, a reboot or a
 * kill -9 the file names nothing, or a stranger. So the pid file records the pid, the process's
 * start time (ticks since boot, from /proc/<pid>/stat) and its arguments, and a process counts
 * as the recorded one only when all three match.
 *
 * @module
 */
import { join } from "node:path";
import { type ProcessInfo, readProcess, startTimeToEpochMs } from "./proc.ts";

export interface Background {
  name: string;
  pidFile: string;
  logFile: string;
}

export function background(name: string, runDir: string, logDir: string): Background {
  return { name, pidFile: join(runDir, `${name}.pid`), logFile: join(logDir, `${name}.log`) };
}

/** Enough to tell a process from any later one given the same pid. */
export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22: clock ticks since boot. */
  startTime: number;
}

/** What a pid file holds (as JSON). */
export interface ProcessRecord extends ProcessIdentity {
  /** The arguments it was started with, which /proc/<pid>/cmdline must still show. */
  argv: string[];
  /** When it was started (for people reading the file). */
  startedAt: string;
}

const sameArgv = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((arg, i) => arg === b[i]);

/**
 * Starts `command` in a session of its own (so neither a Ctrl-C at the terminal nor the end of
 * this program reaches it), with its output appended to the log file, and records it in the
 * pid file. Returns the pid of the process it spawned, never one read back from a file.
 */
export async function spawnBackground(
  proc: Background,
  command: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<number> {
  await Deno.mkdir(join(proc.pidFile, ".."), { recursive: true });
  await Deno.mkdir(join(proc.logFile, ".."), { recursive: true });
  // sh only redirects the output and then execs the command, which keeps sh's pid.
  const script = 'exec "$@" >> "$0" 2>&1 < /dev/null';
  const child = new Deno.Command("sh", {
    args: ["-c", script, proc.logFile, ...command],
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  const pid = child.pid;
  // The start time is the fork's, so it is known at once; the arguments change at the exec,
  // and a read in the middle of it may see them empty or half old, half new.
  const deadline = Date.now() + 10_000;
  let seen: ProcessInfo | undefined;
  while (true) {
    seen = await readProcess(pid);
    if (seen === undefined) {
      throw new Error(`${proc.name} exited at once; see ${proc.logFile}:\n${await lastLines(
        proc.logFile,
      )}`);
    }
    if (sameArgv(seen.argv, command)) break;
    if (Date.now() > deadline) {
      // Never leave behind a process no pid file names.
      await stopProcess(seen, 2_000).catch(() => {});
      throw new Error(
        `${proc.name} (pid ${pid}) shows the command line ${JSON.stringify(seen.argv)}, ` +
          "not the one started: a program that rewrites its own cannot be tracked",
      );
    }
    await delay(10);
  }
  await writeRecord(proc, {
    pid,
    startTime: seen.startTime,
    argv: command,
    startedAt: new Date().toISOString(),
  });
  return pid;
}

async function writeRecord(proc: Background, record: ProcessRecord): Promise<void> {
  // Written aside and renamed, so a reader never sees half a record.
  const temporary = `${proc.pidFile}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(record) + "\n");
  await Deno.rename(temporary, proc.pidFile);
}

/** The pid file's record, or undefined when there is none or it cannot be read as one. */
export async function readRecord(proc: Background): Promise<ProcessRecord | undefined> {
  let text: string;
  try {
    text = (await Deno.readTextFile(proc.pidFile)).trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) return await upgradeLegacyRecord(proc, Number(text));
  try {
    const record = JSON.parse(text) as Partial<ProcessRecord>;
    const valid = Number.isInteger(record.pid) && Number.isInteger(record.startTime) &&
      Array.isArray(record.argv) && record.argv.every((arg) => typeof arg === "string");
    return valid ? record as ProcessRecord : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A pid file of the earlier format held only the pid, written by the process itself right
 * after it was forked. It still names that process when one with the pid started within a
 * moment of the file's writing (btime has whole seconds, hence the slack); the file is then
 * rewritten in the current format, so a running stack survives the upgrade and `down` still
 * stops it.
 */
async function upgradeLegacyRecord(
  proc: Background,
  pid: number,
): Promise<ProcessRecord | undefined> {
  const [info, written] = await Promise.all([
    readProcess(pid),
    Deno.stat(proc.pidFile).then((stat) => stat.mtime?.getTime(), () => undefined),
  ]);
  if (info === undefined || written === undefined) return undefined;
  const started = await startTimeToEpochMs(info.startTime);
  if (started < written - 5_000 || started > written + 2_000) return undefined;
  const record = {
    pid,
    startTime: info.startTime,
    argv: info.argv,
    startedAt: new Date(started).toISOString(),
  };
  await writeRecord(proc, record);
  return record;
}

/** Whether `candidate` is the process `record` names: same pid, start time and arguments. */
export function matchesRecord(record: ProcessRecord, candidate: ProcessInfo): boolean {
  return candidate.pid === record.pid && candidate.startTime === record.startTime &&
    sameArgv(candidate.argv, record.argv);
}

/** The recorded process when it is still the one running under its pid, else undefined. */
export async function runningProcess(proc: Background): Promise<ProcessRecord | undefined> {
  const record = await readRecord(proc);
  if (record === undefined) return undefined;
  const info = await readProcess(record.pid);
  return info !== undefined && matchesRecord(record, info) ? record : undefined;
}

/** The pid of the recorded process when it still runs (see {@link runningProcess}). */
export async function runningPid(proc: Background): Promise<number | undefined> {
  return (await runningProcess(proc))?.pid;
}

/** Whether the process still runs: its pid is held by a process of the same start time. */
export async function isRunning(identity: ProcessIdentity): Promise<boolean> {
  return (await readProcess(identity.pid))?.startTime === identity.startTime;
}

function signal(pid: number, name: Deno.Signal): void {
  try {
    Deno.kill(pid, name);
  } catch {
    // It ended between the check and the signal.
  }
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves when the process has ended. Every check
 * compares the start time, so a pid given to another process meanwhile is never signalled.
 */
export async function stopProcess(identity: ProcessIdentity, graceMs = 15_000): Promise<boolean> {
  if (!(await isRunning(identity))) return false;
  signal(identity.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && await isRunning(identity)) await delay(100);
  if (await isRunning(identity)) signal(identity.pid, "SIGKILL");
  const killDeadline = Date.now() + 10_000;
  while (await isRunning(identity)) {
    if (Date.now() > killDeadline) {
      throw new Error(`pid ${identity.pid} survived SIGKILL for 10 s (stuck in the kernel?)`);
    }
    await delay(50);
  }
  return true;
}

/** Stops the recorded process and removes its pid file; returns whether it was running. */
export async function stopBackground(proc: Background, graceMs = 15_000): Promise<boolean> {
  const record = await runningProcess(proc);
  const stopped = record !== undefined && await stopProcess(record, graceMs);
  await Deno.remove(proc.pidFile).catch(() => {});
  return stopped;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when something accepts TCP connections at host:port. */
export async function isListening(hostname: string, port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it is true; throws `failure()` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  failure: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(200);
  }
  throw new Error(failure());
}

/** Runs a command to completion; throws with its output when it fails. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; what?: string } = {},
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, {
      args,
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(
      `${options.what ?? command}: cannot run ${command}: ${(error as Error).message}`,
    );
  }
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  if (!output.success) {
    const tail = text.trim().split("\n").slice(-15).join("\n");
    throw new Error(`${options.what ?? command} failed (exit ${output.code}):\n${tail}`);
  }
  return text;
}

export async function lastLines(file: string, count = 15): Promise<string> {
  try {
    return (await Deno.readTextFile(file)).trimEnd().split("\n").slice(-count).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Long-running background processes that outlive the command that started them, tracked by
 * pid files, with their output appended to a log file.
 *
 * @module
 */
import { join } from "node:path";

export interface Background {
  name: string;
  pidFile: string;
  logFile: string;
}

export function background(name: string, runDir: string, logDir: string): Background {
  return { name, pidFile: join(runDir, `${name}.pid`), logFile: join(logDir, `${name}.log`) };
}

/** Starts `command` in its own session so it survives us; returns its pid. */
export async function spawnBackground(
  proc: Background,
  command: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<number> {
  await Deno.mkdir(join(proc.pidFile, ".."), { recursive: true });
  await Deno.mkdir(join(proc.logFile, ".."), { recursive: true });
  // sh records its own pid and then execs the command, so the pid file names the real process.
  const script = `echo $$ > "$0"; exec "$@" >> "${proc.logFile}" 2>&1 < /dev/null`;
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", script, proc.pidFile, ...command],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  for (let i = 0; i < 100; i++) {
    const pid = await readPid(proc);
    if (pid !== undefined) return pid;
    await delay(20);
  }
  throw new Error(`${proc.name} did not start (see ${proc.logFile})`);
}

export async function readPid(proc: Background): Promise<number | undefined> {
  try {
    const pid = Number((await Deno.readTextFile(proc.pidFile)).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** The pid of a recorded process that is still running, or undefined. */
export async function runningPid(proc: Background): Promise<number | undefined> {
  const pid = await readPid(proc);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/** SIGTERM, then SIGKILL after `graceMs`; returns whether a process was running. */
export async function stopBackground(proc: Background, graceMs = 15_000): Promise<boolean> {
  const pid = await runningPid(proc);
  if (pid === undefined) {
    await Deno.remove(proc.pidFile).catch(() => {});
    return false;
  }
  Deno.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(100);
  if (isAlive(pid)) Deno.kill(pid, "SIGKILL");
  while (isAlive(pid)) await delay(50);
  await Deno.remove(proc.pidFile).catch(() => {});
  return true;
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
